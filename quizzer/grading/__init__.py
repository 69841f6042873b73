"""Grading: the offline grader (`offline/`), the LLM judge (`judge/`) and the registry that builds them by name."""
