"""A real terminal for tests and benchmarks: a private tmux server, one fixed-size window, send-keys, capture-pane."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import time
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable

# `quizzer quiz` with the real default grader (the offline embedding grader); DRIVER swaps in the scripted
# grader of tests/quiz_driver.py where a test needs a verdict known in advance (an uncertain grade).
QUIZ = [PYTHON, "-m", "quizzer", "quiz"]
DRIVER = [PYTHON, "tests/quiz_driver.py", "quiz"]
# A full answer to the first card of the seed deck (msft-asr).
Q1_ANSWER = "They reduced training time and improved efficiency by solving the memory issue of the speech transducer."


class Terminal:
    """One command running in its own tmux server (so tests never touch anyone else's sessions)."""

    def __init__(self, command: Sequence[str], env: Mapping[str, str] | None = None, width: int = 110,
                 height: int = 50) -> None:
        self.socket = f"quizzer-test-{uuid.uuid4().hex[:10]}"
        self.exit_file = Path("/tmp") / f"{self.socket}.exit"
        assignments = " ".join(f"{name}={shlex.quote(value)}" for name, value in (env or {}).items())
        # Keep the pane after the command ends (so its last screen can be read) and note its exit status.
        shell = (
            f"cd {shlex.quote(str(REPO_ROOT))} && env {assignments} {shlex.join(command)};"
            f" echo $? > {shlex.quote(str(self.exit_file))}; sleep 600"
        )
        self._tmux("new-session", "-d", "-s", "main", "-x", str(width), "-y", str(height), shell)

    def _tmux(self, *args: str) -> str:
        result = subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, text=True, check=True)
        return result.stdout

    def send(self, *keys: str) -> None:
        self._tmux("send-keys", "-t", "main", *keys)

    def type(self, text: str) -> None:
        self._tmux("send-keys", "-t", "main", "-l", text)

    def screen(self) -> str:
        return self._tmux("capture-pane", "-p", "-J", "-S", "-2000", "-t", "main")

    def wait_for(self, text: str, timeout: float = 60.0, count: int = 1) -> str:
        """Waits until `text` appears on screen (at least `count` times); returns the screen."""
        deadline = time.monotonic() + timeout
        while True:
            screen = self.screen()
            if screen.count(text) >= count:
                return screen
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} did not appear within {timeout} s; screen:\n{screen}")
            time.sleep(0.02)

    def exit_status(self, timeout: float = 30.0) -> int:
        deadline = time.monotonic() + timeout
        while not self.exit_file.exists() or not self.exit_file.read_text().strip():
            if time.monotonic() > deadline:
                raise AssertionError(f"the command did not end; screen:\n{self.screen()}")
            time.sleep(0.05)
        return int(self.exit_file.read_text())

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True)
        self.exit_file.unlink(missing_ok=True)


def quizzer_env(home: Path | None = None) -> dict[str, str]:
    """The variables a quizzer subprocess needs: offline model loading, and this test's config/db/cache."""
    names = ("QUIZZER_CONFIG", "QUIZZER_DB", "QUIZZER_CACHE_DIR", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HOME",
             "PATH", "LANG")
    env = {name: os.environ[name] for name in names if name in os.environ}
    env.setdefault("LANG", "C.UTF-8")
    env["TERM"] = "xterm-256color"
    return env
