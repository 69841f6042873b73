"""The offline graders on real model output: evidence, verdicts, feedback, and the seed deck's contradictions."""

from __future__ import annotations

import pytest

from quizzer.core.config import load_config
from quizzer.core.types import Grade, Submission, Verdict
from quizzer.deck.catalog import load as load_deck
from quizzer.grading.offline.bands import fitted_bands
from quizzer.grading.offline.cosine import make_cosine_grader
from quizzer.grading.offline.embedding import EmbeddingGrader, judged_evidence, make_embedding_grader
from quizzer.grading.offline.evidence import Evidence
from quizzer.grading.offline.feedback import decide
from quizzer.grading.registry import make_grader

pytestmark = pytest.mark.slow

SALT_QUESTION = "How did you separate the salt from the water?"
SALT_REFERENCE = ("The water was evaporated, leaving the salt.",)


@pytest.fixture
def grader(embedding_model):
    return make_embedding_grader(load_config())


def grade(grader, question: str, references: tuple[str, ...], answer: str, key_points: tuple[str, ...] = ()) -> Grade:
    return grader.grade(Submission(question, references, answer, key_points))


def test_a_paraphrase_of_the_reference_is_correct_and_says_which_reference_matched(grader) -> None:
    references = ("Mix it with sand.", "The water was evaporated, leaving the salt.")
    result = grade(grader, SALT_QUESTION, references, "We let the water evaporate so the salt was left behind.")
    assert result.verdict is Verdict.CORRECT
    assert result.matched_reference == 1
    assert result.probability is not None and result.probability >= 0.58
    assert result.grader.name == "embedding" and result.grader.version.startswith("blend-")
    assert result.grader.model == "sentence-transformers/all-MiniLM-L6-v2"


def test_an_on_topic_wrong_answer_scores_below_a_right_one(grader) -> None:
    right = grade(grader, SALT_QUESTION, SALT_REFERENCE, "Evaporating the water left the salt behind.")
    wrong = grade(grader, SALT_QUESTION, SALT_REFERENCE, "I filtered the salt out of the water with a paper filter.")
    assert wrong.probability < right.probability
    assert wrong.verdict is not Verdict.CORRECT


@pytest.mark.parametrize("answer", ["", "   ", "I don't know", "idk", "No idea."])
def test_empty_and_dont_know_answers_are_incorrect_with_feedback_saying_so(grader, answer: str) -> None:
    result = grade(grader, SALT_QUESTION, SALT_REFERENCE, answer)
    assert result.verdict is Verdict.INCORRECT
    assert result.probability == 0.0
    assert "No answer given" in result.feedback
    assert result.evidence["dont_know"] is True


def test_restating_the_question_is_incorrect(grader) -> None:
    result = grade(grader, SALT_QUESTION, SALT_REFERENCE, "How did I separate the salt from the water?")
    assert result.verdict is Verdict.INCORRECT
    assert result.evidence["restates_question"] is True
    assert "restates the question" in result.feedback


def test_a_wrong_number_is_never_correct_and_feedback_names_both_numbers(grader) -> None:
    question = "How many dimensions does the transducer's joint output have?"
    result = grade(grader, question, ("It is a 4-D tensor.",), "It is a 3-D tensor.")
    assert result.verdict is not Verdict.CORRECT
    assert result.evidence["missing_numbers"] == ["4"] and result.evidence["extra_numbers"] == ["3"]
    assert "Gives 3 where the reference says 4" in result.feedback


def test_explicit_key_points_are_reported_covered_and_missing(grader) -> None:
    key_points = ("the transducer consumes a lot of memory", "so big training batches are hard to use")
    result = grade(
        grader, "What is a problem with our transducer model?",
        ("It consumes a lot of memory, so it is hard to use big training batches.",),
        "The transducer model uses a huge amount of memory.", key_points,
    )
    assert result.covered_key_points == ["the transducer consumes a lot of memory"]
    assert result.missing_key_points == ["so big training batches are hard to use"]
    assert "Covered 1 of 2 key points; missing: \"so big training batches are hard to use\"" in result.feedback


def test_seed_deck_answers_that_negate_the_reference_are_never_correct(grader) -> None:
    card = next(card for card in load_deck("msft-asr").cards if card.id == "transducer-memory-cause")
    negations = [
        "It does not contain a 4-D joint output",
        "Not because of the 4-D joint output; the joint output is not 4-D.",
        "It does not have a B x T x U x V joint output tensor.",
    ]
    grades = grader.grade_batch([Submission.for_card(card, answer, deck="msft-asr") for answer in negations])
    for answer, result in zip(negations, grades):
        assert result.verdict is not Verdict.CORRECT, (answer, result)
    assert "negates it" in grades[0].feedback
    # The same claim without the negation is accepted: it is the "not" that blocks the others.
    plain = grader.grade(Submission.for_card(
        card, "The joint network output is 4-D: B x T x U x V logits over the vocabulary for each pair of frame and"
        " label position."))
    assert plain.verdict in (Verdict.CORRECT, Verdict.PARTIAL)
    assert not any(g.verdict is Verdict.PARTIAL for g in grades)


