"""The labelled interview answers (evals/interview_answers.jsonl) are complete, consistent with the decks, and varied."""

from __future__ import annotations

import difflib
import itertools
import json
import re
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from quizzer.deck import catalog
from quizzer.deck.model import Deck

REPO_ROOT = Path(__file__).resolve().parent.parent
ANSWERS_PATH = REPO_ROOT / "evals" / "interview_answers.jsonl"

CATEGORIES = {
    "paraphrase",
    "technical_shorthand",
    "partial",
    "on_topic_wrong",
    "negation",
    "wrong_number_or_entity",
    "restates_question",
    "off_topic",
    "empty_or_dont_know",
    "prompt_injection",
    "verbose_correct",
}
LABELS = {"correct", "partial", "incorrect"}
FIELDS = {"id", "deck", "card_id", "question", "references", "key_points", "answer", "label", "category", "rationale"}
SEED_DECK = "msft-asr"
OTHER_DECKS = ("e2e-asr", "on-device-asr")
MIN_PER_CATEGORY = 15
MIN_CARDS_PER_OTHER_DECK = 20
NEAR_DUPLICATE_RATIO = 0.9


def _rows() -> list[dict]:
    return [json.loads(line) for line in ANSWERS_PATH.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def rows() -> list[dict]:
    return _rows()


@pytest.fixture(scope="module")
def decks() -> dict[str, Deck]:
    return {name: catalog.load(name) for name in (SEED_DECK, *OTHER_DECKS)}


def _normalised(text: str) -> str:
    """Lower case, punctuation dropped, whitespace collapsed: what a trivial edit leaves unchanged."""
    return " ".join(re.sub(r"[^\w\s]", " ", text.casefold()).split())


def near_duplicates(rows: list[dict]) -> list[tuple[str, str, float]]:
    """Pairs of answers to the same card that are identical once normalised or nearly so character by character."""
    by_card: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for row in rows:
        by_card[(row["deck"], row["card_id"])].append(row)
    found = []
    for answers in by_card.values():
        for first, second in itertools.combinations(answers, 2):
            a, b = _normalised(first["answer"]), _normalised(second["answer"])
            ratio = 1.0 if a == b else difflib.SequenceMatcher(None, a, b).ratio()
            if ratio > NEAR_DUPLICATE_RATIO or a == b:
                found.append((first["id"], second["id"], ratio))
    return found


def test_every_row_has_exactly_the_documented_fields_and_a_unique_id(rows: list[dict]) -> None:
    assert len(rows) >= 300
    for row in rows:
        assert set(row) == FIELDS, row["id"]
        assert re.fullmatch(r"ia-\d{4}", row["id"])
        assert isinstance(row["answer"], str)
        assert row["rationale"].strip(), row["id"]
    assert len({row["id"] for row in rows}) == len(rows)


def test_labels_and_categories_are_from_the_rubric(rows: list[dict]) -> None:
    assert {row["label"] for row in rows} <= LABELS
    assert {row["category"] for row in rows} == CATEGORIES


def test_every_category_has_enough_answers(rows: list[dict]) -> None:
    counts = Counter(row["category"] for row in rows)
    short = {category: counts[category] for category in CATEGORIES if counts[category] < MIN_PER_CATEGORY}
    assert not short, f"categories under {MIN_PER_CATEGORY} answers: {short}"


def test_labels_agree_with_what_the_category_means(rows: list[dict]) -> None:
    # Wrong, restated, off-topic and empty answers can never earn credit; padded-but-complete ones always do.
    always_incorrect = {
        "on_topic_wrong", "negation", "wrong_number_or_entity", "restates_question", "off_topic", "empty_or_dont_know",
    }
    for row in rows:
        if row["category"] in always_incorrect:
            assert row["label"] == "incorrect", row["id"]
        if row["category"] in {"paraphrase", "verbose_correct"}:
            assert row["label"] == "correct", row["id"]
        if row["category"] == "partial":
            assert row["label"] == "partial", row["id"]


def test_every_seed_card_has_several_answers_and_other_decks_cover_twenty_cards(
    rows: list[dict], decks: dict[str, Deck]
) -> None:
    answered = Counter((row["deck"], row["card_id"]) for row in rows)
    for card in decks[SEED_DECK].cards:
        assert answered[(SEED_DECK, card.id)] >= 3, card.id
    for deck_name in OTHER_DECKS:
        covered = {card_id for (deck, card_id) in answered if deck == deck_name}
        assert len(covered) >= MIN_CARDS_PER_OTHER_DECK, deck_name


def test_every_row_matches_its_card_in_the_deck(rows: list[dict], decks: dict[str, Deck]) -> None:
    for row in rows:
        assert row["deck"] in decks, row["id"]
        card = decks[row["deck"]].card(row["card_id"])
        assert card is not None, f"{row['id']}: no card {row['card_id']!r} in {row['deck']}"
        assert row["question"] == card.question, row["id"]
        assert row["references"] == list(card.references), row["id"]
        assert row["key_points"] == list(card.key_points), row["id"]


def test_no_answer_is_a_near_duplicate_of_another_to_the_same_card(rows: list[dict]) -> None:
    assert near_duplicates(rows) == []


def test_near_duplicate_check_flags_trivial_edits_and_spares_different_answers() -> None:
    def row(row_id: str, answer: str, card_id: str = "c") -> dict:
        return {"id": row_id, "deck": "d", "card_id": card_id, "answer": answer}

    flagged = near_duplicates(
        [
            row("a", "It uses too much memory."),
            row("b", "it uses too much memory!!"),  # identical once normalised
            row("c", "It consumes a lot of memory, so big training batches are hard."),
            row("d", "It consumes a lot of memory, so big training batches are hard to use."),  # one word added
            row("e", "It uses too much memory.", card_id="other"),  # same text, other card: allowed
        ]
    )
    assert {(first, second) for first, second, _ in flagged} == {("a", "b"), ("c", "d")}
