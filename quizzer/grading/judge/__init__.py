"""The LLM judge: the endpoint client, the rubric prompt, the judge itself and the graders built on it."""
