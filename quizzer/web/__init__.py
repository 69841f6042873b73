"""`quizzer serve`: the quiz on a local web page, with the same decks, grader and database as the terminal.

- `quizzes`: the quiz sessions a server runs (QuizSession under the hood) and the read-only overview.
- `schemas`: what the JSON API reads and writes.
- `security`: host, origin and token checks, and the headers every response carries.
- `app`: the Starlette routes and pages; `server`: binding, printing the URL, uvicorn, Ctrl-C.
"""
