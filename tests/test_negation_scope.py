"""Which words a negation governs: the word-level check that sentence vectors cannot make."""

from __future__ import annotations

import pytest

from quizzer.grading.offline.text import negated_stems, reaffirmed_stems


@pytest.mark.parametrize(
    ("text", "negated"),
    [
        ("It does not contain a 4-D joint output", {"contain", "4", "joint", "output"}),
        ("hard to use big training batches", {"big", "train", "batch"}),
        ("big batches are hard to use", {"big", "batch"}),
        ("It does not have a memory problem, it is very light", {"memory", "problem"}),
    ],
)
def test_a_negation_governs_the_content_words_after_it_in_its_clause(text: str, negated: set[str]) -> None:
    assert negated_stems(text) == negated


def test_two_cues_over_the_same_words_cancel() -> None:
    assert negated_stems("not hard to use big batches") == {"hard"}
    assert reaffirmed_stems("not hard to use big batches") == {"big", "batch"}


def test_two_cues_each_over_its_own_mention_of_a_word_do_not_cancel() -> None:
    # "model" is negated twice, in two places: still negated, not reaffirmed.
    text = "CTC does not model dependencies between labels (no internal language model)"
    assert "model" in negated_stems(text)
    assert "model" not in reaffirmed_stems(text)


@pytest.mark.parametrize(
    "text",
    ["open vocab (no OOV) + shorter sequences than characters", "no OOV / shorter sequences", "no OOV = shorter sequences"],
)
def test_brackets_and_the_signs_of_notes_end_a_negations_reach(text: str) -> None:
    assert negated_stems(text) == {"oov"}
