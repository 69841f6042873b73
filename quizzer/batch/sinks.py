"""Writing graded rows as they are graded, so that whatever stops a run leaves a valid output of whole rows.

- The output is opened (created if need be) before any grading, so an unwritable path fails before the model
  loads; an existing file is emptied only when the first rows are written.
- JSONL and CSV are appended a chunk at a time with `os.write`; Ctrl-C waits for a chunk's write to end. A write
  that fails (the disk is full) is cut back to the last whole row, and the error says how many rows the file holds.
- Parquet has no valid state until its footer is written: rows go to `.NAME.partial` beside the output, and on
  close (at the end, on Ctrl-C or after an error) the footer is written and the file renamed onto the output.
"""

from __future__ import annotations

import errno
import os
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

from quizzer.batch.output import csv_header, csv_text, encoded, jsonl_text
from quizzer.core.errors import OutputFileError


class Sink(Protocol):
    """Where graded records go; `rows` counts the records the output holds (an earlier run's included)."""

    rows: int

    def write(self, records: Sequence[dict[str, Any]]) -> None: ...

    def close(self) -> None: ...

    def abandon(self) -> None:
        """Closes without touching what the output held before (the run failed before writing a row)."""
        ...


def open_sink(path: Path | None, kind: str, *, resume_rows: int = 0, resume_bytes: int | None = None) -> Sink:
    """The sink for `--output PATH` (None: standard output), continuing after `resume_rows` rows of an earlier run
    (whose whole rows end at byte `resume_bytes`, for JSONL and CSV)."""
    if path is None:
        return StreamSink(kind)
    if kind == "parquet":
        return ParquetSink(path, resume_rows)
    header = encoded(csv_header()) if kind == "csv" else b""
    return FileSink(path, kind, header, resume_rows, resume_bytes)