def test_seed_deck_contradictions_of_every_reference_are_never_correct(grader) -> None:
    deck = load_deck("msft-asr")
    submissions = []
    for card in deck.cards:
        reference = card.references[0]
        words = reference.split()
        # "X is Y" -> "X is not Y"; otherwise prefix the claim with a denial.
        negated = next(
            (" ".join(words[: i + 1] + ["not"] + words[i + 1 :]) for i, w in enumerate(words)
             if w.lower() in {"is", "are", "was", "were", "has", "can", "does", "do"}),
            f"It is not true that {reference[0].lower()}{reference[1:]}",
        )
        submissions.append(Submission.for_card(card, negated, deck=deck.name))
    for submission, result in zip(submissions, grader.grade_batch(submissions)):
        assert result.verdict is not Verdict.CORRECT, (submission.card_id, submission.answer, result.probability)


def test_seed_deck_swaps_the_verifier_reads_as_wrong_are_not_correct(grader) -> None:
    """Answers that reuse the card's words but swap the model, the cause or training for inference: the word
    evidence finds every key point and puts them in the correct band, the trained verifier reads another claim."""
    swaps = [
        ("transducer-improvement", "They solved the memory issue of the CTC model, and that reduced its training time"
         " and improved efficiency."),
        ("transducer-improvement", "They solved the memory issue of the speech transducer at inference time, so"
         " decoding on phones got faster; training itself stayed the same."),
        ("transducer-memory-problem", "Because we train it with big batches, the transducer ends up consuming a lot"
         " of memory - the batch size is what makes it memory-hungry."),
    ]
    for card_id, answer in swaps:
        result = _seed_grade(grader, "msft-asr", card_id, answer)
        assert result.verdict is not Verdict.CORRECT, (answer, result)
        assert result.evidence["verifier_ref"] < 0, (answer, result)
    # The CTC swap is in the correct band by probability; the verifier's doubt is what keeps it out.
    doubted = _seed_grade(grader, "msft-asr", *swaps[0])
    assert doubted.probability >= grader.bands.correct_above and doubted.verdict is Verdict.UNCERTAIN
    assert "The trained verifier reads it as a different claim from the reference." in doubted.feedback


def test_the_verifiers_doubt_makes_a_likely_correct_answer_uncertain() -> None:
    def candidate(verifier: float | None) -> Evidence:
        features = {"align_f": 0.8, "cos_ref": 0.8} | ({} if verifier is None else {"verifier": verifier})
        return Evidence(features=features, matched_reference=0)

    assert decide(0.9, candidate(-2.5), fitted_bands()) is Verdict.UNCERTAIN
    assert decide(0.9, candidate(-0.5), fitted_bands()) is Verdict.CORRECT
    # No verifier logit (another embedding model): the probability alone decides.
    assert decide(0.9, candidate(None), fitted_bands()) is Verdict.CORRECT
    # Only the correct band is touched: a doubted answer in the low band stays incorrect.
    assert decide(0.1, candidate(-2.5), fitted_bands()) is Verdict.INCORRECT


def test_grade_and_grade_batch_agree(grader) -> None:
    answers = ["Evaporate the water.", "Use a magnet.", ""]
    batch = grader.grade_batch([Submission(SALT_QUESTION, SALT_REFERENCE, answer) for answer in answers])
    single = [grade(grader, SALT_QUESTION, SALT_REFERENCE, answer) for answer in answers]
    assert [g.verdict for g in batch] == [g.verdict for g in single]
    assert [g.probability for g in batch] == pytest.approx([g.probability for g in single], abs=1e-3)


def test_cosine_baseline_accepts_a_negation_that_the_embedding_grader_does_not(embedding_model) -> None:
    config = load_config()
    submission = Submission("What does the joint network output?", ("It contains a 4-D joint output",),
                            "It does not contain a 4-D joint output")
    cosine = make_cosine_grader(config).grade(submission)
    assert cosine.verdict is Verdict.CORRECT and cosine.score > 0.8
    assert cosine.grader.params == {"cosine_threshold": config.grader.cosine_threshold}
    assert make_grader("embedding", config).grade(submission).verdict is not Verdict.CORRECT


def _seed_grade(grader, deck: str, card_id: str, answer: str) -> Grade:
    card = next(card for card in load_deck(deck).cards if card.id == card_id)
    return grader.grade(Submission.for_card(card, answer, deck=deck))


