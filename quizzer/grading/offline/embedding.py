"""The full offline grader: evidence from the embedding model and word checks, a fitted probability, bands."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from quizzer.core.types import Grade, GraderInfo, Submission, Verdict
from quizzer.grading.offline.bands import Bands, bands_for
from quizzer.grading.offline.decision import DecisionModel, load_decision_model
from quizzer.grading.offline.embedder import Embedder, EncodingStore, embedder_for
from quizzer.grading.offline.evidence import Evidence, closest, collect_evidence, encode_cards
from quizzer.grading.offline.feedback import decide, untick_negated_points, write_feedback
from quizzer.grading.offline.typed import TYPED_VERSION, grade_typed_first, warm_up_typed

if TYPE_CHECKING:
    from quizzer.core.config import Config

# Evidence values kept on each grade (the rest stay in the features the model saw).
_SHOWN = ("cos_ref", "cos_q", "align_f", "align_r_new", "new_recall", "kp_covered", "neg_flip", "num_missing",
          "verifier_ref")
# An answer the model reads mostly as [UNK] (a script or emoji outside its vocabulary) is an answer, but one this
# grader cannot judge: any two unreadable texts look alike to it. It is uncertain, for the learner or the LLM.
UNREADABLE_SHARE = 0.5
UNREADABLE_FEEDBACK = ("The offline grader cannot read most of this answer (its model does not know this script "
                       "or these symbols): decide it yourself, or let the LLM judge read it.")


class EmbeddingGrader:
    """Grades against a card's references with evidence beyond cosine; see `quizzer.grading.offline.evidence`."""

    def __init__(self, embedder: Embedder, model: DecisionModel, config: Config | None = None,
                 typed_answers: bool = True) -> None:
        self.embedder = embedder
        self.model = model
        self.config = config
        self.bands = bands_for(config) if config is not None else Bands(**(model.defaults or {}))
        # Short answers (numbers, formulas, names...) are compared by type first: quizzer.grading.offline.typed.
        self.typed_answers = typed_answers
        self._info = GraderInfo(
            name="embedding",
            version=model.version,
            model=embedder.model_name,
            params={**self.bands.as_dict(), **({"typed": TYPED_VERSION} if typed_answers else {})},
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
        if self.typed_answers:
            warm_up_typed()

    def prepare(self, submissions: Sequence[Submission]) -> None:
        """Encodes the cards' question, references, key points and reference clauses through the embedding
        cache (and their token views), so grading an answer to them encodes only the answer."""
        encode_cards(self.embedder, submissions)

    def grade(self, submission: Submission) -> Grade:
        return self.grade_batch([submission])[0]

    def grade_batch(self, submissions: Sequence[Submission]) -> list[Grade]:
        if self.typed_answers:
            return grade_typed_first(submissions, self._info, self._grade_free_text)
        return self._grade_free_text(submissions)

    def _grade_free_text(self, submissions: Sequence[Submission]) -> list[Grade]:
        # The evidence's matrix products are small. Given threads, numpy's OpenBLAS workers busy-wait after
        # each one and take a core from the next chunk's forward pass (torch has its own threads): on 2 cores
        # that cost `quizzer grade` about 5 % (benchmarks/README.md).
        with _thread_pools().limit(limits=1, user_api="blas"):
            candidates = collect_evidence(self.embedder, submissions)
            flat = [item for items in candidates for item in items]
            probabilities = iter(self.model.probabilities([item.features for item in flat]))
        scored = [[(next(probabilities), item) for item in items] for items in candidates]
        grades = [self._grade(items, self._bands(submission)) for items, submission in zip(scored, submissions)]
        unknown = self.embedder.unknown_shares([submission.answer for submission in submissions])
        return [self._unreadable(grade) if share >= UNREADABLE_SHARE and not grade.evidence["dont_know"] else grade
                for grade, share in zip(grades, unknown)]

    def _unreadable(self, grade: Grade) -> Grade:
        return replace(grade, verdict=Verdict.UNCERTAIN, feedback=UNREADABLE_FEEDBACK,
                       evidence={**grade.evidence, "unreadable": True})

    def _bands(self, submission: Submission) -> Bands:
        """A deck's own bands (from `quizzer calibrate --write`) when it has them."""
        if self.config is None or not submission.deck:
            return self.bands
        return bands_for(self.config, submission.deck)

    def _grade(self, candidates: list[tuple[float, Evidence]], bands: Bands) -> Grade:
        probability, evidence = judged_evidence(candidates)
        probability = 0.0 if evidence.dont_know else probability
        verdict = decide(probability, evidence, bands)
        evidence = untick_negated_points(verdict, evidence)
        shown = {name: round(evidence.features[name], 4) for name in _SHOWN}
        shown.update(
            negated_terms=list(evidence.negated_terms),
            opposites=list(evidence.opposites),
            missing_numbers=list(evidence.missing_numbers),
            extra_numbers=list(evidence.extra_numbers),
            missing_terms=list(evidence.missing_terms),
            restates_question=evidence.restates_question,
            dont_know=evidence.dont_know,
        )
        return Grade(
            verdict=verdict,
            grader=self._info,
            probability=round(probability, 4),
            score=round(probability, 4),
            feedback=write_feedback(verdict, probability, evidence),
            key_points=evidence.key_points,
            matched_reference=evidence.matched_reference,
            evidence=shown,
        )


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


def make_embedding_grader(config: Config, store: EncodingStore | None = None) -> EmbeddingGrader:
    """The `embedding` grader of the registry, encoding reference-side texts through `store`."""
    return EmbeddingGrader(embedder_for(config, store), load_decision_model(), config)