@contextmanager
def deferred_interrupt() -> Iterator[None]:
    """Holds Ctrl-C back until the block ends, so a write is never cut in the middle of a row."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda number, _frame: received.append(number))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if received and callable(previous):
            previous(signal.SIGINT, None)
        elif received and previous == signal.SIG_DFL:
            raise KeyboardInterrupt


def _cannot_open(path: Path, error: OSError) -> OutputFileError:
    if isinstance(error, IsADirectoryError):
        return OutputFileError(f"{path}: is a folder", hint="give --output a file name ending .jsonl, .csv or .parquet")
    if isinstance(error, FileNotFoundError):
        return OutputFileError(f"cannot write {path}: the folder {path.parent} does not exist",
                               hint="create the folder first, or choose another --output")
    return OutputFileError(f"cannot write {path}: {error.strerror}", hint="choose another --output")


def _write_failed(path: Path, error: OSError, rows: int) -> OutputFileError:
    reason = "the disk is full" if error.errno in (errno.ENOSPC, errno.EDQUOT) else error.strerror
    return OutputFileError(
        f"cannot write {path}: {reason}; it holds the first {rows:,} graded rows, each whole",
        hint="free some space (or choose another --output) and run the same command with --resume to go on",
    )


class FileSink:
    """JSONL or CSV appended with `os.write`, cut back to its last whole row when a write fails."""

    def __init__(self, path: Path, kind: str, header: bytes, resume_rows: int, resume_bytes: int | None) -> None:
        self.path = path
        self.kind = kind
        self.rows = resume_rows
        self.header = header
        existed = path.exists()
        try:
            self.fd = os.open(path, os.O_WRONLY | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o666)
        except OSError as error:
            raise _cannot_open(path, error) from None
        self.created = not existed
        # Bytes of whole rows: an earlier run's when resuming (anything after them is a row cut short), else none.
        self.committed = resume_bytes if resume_bytes is not None else 0
        self.started = False

    def write(self, records: Sequence[dict[str, Any]]) -> None:
        format_rows = jsonl_text if self.kind == "jsonl" else csv_text
        rows = [encoded(format_rows([record])) for record in records]
        with deferred_interrupt():
            if not self.started:
                self._start()
            self._append(rows)

    def _start(self) -> None:
        self.started = True
        os.ftruncate(self.fd, self.committed)
        if self.committed == 0 and self.header:
            self._append([self.header], header=True)

    def _append(self, rows: list[bytes], header: bool = False) -> None:
        """Writes the rows after the whole rows already there; when the write fails part-way, keeps the rows it
        wrote whole and cuts the rest."""
        data = b"".join(rows)
        os.lseek(self.fd, self.committed, os.SEEK_SET)
        view, written = memoryview(data), 0
        try:
            while written < len(data):
                written += os.write(self.fd, view[written:])
        except OSError as error:
            kept = kept_bytes = 0
            for row in rows:
                if kept_bytes + len(row) > written or header:
                    break
                kept, kept_bytes = kept + 1, kept_bytes + len(row)
            self.committed += kept_bytes
            self.rows += kept
            os.ftruncate(self.fd, self.committed)
            raise _write_failed(self.path, error, self.rows) from None
        self.committed += len(data)
        self.rows += 0 if header else len(rows)

    def close(self) -> None:
        if self.fd < 0:
            return
        try:
            with deferred_interrupt():
                if not self.started:
                    self._start()
                os.fsync(self.fd)  # a filesystem that reports a full disk only now
        except OSError as error:
            raise _write_failed(self.path, error, self.rows) from None
        finally:
            os.close(self.fd)
            self.fd = -1

    def abandon(self) -> None:
        if self.fd < 0:
            return
        os.close(self.fd)
        self.fd = -1
        if self.created and not self.started:
            self.path.unlink(missing_ok=True)


class StreamSink:
    """Standard output, a chunk at a time (JSONL or CSV)."""

    def __init__(self, kind: str) -> None:
        if kind == "parquet":
            raise OutputFileError("Parquet cannot be written to standard output", hint="pass --output FILE.parquet")
        self.kind = kind
        self.rows = 0
        self.stream = sys.stdout.buffer if hasattr(sys.stdout, "buffer") else None

    def write(self, records: Sequence[dict[str, Any]]) -> None:
        text = (csv_header() if self.kind == "csv" and self.rows == 0 else "")
        text += jsonl_text(records) if self.kind == "jsonl" else csv_text(records)
        with deferred_interrupt():
            try:
                if self.stream is not None:
                    self.stream.write(encoded(text))
                    self.stream.flush()
                else:
                    sys.stdout.write(text)
                    sys.stdout.flush()
            except BrokenPipeError:
                # The reader went away (`quizzer grade FILE | head`): stop quietly, as other command-line tools do.
                sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - python's documented way to silence the exit flush
                raise OutputFileError(f"standard output was closed after {self.rows:,} rows") from None
        self.rows += len(records)

    def close(self) -> None:
        pass

    def abandon(self) -> None:
        pass


class ParquetSink:
    """Parquet written to `.NAME.partial` and renamed onto NAME when closed; resuming copies the earlier rows."""

    def __init__(self, path: Path, resume_rows: int) -> None:
        self.path = path
        self.rows = resume_rows
        self.resume_rows = resume_rows
        self.partial = path.with_name(f".{path.name}.partial")
        if path.is_dir():
            raise OutputFileError(f"{path}: is a folder",
                                  hint="give --output a file name ending .parquet (a folder needs --engine ray)")
        try:  # creating the file beside the output checks the folder now, before any grading
            os.close(os.open(self.partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666))
        except OSError as error:
            raise _cannot_open(path, error) from None
        self.writer: Any = None
        self.done = False

    def _writer(self) -> Any:
        if self.done:
            raise OutputFileError(f"{self.path}: already closed")
        if self.writer is None:
            from quizzer.batch.parquet import GradedParquetWriter

            copy_from = self.path if self.resume_rows else None
            self.writer = self._guarded(lambda: GradedParquetWriter(self.partial, copy_from, self.resume_rows))
        return self.writer

    def _guarded(self, action: Any) -> Any:
        try:
            return action()
        except OSError as error:  # pyarrow's IOError for a full disk
            self._discard()
            raise OutputFileError(
                f"cannot write {self.path}: {error}; it was left as it was before this run",
                hint="free some space (or choose another --output) and run the command again"
                     + (" with --resume" if self.resume_rows else ""),
            ) from None

    def write(self, records: Sequence[dict[str, Any]]) -> None:
        writer = self._writer()
        with deferred_interrupt():
            self._guarded(lambda: writer.write(records))
        self.rows += len(records)

    def close(self) -> None:
        if self.done:
            return
        writer = self._writer()
        with deferred_interrupt():
            self._guarded(writer.close)
            os.replace(self.partial, self.path)
        self.writer, self.done = None, True

    def abandon(self) -> None:
        self._discard()

    def _discard(self) -> None:
        self.done = True
        if self.writer is not None:
            try:
                self.writer.writer.close()
            except OSError:
                pass
            self.writer = None
        self.partial.unlink(missing_ok=True)
