"""`quizzer decks list|check|show|import` run as a user runs them: a real process, exit codes, no tracebacks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from quizzer.deck.loader import load_deck

REPO = Path(__file__).resolve().parent.parent
SEED = REPO / "tests" / "fixtures" / "seed_notes.txt"  # a copy of ../shared/seeds/000_de2fc0b874be015e.txt
BUNDLED = ("msft-asr", "e2e-asr", "on-device-asr")


def quizzer(*args: str, cwd: Path = REPO, config: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("QUIZZER_")}
    env.update(COLUMNS="250", QUIZZER_CONFIG=str(config or cwd / "no-config.toml"))
    result = subprocess.run(
        [sys.executable, "-m", "quizzer", *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=120
    )
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    return result


def test_decks_check_passes_on_the_bundled_decks() -> None:
    result = quizzer("decks", "check", "decks/")
    assert result.returncode == 0, result.stdout + result.stderr
    for name in BUNDLED:
        assert f"OK decks/{name}.yaml" in result.stdout


def test_decks_list_shows_bundled_decks_with_card_counts() -> None:
    result = quizzer("decks", "list")
    assert result.returncode == 0, result.stderr
    rows = {line.split("│")[1].strip(): line for line in result.stdout.splitlines() if line.count("│") >= 3}
    for name in BUNDLED:
        count = len(load_deck(REPO / "decks" / f"{name}.yaml").cards)
        matching = [line for line in rows.values() if f"{name}.yaml" in line]
        assert matching and f" {count} " in matching[0], result.stdout


def test_decks_check_reports_every_problem_and_exits_2(tmp_path: Path) -> None:
    (tmp_path / "good.yaml").write_text("cards:\n  - {id: a, question: Q, answer: A}\n", encoding="utf-8")
    bad = tmp_path / "bad.yml"
    bad.write_text("cards:\n  - id: a\n    question: ''\n    answer: A\n  - id: a\n    question: Q\n", encoding="utf-8")
    result = quizzer("decks", "check", str(tmp_path))
    assert result.returncode == 2
    assert f"OK {tmp_path / 'good.yaml'} (1 card)" in result.stdout
    assert f"FAIL {bad}" in result.stdout
    assert f"{bad}:3: card 'a': empty question" in result.stdout
    assert f"{bad}:5: card 'a': duplicate id (first used on line 2)" in result.stdout
    assert f"{bad}:5: card 'a': no answer" in result.stdout


def test_decks_check_on_a_non_deck_format_points_to_import(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("What?\n\nThat.\n", encoding="utf-8")
    result = quizzer("decks", "check", str(notes), str(tmp_path / "missing.yaml"))
    assert result.returncode == 2
    assert "quizzer decks import" in result.stdout
    assert f"{tmp_path / 'missing.yaml'}: no such file" in result.stdout


def test_decks_show_by_name_and_by_path() -> None:
    by_name = quizzer("decks", "show", "msft-asr")
    assert by_name.returncode == 0, by_name.stderr
    deck = load_deck(REPO / "decks" / "msft-asr.yaml")
    for card in deck.cards:
        assert card.id in by_name.stdout
    assert "key points:" in by_name.stdout
    by_path = quizzer("decks", "show", "decks/msft-asr.yaml")
    assert by_path.returncode == 0 and by_path.stdout == by_name.stdout


def test_decks_show_unknown_name_lists_known_decks() -> None:
    result = quizzer("decks", "show", "no-such-deck")
    assert result.returncode == 2
    assert "no deck named 'no-such-deck'" in result.stderr
    for name in BUNDLED:
        assert name in result.stderr


def test_decks_in_the_config_are_known_by_name(tmp_path: Path) -> None:
    mine = tmp_path / "mine.yaml"
    mine.write_text("name: Mine\ncards:\n  - {id: only, question: Q, answer: A}\n", encoding="utf-8")
    config = tmp_path / "config.toml"
    config.write_text(f'decks = ["{mine}"]\n', encoding="utf-8")
    listed = quizzer("decks", "list", config=config)
    assert "Mine" in listed.stdout and "mine.yaml" in listed.stdout
    shown = quizzer("decks", "show", "mine", config=config)
    assert shown.returncode == 0 and "only" in shown.stdout


def test_decks_import_writes_a_valid_deck_and_refuses_to_overwrite(tmp_path: Path) -> None:
    result = quizzer("decks", "import", str(SEED), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Imported 5 cards (notes)" in result.stdout
    assert "5 imported cards have no key points yet" in result.stderr
    written = tmp_path / f"{SEED.stem}.yaml"
    assert len(load_deck(written).cards) == len(load_deck(REPO / "decks" / "msft-asr.yaml").cards)

    again = quizzer("decks", "import", str(SEED), cwd=tmp_path)
    assert again.returncode == 2 and "already exists" in again.stderr and "--force" in again.stderr

    forced = quizzer("decks", "import", str(SEED), "--force", "--name", "Seed", "-o", "out/seed.yaml", cwd=tmp_path)
    assert forced.returncode == 0, forced.stderr
    assert load_deck(tmp_path / "out" / "seed.yaml").name == "Seed"
    assert quizzer("decks", "check", "out", cwd=tmp_path).returncode == 0


def test_decks_import_reports_unparsable_rows_and_bad_files(tmp_path: Path) -> None:
    table = tmp_path / "cards.txt"
    table.write_text("question\tanswer\nWhat is CTC?\tA loss.\nNo answer here?\t\n", encoding="utf-8")
    result = quizzer("decks", "import", str(table), "--format", "tsv", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Imported 1 card (tsv)" in result.stdout
    assert f"{table}:3: row without an answer; skipped" in result.stderr

    missing = quizzer("decks", "import", str(tmp_path / "absent.csv"), cwd=tmp_path)
    assert missing.returncode == 2 and "no such file" in missing.stderr

    unknown = quizzer("decks", "import", str(table), "--format", "xml", cwd=tmp_path)
    assert unknown.returncode == 2 and "unknown import format 'xml'" in unknown.stderr


def test_decks_list_warns_about_a_configured_deck_that_does_not_exist(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    config = Path(os.environ["QUIZZER_CONFIG"])
    config.write_text(f'decks = ["{missing}"]\n', encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "quizzer", "decks", "list"], capture_output=True, text=True)
    assert result.returncode == 0
    assert "msft-asr" in result.stdout
    assert f"{missing}, which does not exist" in " ".join(result.stderr.split())
