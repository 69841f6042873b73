"""Finding decks by name or path: bundled decks, decks listed in the config, and checks over directories."""

from __future__ import annotations

from pathlib import Path

import pytest

from quizzer.core.config import Config, load_config
from quizzer.core.errors import DeckError, QuizzerError
from quizzer.deck.catalog import bundled_decks, check_paths, known_decks, load, resolve_deck

REPO = Path(__file__).resolve().parent.parent
DECK = "name: Private Deck\ncards:\n  - {id: a, question: Q, answer: A}\n"


def no_config(tmp_path: Path, decks: list[str] | None = None) -> Config:
    path = tmp_path / "config.toml"
    if decks is not None:
        path.write_text("decks = [" + ", ".join(f'"{deck}"' for deck in decks) + "]\n", encoding="utf-8")
    return load_config(path, environ={})


def test_bundled_decks_are_the_repository_decks() -> None:
    names = [path.name for path in bundled_decks()]
    assert names == sorted(path.name for path in (REPO / "decks").glob("*.yaml"))
    assert "msft-asr.yaml" in names


def test_resolve_by_name_file_name_and_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = no_config(tmp_path)
    assert resolve_deck("msft-asr", config) == (REPO / "decks" / "msft-asr.yaml").resolve()
    monkeypatch.chdir(tmp_path)
    assert resolve_deck("msft-asr.yaml", config) == (REPO / "decks" / "msft-asr.yaml").resolve()
    own = tmp_path / "own.yaml"
    own.write_text(DECK, encoding="utf-8")
    assert resolve_deck(str(own), config) == own
    assert load("own.yaml", config).name == "Private Deck"  # an existing file in the current directory


def test_config_decks_are_known_by_stem_and_by_declared_name(tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "private.yaml").write_text(DECK, encoding="utf-8")
    config = no_config(tmp_path, decks=[str(folder), "msft-asr"])
    assert (folder / "private.yaml").resolve() in known_decks(config)
    assert resolve_deck("private", config) == (folder / "private.yaml").resolve()
    assert resolve_deck("private deck", config) == (folder / "private.yaml").resolve()


def test_unknown_name_lists_the_known_decks(tmp_path: Path) -> None:
    with pytest.raises(QuizzerError, match=r"no deck named 'nope' \(known decks: .*msft-asr") as caught:
        resolve_deck("nope", no_config(tmp_path))
    assert "config" in (caught.value.hint or "")


def test_missing_path_and_directory_are_deck_errors(tmp_path: Path) -> None:
    with pytest.raises(DeckError, match="no such file"):
        resolve_deck(str(tmp_path / "gone.yaml"), no_config(tmp_path))
    with pytest.raises(DeckError, match="is a directory"):
        resolve_deck(str(tmp_path), no_config(tmp_path))


def test_check_paths_expands_directories_and_collects_every_problem(tmp_path: Path) -> None:
    (tmp_path / "ok.yaml").write_text(DECK, encoding="utf-8")
    (tmp_path / "bad.yml").write_text("cards: []\n", encoding="utf-8")
    (tmp_path / "ignored.txt").write_text("not a deck", encoding="utf-8")
    empty = tmp_path / "empty"
    empty.mkdir()
    assert check_paths([tmp_path, empty]) == [
        f"{tmp_path / 'bad.yml'}:1: the deck has no cards",
        f"{empty}: holds no .yaml or .yml deck files",
    ]
    assert check_paths([REPO / "decks"]) == []


def test_a_folder_without_decks_is_an_error_not_the_bundled_decks(tmp_path: Path) -> None:
    from quizzer.core.config import load_config
    from quizzer.core.errors import DeckError
    from quizzer.deck.catalog import load_decks

    (tmp_path / "notes.txt").write_text("not a deck\n", encoding="utf-8")
    with pytest.raises(DeckError, match="a folder with no .yaml or .yml deck files"):
        load_decks([str(tmp_path)], load_config())


def test_two_deck_files_of_one_name_are_an_error_naming_both(tmp_path: Path) -> None:
    from quizzer.core.config import load_config
    from quizzer.core.errors import DeckError
    from quizzer.deck.catalog import load_decks

    deck = "name: same\ncards:\n  - id: a\n    question: Q?\n    answer: A\n"
    (tmp_path / "one.yaml").write_text(deck, encoding="utf-8")
    (tmp_path / "two.yaml").write_text(deck, encoding="utf-8")
    with pytest.raises(DeckError) as caught:
        load_decks([str(tmp_path)], load_config())
    assert str(tmp_path / "one.yaml") in caught.value.message and str(tmp_path / "two.yaml") in caught.value.message
    # One file named twice is one deck.
    assert len(load_decks([str(tmp_path / "one.yaml"), str(tmp_path / "one.yaml")], load_config())) == 1


def test_decks_check_takes_a_deck_name_like_every_other_command() -> None:
    from quizzer.deck.catalog import check_decks

    (check,) = check_decks(["msft-asr"])
    assert check.problems == () and check.deck is not None and check.deck.name == "msft-asr"
    (missing,) = check_decks(["no-such-deck"])
    assert "no such file" in missing.problems[0] and "no deck named 'no-such-deck'" in missing.problems[0]
