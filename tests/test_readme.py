"""The README stays true: its commands exist, its examples load, and CI runs its test command."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO_ROOT
from quizzer.core.config import load_config
from quizzer.deck.loader import parse_deck

README = (REPO_ROOT / "README.md").read_text(encoding="utf-8")


def _code_blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.S)


def _table_commands() -> list[list[str]]:
    """`quizzer a b ...` from the commands table, up to the first argument placeholder or option."""
    commands = []
    for cell in re.findall(r"^\| `(quizzer [^`]+)`", README, flags=re.M):
        for variant in cell.split("` / `"):
            words = []
            for word in variant.split()[1:]:
                if not re.fullmatch(r"[a-z][a-z-]*", word):
                    break
                words.append(word)
            commands.append(words)
    return commands


def test_quick_start_has_an_install_command_and_a_test_command() -> None:
    install, tests = _code_blocks("bash")[:2]
    assert "python3 -m venv .venv" in install and "-c constraints.txt" in install and "quizzer quiz" in install
    assert "python3 -m venv .venv" in tests and "pytest" in tests


def test_ci_runs_the_readme_test_command() -> None:
    test_command = _code_blocks("bash")[1].strip()
    assert test_command in (REPO_ROOT / ".ci" / "run").read_text(encoding="utf-8")


@pytest.mark.parametrize("words", _table_commands(), ids=lambda words: " ".join(words))
def test_every_command_in_the_table_exists(words: list[str]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "quizzer", *words, "--help"], capture_output=True, text=True, cwd=REPO_ROOT
    )
    assert result.returncode == 0, result.stderr
    assert "Usage" in result.stdout


def test_deck_example_is_a_valid_deck(tmp_path: Path) -> None:
    example, short_answers = _code_blocks("yaml")
    deck = parse_deck(example, tmp_path / "example.yaml")
    assert deck.cards[0].id == "transducer-memory-cause"
    assert len(deck.cards[0].key_points) == 2
    cards = parse_deck(short_answers, tmp_path / "short.yaml").cards
    assert [card.answer_format.tolerance for card in cards] == ["1%", None, None]
    assert cards[1].answer_format.ordered and cards[1].answer_format.partial_credit
    assert cards[2].answer_format.type == "date"


def test_config_examples_are_valid_configs(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    examples = _code_blocks("toml")
    assert len(examples) >= 2
    loaded = []
    for example in examples:
        path.write_text(example, encoding="utf-8")
        loaded.append(load_config(path, environ={}))
    assert loaded[0].quiz.new_per_day == 20
    assert loaded[0].decks[0] == "msft-asr"
    assert loaded[1].llm.model == "gpt-4o-mini"
