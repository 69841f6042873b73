"""One exception family: the CLI prints these as messages with a hint, never as tracebacks."""

from __future__ import annotations


class QuizzerError(Exception):
    """Base of every error quizzer reports to a person."""

    exit_code = 2

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class DeckError(QuizzerError):
    """A deck file (or several) could not be read; `problems` lists every one found."""

    def __init__(self, problems: list[str], hint: str | None = None) -> None:
        self.problems = problems
        summary = problems[0] if len(problems) == 1 else f"{len(problems)} problems:\n" + "\n".join(
            f"  - {problem}" for problem in problems
        )
        super().__init__(summary, hint)


class ConfigError(QuizzerError):
    """The configuration file or an environment variable holds something invalid."""


class InputFileError(QuizzerError):
    """A file of answers (for `grade` or `eval`) is unusable as a whole."""


class OutputFileError(QuizzerError):
    """An output file cannot be created, written or continued (`grade --output`, `--resume`)."""


class StorageError(QuizzerError):
    """The review database could not be opened, migrated or written."""


class DatabaseLockedError(StorageError):
    """Another program held the database's write lock for longer than the busy timeout (trying again may work)."""


class LLMError(QuizzerError):
    """The LLM endpoint could not be reached or answered something unusable."""

    exit_code = 1