def test_key_point_coverage_does_not_demand_the_words_the_question_gives_away(grader) -> None:
    # The question already says "transducer": the answer covers the memory point by saying what was fixed.
    result = _seed_grade(grader, "msft-asr", "transducer-improvement", "They fixed the memory issue")
    assert result.verdict in (Verdict.PARTIAL, Verdict.CORRECT), result
    assert result.covered_key_points == ["solved the memory issue of the speech transducer"]
    assert result.missing_key_points == ["reduced training time / improved training efficiency"]


@pytest.mark.parametrize("answer", [
    "It uses a lot of memory so we cannot use big training batches",
    "It uses a lot of memory so it is difficult to use big training batches",
])
def test_cannot_and_hard_to_carry_the_same_polarity(grader, answer: str) -> None:
    result = _seed_grade(grader, "msft-asr", "transducer-memory-problem", answer)
    assert result.verdict is Verdict.CORRECT, result
    assert "negates" not in result.feedback
    assert result.missing_key_points == []
    assert "the transducer consumes a lot of memory" in result.covered_key_points


def test_an_offset_in_notation_is_not_a_missing_number(grader) -> None:
    # The reference writes "tokens+1"; "4-D" is the only number claim and the answer states it.
    result = _seed_grade(grader, "msft-asr", "transducer-memory-cause",
                         "Because of the 4-D joint output, a B x T x U x V tensor")
    assert result.evidence["missing_numbers"] == [] and result.evidence["extra_numbers"] == []
    # Half the answer (P about 0.45): partial or uncertain, but no number mismatch makes it incorrect.
    assert result.verdict is not Verdict.INCORRECT, result
    assert result.covered_key_points == ["the 4-D joint output of the joint network (B x T x U x V)"]


def test_a_key_point_the_answer_negates_is_contradicted_not_covered(grader) -> None:
    result = _seed_grade(grader, "msft-asr", "transducer-memory-cause", "It does not contain a 4-D joint output")
    assert result.verdict is Verdict.INCORRECT
    assert result.covered_key_points == []
    assert result.contradicted_key_points == ["the 4-D joint output of the joint network (B x T x U x V)"]
    assert 'Contradicts "the 4-D joint output of the joint network (B x T x U x V)"' in result.feedback
    # The same point stated plainly is covered, not contradicted.
    plain = _seed_grade(grader, "msft-asr", "transducer-memory-cause", "It contains a 4-D joint output")
    assert plain.contradicted_key_points == [] and plain.key_points[0].covered


def test_one_clearly_covered_key_point_of_three_is_partial(grader) -> None:
    result = _seed_grade(grader, "e2e-asr", "ctc-alignment-free", "a loss that marginalises over all alignments")
    assert result.verdict is Verdict.PARTIAL, result
    assert result.covered_key_points == ["the loss sums (marginalises) over all alignments that collapse to the target"]
    assert len(result.missing_key_points) == 2


def test_an_incorrect_answer_gets_no_tick_for_a_key_point_it_negates(grader) -> None:
    # One negated word of a key point is too little to call it contradicted (paraphrases negate words too),
    # so coverage measures the memory point as present; with the answer graded incorrect it must not be ticked.
    answer = "It does not have a memory problem, it is very light."
    result = _seed_grade(grader, "msft-asr", "transducer-memory-problem", answer)
    assert result.verdict is Verdict.INCORRECT, result
    assert "memory" in result.evidence["negated_terms"]
    assert result.covered_key_points == []
    assert "the transducer consumes a lot of memory" in result.missing_key_points
    assert "Covered" not in result.feedback
    # A right answer that uses a negation of its own keeps its ticks.
    right = _seed_grade(grader, "msft-asr", "transducer-memory-problem",
                        "It uses a lot of memory so we cannot use big training batches")
    assert "the transducer consumes a lot of memory" in right.covered_key_points


def test_only_an_incorrect_verdict_unticks_a_negated_key_point(embedding_model) -> None:
    from quizzer.grading.offline.evidence import closest, collect_evidence
    from quizzer.grading.offline.feedback import untick_negated_points

    card = next(card for card in load_deck("msft-asr").cards if card.id == "transducer-memory-problem")
    submission = Submission.for_card(card, "It does not have a memory problem, it is very light.", deck="msft-asr")
    [candidates] = collect_evidence(embedding_model, [submission])
    evidence = closest(candidates)
    point = "the transducer consumes a lot of memory"
    measured = {item.text: item.covered for item in evidence.key_points}
    assert measured[point], "coverage measures the negated point as present"
    for verdict in (Verdict.PARTIAL, Verdict.UNCERTAIN, Verdict.CORRECT):
        assert untick_negated_points(verdict, evidence) is evidence
    shown = {item.text: item.covered for item in untick_negated_points(Verdict.INCORRECT, evidence).key_points}
    assert shown[point] is False
    assert evidence.key_points[0].covered == measured[evidence.key_points[0].text]  # the measured evidence is untouched


