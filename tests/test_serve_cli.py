"""`quizzer serve` as a command: prints the URL, serves the page, asks for the token off loopback, stops on Ctrl-C."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from answer_files import ctrl_c_as_at_a_terminal

HEAVY = ("torch", "sentence_transformers", "transformers", "openai", "sklearn", "numpy", "starlette", "uvicorn", "jinja2")
PROBE = """
import sys
sys.argv = ["quizzer", "serve", "--help"]
from quizzer.cli.app import main
try:
    main()
except SystemExit:
    pass
print("MODULES:" + ",".join(sorted({name.split(".")[0] for name in sys.modules})), file=sys.stderr)
"""


def test_serve_help_imports_no_heavy_library_and_no_web_stack() -> None:
    result = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "--port" in result.stdout and "--open" in result.stdout and "--cram" in result.stdout
    (line,) = [line for line in result.stderr.splitlines() if line.startswith("MODULES:")]
    imported = set(line.removeprefix("MODULES:").split(","))
    assert imported.isdisjoint(HEAVY), sorted(imported & set(HEAVY))


class Served:
    def __init__(self, *args: str, env: dict[str, str] | None = None) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "quizzer", "serve", *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, env={**os.environ, **(env or {})}, preexec_fn=ctrl_c_as_at_a_terminal,
        )
        self.lines: list[str] = []
        while True:
            line = self.process.stdout.readline()  # type: ignore[union-attr]
            if not line:
                raise AssertionError("quizzer serve ended early:\n" + "".join(self.lines))
            self.lines.append(line)
            match = re.search(r"Open (http://\S+)", line)
            if match:
                self.url = match.group(1)
                return

    def stop(self) -> tuple[int, str]:
        self.process.send_signal(signal.SIGINT)  # Ctrl-C
        output, _ = self.process.communicate(timeout=30)
        return self.process.returncode, "".join(self.lines) + output


@pytest.fixture
def served() -> Iterator[list[Served]]:
    started: list[Served] = []
    yield started
    for server in started:
        if server.process.poll() is None:
            server.process.kill()
            server.process.wait()


@pytest.mark.slow
def test_serve_prints_the_url_serves_the_first_question_and_stops_cleanly_on_ctrl_c(
    tmp_path: Path, served: list[Served]
) -> None:
    server = Served("msft-asr", "--port", "0", "--db", str(tmp_path / "q.db"), "--new", "2")
    served.append(server)
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/quiz", server.url)
    assert f"database {tmp_path / 'q.db'}" in server.lines[0]
    page = httpx.get(server.url)
    assert page.status_code == 200 and "What improvement was made in the transducer model?" in page.text
    assert "Question 1 of 2" in page.text
    assert httpx.get(server.url.replace("/quiz", "/api/status")).json()["grader"] == "embedding"
    status, output = server.stop()
    assert status == 0, output
    assert "Stopped. Every grade was saved as it was shown." in output and "Traceback" not in output


@pytest.mark.slow
def test_off_loopback_every_request_needs_the_token_printed_in_the_url(tmp_path: Path, served: list[Served]) -> None:
    server = Served("msft-asr", "--host", "0.0.0.0", "--port", "0", "--db", str(tmp_path / "q.db"))
    served.append(server)
    match = re.fullmatch(r"http://127\.0\.0\.1:(\d+)/quiz\?token=([\w-]{20,})", server.url)
    assert match, server.url
    port, token = match.groups()
    assert any("needs the token" in line for line in server.lines)
    assert httpx.get(f"http://127.0.0.1:{port}/api/decks").status_code == 401
    headers = {"Authorization": f"Bearer {token}"}
    assert httpx.get(f"http://127.0.0.1:{port}/api/decks", headers=headers).status_code == 200
    assert server.stop()[0] == 0


@pytest.mark.slow
def test_the_token_can_come_from_the_environment(tmp_path: Path, served: list[Served]) -> None:
    server = Served("msft-asr", "--host", "0.0.0.0", "--port", "0", "--db", str(tmp_path / "q.db"),
                    env={"QUIZZER_SERVE_TOKEN": "from-the-environment"})
    served.append(server)
    assert server.url.endswith("/quiz?token=from-the-environment")
    assert server.stop()[0] == 0


def test_a_port_in_use_is_an_error_with_a_hint(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run([sys.executable, "-m", "quizzer", "serve", "msft-asr", "--port", str(port),
                                 "--db", str(tmp_path / "q.db")], capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr and "--port 0" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_unknown_grader_is_refused_before_serving(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "quizzer", "serve", "--grader", "psychic", "--port", "0",
                             "--db", str(tmp_path / "q.db")], capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and "unknown grader 'psychic'" in result.stderr


def test_the_readme_examples_parse_into_the_options_serve_runs_with(monkeypatch: pytest.MonkeyPatch) -> None:
    import shlex

    from typer.testing import CliRunner

    from quizzer.cli.app import app
    from quizzer.web import server as web_server

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    block = readme.split("## Quiz in your browser", 1)[1].split("```text\n", 1)[1].split("```", 1)[0]
    examples = [line.split("#")[0] for line in block.splitlines() if line.startswith("quizzer serve")]
    assert len(examples) == 4
    ran: list[web_server.ServeOptions] = []
    monkeypatch.setattr(web_server, "serve", lambda options: ran.append(options) or 0)
    for example in examples:
        result = CliRunner().invoke(app, shlex.split(example)[1:])
        assert result.exit_code == 0, (example, result.output)
    plain, one_deck, chosen, network = ran
    assert (plain.host, plain.port, plain.decks, plain.open_browser) == ("127.0.0.1", 8765, [], False)
    assert (one_deck.decks, one_deck.open_browser) == (["msft-asr"], True)
    assert (chosen.tags, chosen.new, chosen.port, chosen.db) == (["rnn-t"], 5, 9000, Path("/tmp/q.db"))
    assert network.host == "0.0.0.0"
