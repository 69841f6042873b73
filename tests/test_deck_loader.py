"""The strict deck loader: valid decks load; every malformed case is reported with file, card and line."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from quizzer.core.errors import DeckError
from quizzer.deck.loader import load_deck

VALID = """\
name: Speech basics
description: A small deck.
cards:
  - id: ctc-blank
    question: What is the blank symbol in CTC?
    answer: A symbol meaning "no label at this frame".
    key_points: [no label at this frame, separates repeated labels]
    notes: |
      Repeated labels are merged
      unless a blank separates them.
    tags: [ctc]
  - id: sample-rate.v2
    question: What sample rate do most ASR corpora use?
    answers: [16000, 16 kHz]
"""


def write(tmp_path: Path, text: str, name: str = "deck.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def problems_of(path: Path) -> list[str]:
    with pytest.raises(DeckError) as caught:
        load_deck(path)
    return caught.value.problems


def test_valid_deck_loads_every_field_with_lines(tmp_path: Path) -> None:
    deck = load_deck(write(tmp_path, VALID))
    assert deck.name == "Speech basics"
    assert deck.description == "A small deck."
    first, second = deck.cards
    assert first.id == "ctc-blank"
    assert first.references == ('A symbol meaning "no label at this frame".',)
    assert first.key_points == ("no label at this frame", "separates repeated labels")
    assert first.notes == "Repeated labels are merged\nunless a blank separates them."
    assert first.tags == ("ctc",)
    assert first.line == 4
    # Numbers are kept as the author typed them, not turned into ints.
    assert second.references == ("16000", "16 kHz")
    assert second.line == 12


def test_deck_name_defaults_to_file_stem(tmp_path: Path) -> None:
    path = write(tmp_path, "cards:\n  - {id: a, question: Q, answer: A}\n", name="my-deck.yml")
    assert load_deck(path).name == "my-deck"


def test_unknown_fields_are_named_with_the_allowed_ones(tmp_path: Path) -> None:
    path = write(tmp_path, """\
        name: x
        colour: blue
        cards:
          - id: a
            question: Q?
            anwser: A
    """)
    problems = problems_of(path)
    assert f"{path}:2: unknown deck field 'colour' (allowed: name, description, cards)" in problems
    assert any(
        p.startswith(f"{path}:6: card 'a': unknown field 'anwser' (allowed: id, question, answer, answers, ")
        and "did you mean 'answer'?" in p
        for p in problems
    )


def test_duplicate_ids_name_the_first_line(tmp_path: Path) -> None:
    path = write(tmp_path, """\
        cards:
          - id: same
            question: Q1?
            answer: A1
          - id: same
            question: Q2?
            answer: A2
    """)
    assert problems_of(path) == [f"{path}:5: card 'same': duplicate id (first used on line 2)"]


@pytest.mark.parametrize(
    ("card", "line", "message"),
    [
        ("question: Q?\n    answer: A", 2, "card #1: missing id"),
        ("id: ''\n    question: Q?\n    answer: A", 2, "card #1: empty id"),
        ("id: 'two words'\n    question: Q?\n    answer: A", 2,
         "card 'two words': id may hold only letters, digits, '-', '_' and '.'"),
        ("id: a\n    question: '  '\n    answer: A", 3, "card 'a': empty question"),
        ("id: a\n    answer: A", 2, "card 'a': missing question"),
        ("id: a\n    question: Q?\n    answer: ''", 4, "card 'a': empty answer"),
        ("id: a\n    question: Q?\n    answers: []", 4, "card 'a': `answers` is empty"),
        ("id: a\n    question: Q?", 2, "card 'a': no answer: give `answer` (one text) or `answers`"),
        ("id: a\n    question: Q?\n    answer: A\n    answers: [B]", 5,
         "card 'a': give either `answer` (one text) or `answers` (a list), not both"),
        ("id: a\n    question: Q?\n    answer: A\n    key_points: one fact", 5,
         "card 'a': key_points must be a list of texts, not text"),
        ("id: a\n    question: Q?\n    answer: A\n    tags: [ok, [nested]]", 5,
         "card 'a': each item of tags must be text, not a list"),
        ("id: a\n    question: Q?\n    answer: A\n    notes: [x]", 5, "card 'a': notes must be text, not a list"),
        ("id: a\n    question: Q?\n    answer: A\n    key_points: [fact, '']", 5,
         "card 'a': key_points holds an empty item"),
    ],
)
def test_each_malformed_card_is_reported_with_file_card_and_line(
    tmp_path: Path, card: str, line: int, message: str
) -> None:
    path = write(tmp_path, "cards:\n  - " + card + "\n")
    problems = problems_of(path)
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"{path}:{line}: {message}")


def test_every_problem_is_reported_in_one_run(tmp_path: Path) -> None:
    path = write(tmp_path, """\
        cards:
          - id: a
            question: ''
            answer: A
          - id: b
            question: Q?
            answer: ''
          - id: c
            question: Q?
            answer: A
            tags: text
    """)
    problems = problems_of(path)
    assert [p.split(": card ")[0] for p in problems] == [f"{path}:3", f"{path}:7", f"{path}:11"]


def test_python_tags_are_refused_not_executed(tmp_path: Path) -> None:
    marker = tmp_path / "executed"
    path = write(tmp_path, f"""\
        cards:
          - id: a
            question: !!python/object/apply:os.system ["touch {marker}"]
            answer: A
    """)
    problems = problems_of(path)
    assert f"{path}:3: card 'a': YAML tag !!python/object/apply:os.system is not allowed in a deck" in problems[0]
    assert not marker.exists()


def test_custom_tag_at_deck_level_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "name: !secret x\ncards:\n  - {id: a, question: Q, answer: A}\n")
    assert problems_of(path)[0].startswith(f"{path}:1: YAML tag !secret is not allowed")


def test_yaml_syntax_error_gives_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, "cards:\n  - id: a\n    question: [unclosed\n    answer: A\n")
    (problem,) = problems_of(path)
    assert problem.startswith(f"{path}:") and "not valid YAML" in problem
    assert int(problem.split(":")[1]) == 3  # where the bracket opens, not where PyYAML gave up


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty file, not a deck"),
        ("- id: a\n", "not a deck: the top level is a list"),
        ("just words\n", "not a deck: the top level is text"),
        ("name: x\n", "not a deck: no `cards` list"),
        ("cards: []\n", "the deck has no cards"),
        ("cards: {id: a}\n", "`cards` must be a list of cards, not a mapping"),
    ],
)
def test_a_file_that_is_not_a_deck_says_so(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    problems = problems_of(path)
    assert len(problems) == 1 and message in problems[0] and problems[0].startswith(str(path))


def test_bad_encoding_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("cards:\n  - id: a\n    question: Qu'est-ce qu'un modèle?\n".encode("latin-1"))
    (problem,) = problems_of(path)
    assert problem.startswith(f"{path}:3: not UTF-8 text")


@pytest.mark.parametrize("suffix", [".json", ".txt", ".csv"])
def test_other_formats_point_to_yaml_and_the_importer(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"deck{suffix}"
    path.write_text("question,answer\nQ?,A\n", encoding="utf-8")
    (problem,) = problems_of(path)
    assert problem.startswith(f"{path}: not a deck file ({suffix})")
    assert ".yaml or .yml" in problem and "quizzer decks import" in problem


def test_missing_file_and_directory(tmp_path: Path) -> None:
    assert problems_of(tmp_path / "absent.yaml") == [f"{tmp_path / 'absent.yaml'}: no such file"]
    assert problems_of(tmp_path) == [f"{tmp_path}: is a directory, not a deck file"]


def test_aliases_are_not_expanded_exponentially(tmp_path: Path) -> None:
    # A "billion laughs" deck: the loader walks shared nodes once and reports the wrong type.
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 9)]
    path = write(tmp_path, "\n".join(lines) + "\ncards:\n  - {id: a, question: Q, answer: A, tags: *a8}\n")
    problems = problems_of(path)
    assert any("unknown deck field 'a0'" in p for p in problems)
    assert any("card 'a': each item of tags must be text, not a list" in p for p in problems)
