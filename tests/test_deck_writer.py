"""The YAML deck writer: libyaml and pure-Python emitters agree, awkward text survives, writes are atomic."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
import yaml

from quizzer.core.errors import QuizzerError
from quizzer.core.types import AnswerFormat
from quizzer.deck import writer
from quizzer.deck.catalog import load
from quizzer.deck.loader import load_deck
from quizzer.deck.model import Card, Deck

AWKWARD = Deck(
    name="Awkward: text",
    description="x" * 150,
    cards=(
        Card(id="numbers", question="16000", references=("1.10", "yes", "null", "~")),
        Card(id="markup", question="- id: not a card\n- another line", references=("# not a comment",),
             key_points=("a: b", "  leading and trailing spaces  ", "'quoted'"), notes="line\n\n- id: x\n",
             tags=("@at", "ünïcode", "*star")),
        Card(id="long", question="q " * 80, references=("tab\there", "trailing newline\n")),
    ),
)


@pytest.mark.parametrize("name", ["msft-asr", "e2e-asr", "on-device-asr", "short-answer"])
def test_libyaml_and_pure_python_emitters_write_the_same_deck(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    if not hasattr(yaml, "CSafeDumper"):
        pytest.skip("PyYAML without libyaml")
    deck = load(name)
    fast, awkward = writer.deck_to_yaml(deck, header="A header."), writer.deck_to_yaml(AWKWARD)
    monkeypatch.setattr(writer, "_DUMPER", yaml.SafeDumper)
    assert writer.deck_to_yaml(deck, header="A header.") == fast
    # Where text needs quoting the two may fold lines differently; the data is the same.
    assert yaml.safe_load(writer.deck_to_yaml(AWKWARD)) == yaml.safe_load(awkward)


def test_awkward_text_loads_back_as_written(tmp_path: Path) -> None:
    writer.write_deck(AWKWARD, tmp_path / "awkward.yaml")
    loaded = load_deck(tmp_path / "awkward.yaml")
    # The loader strips what it reads, as it does for hand-written decks.
    expected = [(c.id, c.question.strip(), tuple(r.strip() for r in c.references), tuple(k.strip() for k in c.key_points),
                 c.notes.strip(), c.tags) for c in AWKWARD.cards]
    assert [(c.id, c.question, c.references, c.key_points, c.notes, c.tags) for c in loaded.cards] == expected
    assert (loaded.name, loaded.description) == (AWKWARD.name, AWKWARD.description)


def _emitted_whole(deck: Deck) -> str:
    """The deck emitted as one document, as the writer did before it wrote plain cards itself."""
    document = {"name": deck.name, **({"description": deck.description} if deck.description else {}),
                "cards": [writer.card_to_dict(card) for card in deck.cards]}
    return writer._emit(document).replace("\n- id:", "\n\n- id:").replace("cards:\n\n", "cards:\n", 1)


_PIECES = ["What", "is", "CTC", "a:b", "a: b", "end:", "x #y", "#z", "- dash", "'q'", '"dq"', "yes", "null", "No",
           "1.5", "2024-01-01", "é", "日本", "tab\there", " lead", "trail ", "", "\n", "\n\n", "a" * 40, "=", "~",
           "?", "[x]", "{y}", "&a", "*b", "!c", "%d", "@e", "`f`", "|", ">", "k,l", "\\", "\u2028", "\x85"]


_WORDS = ["the", "joint", "network", "RNN-T", "memory", "B x T x U x V", "(4-D)", "e.g.", "it's", "50%", "a/b",
          "x=1", "Why?", "yes!", "don't", "C++", "end."]


# The short-answer fields: a text, a percentage and flags, each set on some cards.
_FORMATS = [AnswerFormat()] * 4 + [AnswerFormat(type="number", tolerance="1%"), AnswerFormat(type="date"),
                                   AnswerFormat(type="list", ordered=True, partial_credit=True)]


@pytest.mark.parametrize("dumper", ["libyaml", "python"])
def test_cards_written_directly_match_the_emitter_on_many_awkward_texts(dumper: str,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    if dumper == "python":
        monkeypatch.setattr(writer, "_DUMPER", yaml.SafeDumper)
    elif not hasattr(yaml, "CSafeDumper"):
        pytest.skip("PyYAML without libyaml")
    rng = random.Random(11)

    def text() -> str:  # mostly words written as they are, now and then a piece that needs the emitter
        pieces = (rng.choice(_PIECES) if rng.random() < 0.01 else rng.choice(_WORDS) for _ in range(rng.randint(1, 14)))
        return (" " if rng.random() < 0.9 else "\n").join(pieces).strip() or "x"

    cards = tuple(
        Card(id=rng.choice([f"card-{n}"] * 5 + [f"{n}", f"c.{n}"]), question=text(),
             references=tuple(text() for _ in range(rng.randint(1, 3))),
             key_points=tuple(text() for _ in range(rng.randint(0, 3))), notes=rng.choice(["", text()]),
             tags=tuple(rng.choice(["asr", "rnn-t", "yes", "a b", "1"]) for _ in range(rng.randint(0, 2))),
             answer_format=rng.choice(_FORMATS))
        for n in range(400)
    )
    cards = tuple({card.id: card for card in cards}.values())
    deck = Deck(name="Awkward", description="d", cards=cards)
    assert writer.deck_to_yaml(deck) == _emitted_whole(deck)
    assert writer.deck_to_yaml(AWKWARD) == _emitted_whole(AWKWARD)


def test_a_failed_write_leaves_neither_a_partial_file_nor_a_temporary_one(tmp_path: Path) -> None:
    def half_then_fail(temporary: Path) -> None:
        temporary.write_text("name: half", encoding="utf-8")
        raise OSError(28, "No space left on device")

    (tmp_path / "kept.yaml").write_text("old", encoding="utf-8")
    with pytest.raises(QuizzerError, match="cannot write .*second.yaml: No space left on device"):
        writer.write_atomically({tmp_path / "first.yaml": lambda t: t.write_text("one", encoding="utf-8"),
                                 tmp_path / "second.yaml": half_then_fail})
    assert sorted(path.name for path in tmp_path.iterdir()) == ["kept.yaml"]  # first.yaml was not put in place either
