"""The plain cosine-threshold baseline, kept for comparison: best cosine over the references >= threshold."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from quizzer.core.types import Grade, GraderInfo, Submission, Verdict
from quizzer.grading.offline.embedder import Embedder, EncodingStore, embedder_for

if TYPE_CHECKING:
    from quizzer.core.config import Config

VERSION = "cosine-1"


class CosineGrader:
    """Correct when the answer's sentence vector is close enough to one reference's; nothing else."""

    def __init__(self, embedder: Embedder, threshold: float) -> None:
        self.embedder = embedder
        self.threshold = threshold
        self._info = GraderInfo(
            name="cosine", version=VERSION, model=embedder.model_name, params={"cosine_threshold": threshold}
        )

    @property
    def info(self) -> GraderInfo:
        return self._info

    def prepare(self, submissions: Sequence[Submission]) -> None:
        """Encodes the cards' references through the embedding cache (all this grader compares with)."""
        self.embedder.encode_cached([reference for submission in submissions for reference in submission.references])

    def grade(self, submission: Submission) -> Grade:
        return self.grade_batch([submission])[0]

    def grade_batch(self, submissions: Sequence[Submission]) -> list[Grade]:
        references = self.embedder.encode_cached([r for s in submissions for r in s.references])
        vectors = {encoding.text: encoding.vector for encoding in references}
        answers = self.embedder.encode([submission.answer for submission in submissions])
        grades = []
        for submission, answer in zip(submissions, answers):
            cosines = [float(vectors[reference] @ answer.vector) for reference in submission.references]
            best = int(np.argmax(cosines))
            cosine = cosines[best] if submission.answer.strip() else 0.0
            verdict = Verdict.CORRECT if cosine >= self.threshold else Verdict.INCORRECT
            grades.append(
                Grade(
                    verdict=verdict,
                    grader=self._info,
                    score=round(cosine, 4),
                    feedback=f"Cosine {cosine:.2f} to the closest reference (threshold {self.threshold:.2f}).",
                    matched_reference=best,
                    evidence={"cos_ref": round(cosine, 4)},
                )
            )
        return grades


def make_cosine_grader(config: Config, store: EncodingStore | None = None) -> CosineGrader:
    """The `cosine` baseline of the registry, encoding references through `store`."""
    return CosineGrader(embedder_for(config, store), config.grader.cosine_threshold)
