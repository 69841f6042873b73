"""`quizzer serve`: the quiz on a local web page, with the same decks, grader and database as the terminal.

The top layer, beside `quizzer.cli` (ARCHITECTURE.md): the web server's routes over the use cases below; it never
imports `quizzer.cli` (whose `serve_cmd` starts it).

- `quizzes`: the quiz sessions a server runs (QuizSession under the hood); `overview`: the deck picker and stats.
- `schemas`: what the JSON API reads and writes.
- `security`: host, origin and token checks, and the headers every response carries.
- `worker`: a thread per SQLite connection, running calls on it one at a time.
- `app`: the Starlette routes and pages; `server`: binding, printing the URL, uvicorn, Ctrl-C.
"""
