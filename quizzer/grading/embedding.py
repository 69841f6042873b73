"""The full offline grader: evidence from the embedding model and word checks, a fitted probability, bands."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from quizzer.grading import text as words_of
from quizzer.grading.alignment import TokenView
from quizzer.grading.bands import Bands, bands_for
from quizzer.grading.claims import ClaimCheck, card_context, check_claims
from quizzer.grading.decision import DecisionModel, load_decision_model
from quizzer.grading.embedder import Embedder, embedder_for_config
from quizzer.grading.evidence import Evidence, closeness, closest, collect_evidence_and_answers, encode_texts
from quizzer.grading.feedback import (
    decide,
    learned_feedback,
    misconception_feedback,
    untick_negated_points,
    write_feedback,
)
from quizzer.grading.learned import matching_example
from quizzer.grading.risk import risks
from quizzer.grading.shorthand import graded_answer
from quizzer.grading.types import Grade, GraderInfo, Misconception, Submission, Verdict

if TYPE_CHECKING:
    from quizzer.config import Config

# An answer is closer to a misconception than to the references when its closeness (token-alignment F1 plus cosine,
# up to 2) to it exceeds its closeness to the nearest reference by this much. On the interview answers to the
# bundled decks' cards with misconceptions, every answer past 0.2 is labelled incorrect; below it, right answers that
# name what the misconception confuses ("post-training quantization ... quantization-aware training inserts
# simulated rounding") come within 0.17.
MISCONCEPTION_MARGIN = 0.2

# P(correct) of an answer with a contradicted claim (or closer to a misconception): on the interview answers, 6 of
# the 42 answers with a contradicted claim are labelled correct (evals/claims_report.py).
CONTRADICTED_PROBABILITY = 0.15

# Evidence values kept on each grade (the rest stay in the features the model saw).
_SHOWN = ("cos_ref", "cos_q", "align_f", "align_r_new", "new_recall", "kp_covered", "neg_flip", "num_missing",
          "verifier_ref")


class EmbeddingGrader:
    """Grades against a card's references with evidence beyond cosine; see `quizzer.grading.evidence`."""

    def __init__(self, embedder: Embedder, model: DecisionModel, config: Config | None = None) -> None:
        self.embedder = embedder
        self.model = model
        self.config = config
        self.bands = bands_for(config) if config is not None else Bands(**(model.defaults or {}))
        self._info = GraderInfo(
            name="embedding",
            version=model.version,
            model=embedder.model_name,
            params=self.bands.as_dict(),
        )

    @property
    def info(self) -> GraderInfo:
        return self._info

    @property
    def training_files(self) -> tuple[dict[str, str], ...]:
        """The labelled files the decision model was fitted on (name, sha256); evals on them are in-sample."""
        return self.model.training_files

    def warm_up(self) -> None:
        self.embedder.warm_up()

    def grade(self, submission: Submission) -> Grade:
        return self.grade_batch([submission])[0]

    def grade_batch(self, submissions: Sequence[Submission]) -> list[Grade]:
        # The evidence's matrix products are small. Given threads, numpy's OpenBLAS workers busy-wait after
        # each one and take a core from the next chunk's forward pass (torch has its own threads): on 2 cores
        # that cost `quizzer grade` about 5 % (benchmarks/README.md).
        with _thread_pools().limit(limits=1, user_api="blas"):
            candidates, answers = collect_evidence_and_answers(self.embedder, submissions)
            flat = [item for items in candidates for item in items]
            probabilities = iter(self.model.probabilities([item.features for item in flat]))
            misconceptions = [self._misconception(submission, answer, items)
                              for submission, answer, items in zip(submissions, answers, candidates)]
        scored = [[(next(probabilities), item) for item in items] for items in candidates]
        return [self._grade(items, submission, misconception)
                for items, submission, misconception in zip(scored, submissions, misconceptions)]

    def _misconception(self, submission: Submission, answer: TokenView, candidates: list[Evidence]
                       ) -> Misconception | None:
        """The card's known wrong answer this answer is closer to than to any reference (None: none is)."""
        if not submission.misconceptions or not candidates:
            return None
        views = encode_texts(self.embedder, [item.answer for item in submission.misconceptions])
        scores = [closeness(answer, view) for view in views]
        best = max(range(len(scores)), key=scores.__getitem__)
        reference = max(item.features["align_f"] + item.features["cos_ref"] for item in candidates)
        return submission.misconceptions[best] if scores[best] > reference + MISCONCEPTION_MARGIN else None

    def _bands(self, submission: Submission) -> Bands:
        """A deck's own bands (from `quizzer calibrate --write`) when it has them."""
        if self.config is None or not submission.deck:
            return self.bands
        return bands_for(self.config, submission.deck)

    def _grade(self, candidates: list[tuple[float, Evidence]], submission: Submission,
               misconception: Misconception | None) -> Grade:
        bands = self._bands(submission)
        probability, evidence = judged_evidence(candidates)
        probability = 0.0 if evidence.dont_know else probability
        # Terms are compared as stems; the learner reads them as the card's words.
        texts = (submission.references[evidence.matched_reference], *submission.references, *submission.key_points)
        evidence = replace(evidence, missing_terms=tuple(words_of.whole_word(term, texts)
                                                         for term in evidence.missing_terms))
        claims = self._claims(submission) if not evidence.dont_know else ClaimCheck(())
        verdict = decide(probability, evidence, bands, claims)
        if claims.contradicted is None:
            # A contradicted claim says which part is wrong; the rest of what was covered stays ticked.
            evidence = untick_negated_points(verdict, evidence)
        feedback = write_feedback(verdict, probability, evidence, claims)
        decided_by = None
        if misconception is not None:
            verdict, feedback = Verdict.INCORRECT, misconception_feedback(misconception)
        fitted = probability
        if claims.contradicted is not None or misconception is not None:
            # The decision model never saw the claim checks: its probability reads the words, which match.
            probability = min(probability, CONTRADICTED_PROBABILITY)
        example = matching_example(submission.answer, submission.examples)
        if example is not None:
            verdict, feedback = example.verdict, learned_feedback(example, verdict, probability)
            decided_by = "your earlier override"
        shown = {name: round(evidence.features[name], 4) for name in _SHOWN}
        shown.update(
            negated_terms=list(evidence.negated_terms),
            opposites=list(evidence.opposites),
            missing_numbers=list(evidence.missing_numbers),
            extra_numbers=list(evidence.extra_numbers),
            missing_terms=list(evidence.missing_terms),
            restates_question=evidence.restates_question,
            dont_know=evidence.dont_know,
            **claims.to_dict(),
        )
        worst = claims.contradicted or claims.doubtful
        if worst is not None:
            shown.update(claim=worst.text, claim_statement=worst.statement, claim_detail=worst.detail)
        if misconception is not None:
            shown["misconception"] = misconception.answer
        if example is not None:
            shown["learned_from"] = example.answer
        # What makes a "correct" worth a second reading (hybrid mode sends such answers to the judge).
        risk = risks(verdict, probability, evidence, claims, bands) if example is None else ()
        if probability != fitted:
            shown["fitted_probability"] = round(fitted, 4)
        shown["risk"] = ", ".join(risk) or None
        return Grade(
            verdict=verdict,
            grader=self._info,
            probability=round(probability, 4),
            score=round(probability, 4),
            feedback=feedback,
            key_points=evidence.key_points,
            matched_reference=evidence.matched_reference,
            evidence=shown,
            decided_by=decided_by,
        )

    def _claims(self, submission: Submission) -> ClaimCheck:
        if not submission.key_points:
            # Claims are checked where the card states its facts (key points), as the bundled decks and an author's own
            # do. On the public training sets, one-sentence references without key points, a contradicted claim is
            # as often a right answer in other words (SciEntsBank: 51 of 93 labelled correct; evals/claims_report.py
            # --public), so there the checks would cost more than they catch.
            return ClaimCheck(())
        statements, terms = card_context(submission.references, submission.key_points, submission.notes)
        return check_claims(graded_answer(submission), statements, terms)


def judged_evidence(candidates: Sequence[tuple[float, Evidence]]) -> tuple[float, Evidence]:
    """The probability and evidence an answer is graded on, from its (probability, evidence) per reference.

    Several acceptable answers: grade against the one that makes this answer likeliest to be right. But a denial
    of the reference the answer speaks to is not undone by another reference's wording, where the word checks
    may not see it ("It is not true that they reduced training time" against "made training faster"); "the
    reference it speaks to" is the closest by alignment, as evals/fit_grader.py measures the rule.
    """
    probability, evidence = max(candidates, key=lambda entry: (entry[0], -entry[1].matched_reference))
    nearest = closest([item for _, item in candidates])
    if nearest.contradicts and not evidence.contradicts:
        evidence = replace(evidence, answer_denies=nearest.answer_denies, number_swap=nearest.number_swap)
    return float(probability), evidence


@lru_cache(maxsize=1)
def _thread_pools() -> Any:
    from threadpoolctl import ThreadpoolController  # a scikit-learn dependency; read at first grade

    return ThreadpoolController()


def make_embedding_grader(config: Config) -> EmbeddingGrader:
    return EmbeddingGrader(embedder_for_config(config), load_decision_model(), config)
