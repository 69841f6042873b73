"""Key-point coverage: whether an answer covers each of a card's key points (or its reference's clauses), in the
clause of the answer that speaks to it, and whether it negates the point instead."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from quizzer.core.types import KeyPointResult
from quizzer.grading.offline import text as words_of
from quizzer.grading.offline.alignment import Pair, TokenView
from quizzer.grading.offline.denial import denies_point

# A key point counts as covered when its IDF-weighted token recall in the answer reaches this. Chosen on
# the in-domain interview answers: it keeps about 85 % of the key points of answers labelled correct
# (shorthand and paraphrase recall lower than copied words), where 0.62 kept 54 %.
KEY_POINT_COVERED = 0.45
# An author's key point covered at least this well earns partial credit even when P(correct) is low (an answer
# that gives one of three points is unlikely to be correct by design). On the interview answers this cut
# gave the best 3-way agreement (quadratic kappa 0.817; 0.45: 0.796, none: 0.806).
KEY_POINT_CLEAR = 0.6


# An answer's clause texts and their pooled, unit-length token vectors (one row per clause).
AnswerClauses = tuple[list[str], np.ndarray]


def key_point_results(
    answer: TokenView, clauses: AnswerClauses, points: Sequence[TokenView], texts: Sequence[str], question: TokenView
) -> tuple[list[KeyPointResult], list[float]]:
    """Each key point's coverage (token recall over what it adds beyond the question) and its best-matching clause.

    A key point the answer negates ("It does not contain a 4-D joint output" against "the 4-D joint output")
    is contradicted, never covered, however many of its words the answer repeats.
    """
    question_text = question.encoding.text
    question_stems = frozenset(words_of.content_stems(question_text))
    clause_texts, clause_vectors = clauses
    results, plain_recalls = [], []
    for point, point_text in zip(points, texts):
        pair = Pair.of(answer, point)
        beyond = _beyond_question(point, question_stems)
        recall = pair.recall(beyond)
        core = _outside_brackets(point)
        if core is not None:
            recall = max(recall, pair.recall(core if beyond is None else core * beyond))
        plain_recalls.append(pair.recall())
        matched = clause_texts[int(np.argmax(clause_vectors @ point.encoding.vector))] if clause_texts else None
        # Judged in the clause that speaks to the point: a long answer's negation elsewhere says nothing about it.
        contradicted = recall >= KEY_POINT_COVERED and denies_point(matched or answer.encoding.text, point_text, question_text)
        covered = recall >= KEY_POINT_COVERED and not contradicted
        results.append(KeyPointResult(point_text, covered, round(recall, 4), matched, contradicted))
    return results, plain_recalls


def _beyond_question(point: TokenView, question_stems: frozenset[str]) -> np.ndarray | None:
    """A mask dropping the key point's words that the question already gives away (None when nothing is left).

    "What improvement was made in the transducer model?" gives away "transducer": an answer covers
    "solved the memory issue of the speech transducer" by saying what was solved, not by naming the model.
    """
    given = np.array([bool(s) and s in question_stems for s in point.stems], dtype=bool)
    if not given.any() or all(not s or s in question_stems for s in point.stems):
        return None
    return (~given).astype(np.float32)


def _outside_brackets(point: TokenView) -> np.ndarray | None:
    """A mask keeping the key point's tokens outside parentheses (None when it has none, or nothing else).

    Authors put detail in brackets: "the 4-D joint output of the joint network (B x T x U x V)". An answer that
    gives the point without the detail ("because of the 4-D joint output") has covered it; one that gives the
    detail is covered by the full point's recall as before.
    """
    text = point.encoding.text
    spans = [match.span() for match in _BRACKETED.finditer(text)]
    if not spans or not len(point.weights):
        return None
    starts = point.encoding.offsets[:, 0]
    inside = np.zeros(len(starts), dtype=bool)
    for start, end in spans:
        inside |= (starts >= start) & (starts < end)
    keep = ~inside & np.array([bool(stem) for stem in point.stems])
    return keep.astype(np.float32) if keep.any() else None


_BRACKETED = re.compile(r"\([^()]*\)")


def answer_clauses(answer: TokenView) -> AnswerClauses:
    """The answer's clauses that hold tokens, each with its pooled token vectors at unit length: a key point's
    best-matching clause is the one whose vector lies closest to the point's. Worked out once per answer."""
    text = answer.encoding.text
    if not len(answer.weights):
        return [], np.zeros((0, len(answer.encoding.vector)), dtype=np.float32)
    spans = words_of.clauses(text) or [words_of.Span(0, len(text), text)]
    starts = answer.encoding.offsets[:, 0]
    texts, vectors = [], []
    for span in spans:
        mask = (starts >= span.start) & (starts < span.end)
        if mask.any():
            pooled = answer.encoding.token_vectors[mask].mean(axis=0)
            texts.append(span.text)
            vectors.append(pooled / max(float(np.linalg.norm(pooled)), 1e-6))
    return texts, np.array(vectors, dtype=np.float32).reshape(len(texts), -1)
