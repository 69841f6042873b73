"""`quizzer --help` stays light: no heavy library is imported to print help (its speed: benchmarks/startup.py)."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ("torch", "sentence_transformers", "transformers", "openai", "sklearn", "matplotlib", "numpy", "scipy",
         "onnxruntime", "tokenizers")

# Runs the real entry point with the given arguments, then prints the top-level modules it imported.
PROBE = """
import sys
sys.argv = ["quizzer", *sys.argv[1:]]
from quizzer.cli.app import main
try:
    main()
except SystemExit:
    pass
print("MODULES:" + ",".join(sorted({name.split(".")[0] for name in sys.modules})), file=sys.stderr)
"""


@pytest.mark.parametrize(
    "args",
    [["--help"], ["decks", "--help"], ["decks", "import", "--help"], ["config", "--help"], ["quiz", "--help"],
     ["grade", "--help"], ["eval", "--help"], ["stats", "--help"], ["llm", "--help"]],
    ids=lambda args: " ".join(args),
)
def test_help_imports_no_heavy_library(args: list[str]) -> None:
    result = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "Usage" in result.stdout
    (line,) = [line for line in result.stderr.splitlines() if line.startswith("MODULES:")]
    imported = set(line.removeprefix("MODULES:").split(","))
    assert "quizzer" in imported and "typer" in imported  # the probe saw the app itself
    assert imported.isdisjoint(HEAVY), sorted(imported & set(HEAVY))


def test_python_m_quizzer_help_imports_no_heavy_library() -> None:
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "quizzer", "--help"], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    imported = {line.split("|")[-1].strip().split(".")[0] for line in result.stderr.splitlines() if "|" in line}
    assert "typer" in imported
    assert imported.isdisjoint(HEAVY), sorted(imported & set(HEAVY))