def test_grading_leaves_numpys_thread_settings_as_it_found_them(grader) -> None:
    # Grading holds BLAS to one thread while it works (benchmarks/README.md); a library must not keep it so.
    from threadpoolctl import threadpool_info

    def blas_threads() -> list[int]:
        return [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]

    before = blas_threads()
    grade(grader, SALT_QUESTION, SALT_REFERENCE, "I boiled the water away and the salt stayed behind.")
    assert blas_threads() == before


def test_a_key_point_given_without_its_bracketed_detail_is_covered(grader) -> None:
    # The seed card's rubric: "Because of the 4-D joint output." is partial (first key point only). The key
    # point carries its detail in brackets, "(B x T x U x V)", which the answer need not repeat.
    result = _seed_grade(grader, "msft-asr", "transducer-memory-cause", "Because of the 4-D joint output.")
    assert result.covered_key_points == ["the 4-D joint output of the joint network (B x T x U x V)"]
    assert result.verdict is Verdict.PARTIAL, result
    # Brackets do not make a point easier to cover with unrelated words.
    unrelated = _seed_grade(grader, "msft-asr", "transducer-memory-cause", "Because the encoder has many LSTM layers.")
    assert unrelated.covered_key_points == []


def test_shorthand_is_graded_as_the_words_it_stands_for(grader, monkeypatch: pytest.MonkeyPatch) -> None:
    card = next(card for card in load_deck("e2e-asr").cards if card.id == "rnnt-components")
    submission = Submission.for_card(card, "enc + pred net (prev non-blank tokens) + joiner -> softmax over V+blank")
    spelled_out = grader.grade(submission)
    monkeypatch.setattr("quizzer.grading.offline.evidence.graded_answer", lambda submission: submission.answer)
    as_typed = grader.grade(submission)
    covered = lambda result: {point.text for point in result.key_points if point.covered}  # noqa: E731
    assert covered(spelled_out) > covered(as_typed)
    assert spelled_out.probability > as_typed.probability


def _candidate(reference: int, closeness: float, **details) -> Evidence:
    return Evidence(features={"align_f": closeness, "cos_ref": closeness}, matched_reference=reference, **details)


def test_a_denial_of_the_closest_reference_holds_against_a_likelier_one() -> None:
    likeliest = _candidate(1, 0.3)
    closest_denied = _candidate(0, 0.9, answer_denies=("reduced training time",))
    probability, evidence = judged_evidence([(0.5, closest_denied), (0.93, likeliest)])
    assert (probability, evidence.matched_reference) == (0.93, 1)
    assert evidence.contradicts and evidence.answer_denies == ("reduced training time",)
    assert decide(probability, evidence, fitted_bands()) is not Verdict.CORRECT


def test_a_denial_of_a_farther_reference_does_not_count() -> None:
    likeliest = _candidate(1, 0.9)
    probability, evidence = judged_evidence([(0.5, _candidate(0, 0.3, number_swap=True)), (0.93, likeliest)])
    assert evidence is likeliest and not evidence.contradicts
    assert decide(probability, evidence, fitted_bands()) is Verdict.CORRECT


@pytest.mark.parametrize("answer", ["猫", "🐱", "Die Katze", "кошка"])
def test_text_in_any_script_and_an_emoji_are_answers_not_empty(grader, answer: str) -> None:
    result = grade(grader, "How do you write cat in Chinese?", ("猫",), answer)
    # The typed comparisons (a "how do you write" card is a name card) record no dont_know flag at all.
    assert result.evidence.get("dont_know", False) is False and "No answer given" not in result.feedback


def test_the_same_characters_are_correct_by_the_typed_comparison_not_by_the_model(grader) -> None:
    result = grade(grader, "How do you write cat in Chinese?", ("猫",), "猫")
    assert result.verdict is Verdict.CORRECT and result.evidence["typed_matched_by"] == "same"


@pytest.mark.parametrize("answer", ["猫", "🐱", "😀😀"])
def test_an_answer_the_model_cannot_read_is_uncertain_not_matched_by_chance(grader, answer: str) -> None:
    # MiniLM reads all three as [UNK], as it reads the reference: alike to it, so "correct" would be luck.
    # The model alone (the typed comparisons would settle "猫" by its characters, the test above).
    free_text = EmbeddingGrader(grader.embedder, grader.model, typed_answers=False)
    result = grade(free_text, "How do you write cat in Chinese?", ("猫",), answer)
    assert result.verdict is Verdict.UNCERTAIN and "cannot read" in result.feedback


@pytest.mark.parametrize("answer", ["...", "?!", "—"])
def test_punctuation_alone_is_still_no_answer(grader, answer: str) -> None:
    assert grade(grader, SALT_QUESTION, SALT_REFERENCE, answer).evidence["dont_know"] is True
