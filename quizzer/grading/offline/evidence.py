"""Evidence about one answer: what sentence vectors, token alignment and word checks say about it.

Cosine measures topical relevance, not correctness, so it is one feature among many: token-level
alignment (BERTScore-style, IDF-weighted) against the reference and against the question, a small trained
verifier over the same token vectors (`quizzer.grading.offline.verifier`), coverage of key points or of the
reference's clauses (`quizzer.grading.offline.key_points`), content-word overlap with what the reference adds
beyond the question, negation (`quizzer.grading.offline.denial`) and number mismatches, and key terms of the
reference that the answer lacks.
`quizzer.grading.offline.decision` turns the features into a probability.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from quizzer.core.types import Encoding, KeyPointResult, Submission
from quizzer.grading.offline import text as words_of
from quizzer.grading.offline.alignment import Pair, TokenView, alignment_features, load_idf, token_view
from quizzer.grading.offline.denial import denies_reference, reaffirmed_claim
from quizzer.grading.offline.embedder import Embedder
from quizzer.grading.offline.key_points import KEY_POINT_COVERED, AnswerClauses, answer_clauses, key_point_results
from quizzer.grading.offline.memo import BoundedCache
from quizzer.grading.offline.shorthand import graded_answer
from quizzer.grading.offline.verifier import verifier_logits_many


@dataclass
class Evidence:
    """Named features for the decision model, plus the details that feedback is built from."""

    features: dict[str, float]
    matched_reference: int
    key_points: tuple[KeyPointResult, ...] = ()
    key_points_explicit: bool = False
    dont_know: bool = False
    negated_terms: tuple[str, ...] = ()  # shared terms negated on one side only
    answer_denies: tuple[str, ...] = ()  # the answer's phrase that negates words the reference asserts
    missing_numbers: tuple[str, ...] = ()
    extra_numbers: tuple[str, ...] = ()
    number_swap: bool = False  # other numbers where the reference states a specific one
    missing_terms: tuple[str, ...] = ()
    opposites: tuple[str, ...] = ()  # "open (reference: closed)"
    restates_question: bool = False

    @property
    def contradicts(self) -> bool:
        """The answer negates what the reference asserts, or gives another number in place of its number.

        Deliberately narrow: on the training data a negation on the reference's side only, or an antonym,
        is as often a valid paraphrase ("not connected" for "separated") as a contradiction.
        """
        return bool(self.answer_denies) or self.number_swap


# -- the evidence ------------------------------------------------------------------------------
@dataclass(frozen=True)
class CardEncodings:
    """Everything reference-side for one submission, encoded (and cached) once per card."""

    question: TokenView
    references: tuple[TokenView, ...]
    key_points: tuple[TokenView, ...]  # explicit key points; else empty
    reference_clauses: tuple[tuple[TokenView, ...], ...]  # per reference, its clauses


def encode_texts(embedder: Embedder, texts: Sequence[str]) -> list[TokenView]:
    """Reference-side texts (misconceptions, say) as token views, through the disk cache."""
    encoded = embedder.encode_cached(list(texts))
    return [_reference_view(embedder.model_name, encoding) for encoding in encoded]


def encode_cards(embedder: Embedder, submissions: Sequence[Submission]) -> list[CardEncodings]:
    """Encodes every reference-side text once (through the disk cache)."""
    texts: list[str] = []
    clause_texts: dict[str, list[str]] = {}
    for submission in submissions:
        texts.append(submission.question)
        texts.extend(submission.references)
        texts.extend(submission.key_points)
        if not submission.key_points:
            for reference in submission.references:
                if reference not in clause_texts:
                    clause_texts[reference] = [span.text for span in words_of.clauses(reference)]
                    texts.extend(clause_texts[reference])
    encoded = embedder.encode_cached(list(dict.fromkeys(texts)))
    views = {encoding.text: _reference_view(embedder.cache_key, encoding) for encoding in encoded}
    cards = []
    for submission in submissions:
        cards.append(
            CardEncodings(
                question=views[submission.question],
                references=tuple(views[reference] for reference in submission.references),
                key_points=tuple(views[point] for point in submission.key_points),
                reference_clauses=tuple(
                    tuple(views[clause] for clause in clause_texts.get(reference, ()))
                    for reference in submission.references
                ),
            )
        )
    return cards


_reference_views: BoundedCache[tuple[str, str], TokenView] = BoundedCache(20_000)


def _reference_view(model: str, encoding: Encoding) -> TokenView:
    """Token views of reference-side texts, kept for the process: a card's answers all reuse them."""
    return _reference_views.get_or_make((model, encoding.text), lambda: token_view(encoding))


def collect_evidence(
    embedder: Embedder, submissions: Sequence[Submission], cache_answers: bool = False
) -> list[list[Evidence]]:
    """For each submission, its evidence against each of its references (answers encoded in batches)."""
    return collect_evidence_and_answers(embedder, submissions, cache_answers)[0]


def collect_evidence_and_answers(
    embedder: Embedder, submissions: Sequence[Submission], cache_answers: bool = False
) -> tuple[list[list[Evidence]], list[TokenView]]:
    """`collect_evidence`, and each answer's token view (for comparisons beyond the references)."""
    cards = encode_cards(embedder, submissions)
    answer_texts = [graded_answer(submission) for submission in submissions]
    answers = embedder.encode_cached(answer_texts) if cache_answers else embedder.encode(answer_texts)
    views = [token_view(answer) for answer in answers]
    # The cache key names the backend too: the verifier speaks for either, and keeps their cards apart.
    verifier = _verifier_logits(embedder.cache_key, submissions, cards, views)
    evidence = [
        compute_evidence(submission, card, view, logits)
        for submission, card, view, logits in zip(submissions, cards, views, verifier)
    ]
    return evidence, views


def _verifier_logits(
    model: str, submissions: Sequence[Submission], cards: Sequence[CardEncodings], answers: Sequence[TokenView]
) -> list[list[float]]:
    """The verifier's logits per answer and reference, the answers to one card batched together."""
    by_card: dict[tuple[str, tuple[str, ...]], list[int]] = {}
    for index, submission in enumerate(submissions):
        by_card.setdefault((submission.question, submission.references), []).append(index)
    logits: list[list[float]] = [[] for _ in submissions]
    for indices in by_card.values():
        card = cards[indices[0]]
        batch = verifier_logits_many([answers[index] for index in indices], card.references, card.question, model=model)
        for index, values in zip(indices, batch):
            logits[index] = values
    return logits


def closest(candidates: Sequence[Evidence]) -> Evidence:
    """The evidence against the reference closest by token alignment and sentence cosine together."""
    return max(candidates, key=lambda item: (item.features["align_f"] + item.features["cos_ref"], -item.matched_reference))


def compute_evidence(
    submission: Submission, card: CardEncodings, answer: TokenView, verifier: Sequence[float]
) -> list[Evidence]:
    """Evidence against each reference; features that compare references (maxima) are shared by all.
    `verifier`: the verifier's logit per reference (computed for a batch by `_verifier_logits`)."""
    dont_know = words_of.is_dont_know(submission.answer)
    question_precision = Pair.of(answer, card.question).precision()
    per_reference = [
        _reference_features(answer, reference, card.question, question_precision) for reference in card.references
    ]
    for (features, _), logit in zip(per_reference, verifier):
        features["verifier_ref"] = logit
    shared = {
        "verifier": max(item[0]["verifier_ref"] for item in per_reference),
        "cos_ref_max": max(item[0]["cos_ref"] for item in per_reference),
        "align_f_max": max(item[0]["align_f"] for item in per_reference),
        "align_r_new_max": max(item[0]["align_r_new"] for item in per_reference),
        "new_recall_max": max(item[0]["new_recall"] for item in per_reference),
        "n_refs": math.log(len(per_reference)),
        "dont_know": float(dont_know),
    }
    clauses = answer_clauses(answer)
    return [
        _evidence(submission, card, answer, clauses, index, {**features, **shared}, details, dont_know)
        for index, (features, details) in enumerate(per_reference)
    ]


def _evidence(
    submission: Submission,
    card: CardEncodings,
    answer: TokenView,
    clauses: AnswerClauses,
    index: int,
    features: dict[str, float],
    details: dict[str, Any],
    dont_know: bool,
) -> Evidence:
    explicit = bool(card.key_points)
    points = card.key_points if explicit else card.reference_clauses[index]
    point_texts = submission.key_points if explicit else tuple(view.encoding.text for view in points)
    key_points, recalls = key_point_results(answer, clauses, points, point_texts, card.question)
    # The decision model sees each point's plain token recall, question words included: on the training
    # data it separates better than the coverage shown to the learner (measured over what the point adds).
    similarities = recalls or [features["align_r"]]
    features["kp_covered"] = (
        sum(point.covered for point in key_points) / len(key_points)
        if key_points
        else float(features["align_r"] >= KEY_POINT_COVERED)
    )
    features["kp_min"] = float(min(similarities))
    features["kp_mean"] = float(np.mean(similarities))
    # Not a model input: the verdict rule's flag, kept so the fitting script can report how often it fires.
    features["contradicts"] = float(bool(details["answer_denies"]) or bool(details["number_swap"]))
    return Evidence(
        features={name: float(value) for name, value in features.items()},
        matched_reference=index,
        key_points=tuple(key_points),
        key_points_explicit=explicit,
        dont_know=dont_know,
        negated_terms=details["negated_terms"],
        answer_denies=details["answer_denies"],
        number_swap=bool(details["number_swap"]),
        missing_numbers=details["missing_numbers"],
        extra_numbers=details["extra_numbers"],
        missing_terms=details["missing_terms"],
        opposites=details["opposites"],
        restates_question=features["q_overlap_p"] >= 0.8 and features["new_recall"] < 0.2 and not dont_know,
    )


def _reference_features(
    answer: TokenView, reference: TokenView, question: TokenView, question_precision: float
) -> tuple[dict[str, float], dict[str, Any]]:
    answer_text, reference_text, question_text = answer.encoding.text, reference.encoding.text, question.encoding.text
    question_stems = frozenset(words_of.content_stems(question_text))
    aligned = alignment_features(answer, reference, question, question_stems, question_precision)

    answer_stems = words_of.content_stems(answer_text)
    reference_stems = words_of.content_stems(reference_text)
    answer_set, reference_set = set(answer_stems), set(reference_stems)
    new_reference = reference_set - question_stems
    new_answer = answer_set - question_stems
    _, idf, unseen = load_idf()
    new_recall = _weighted_share(new_reference, answer_set, idf, unseen)
    new_precision = _weighted_share(new_answer, reference_set, idf, unseen)
    question_overlap = len(answer_set & question_stems) / len(answer_set) if answer_set else 0.0

    # Key terms: the rarest words the reference adds beyond the question.
    ranked = sorted(new_reference, key=lambda item: (-idf.get(item, unseen), item))
    key_terms = ranked[: max(1, math.ceil(len(ranked) / 3))] if ranked else []
    missing_terms = tuple(term for term in key_terms if term not in answer_set)

    # Negation: a shared content word negated on one side only.
    answer_negated = words_of.negated_stems(answer_text)
    reference_negated = words_of.negated_stems(reference_text)
    shared = answer_set & reference_set
    flipped = (answer_negated ^ reference_negated) & shared
    # The answer negates words of the reference that the reference itself does not negate.
    reference_numbers = words_of.numbers(reference_text)
    denied = (answer_negated - reference_negated) & (reference_set | reference_numbers)
    # A contradiction for the verdict only when the negation takes a real share of what the reference adds
    # beyond the question (see `_denied_claim`).
    denies_claim = denies_reference(answer_text, reference_text, question_text)
    shown = denied | reaffirmed_claim(answer_text, reference_text)
    answer_denies = (words_of.phrase_of(answer_text, shown),) if denies_claim else ()
    negation_gap = words_of.negation_count(answer_text) > 0, words_of.negation_count(reference_text) > 0

    opposites = tuple(f"{said} (reference: {meant})" for said, meant in words_of.antonym_conflicts(answer_text, reference_text))
    answer_numbers = words_of.numbers(answer_text)
    question_numbers = words_of.numbers(question_text)
    missing_numbers = tuple(sorted(reference_numbers - answer_numbers - question_numbers))
    extra_numbers = tuple(sorted(answer_numbers - reference_numbers - question_numbers))
    # Another number in place of the reference's: a specific claim on both sides (long answers with worked
    # examples carry numbers of their own).
    number_swap = bool(missing_numbers and extra_numbers) and len(answer_numbers) <= 2 and len(reference_numbers) <= 2

    answer_words = len(answer_stems)
    features = {
        **aligned,
        "cos_ref": float(answer.encoding.vector @ reference.encoding.vector),
        "cos_q": float(answer.encoding.vector @ question.encoding.vector),
        "cos_ref_q": float(reference.encoding.vector @ question.encoding.vector),
        "ref_len": math.log1p(len(reference_stems)),
        "new_share": len(new_reference) / len(reference_set) if reference_set else 0.0,
        "new_recall": new_recall,
        "new_precision": new_precision,
        "q_overlap_p": question_overlap,
        "missing_terms": len(missing_terms) / len(key_terms) if key_terms else 0.0,
        "neg_flip": float(bool(flipped)),
        "opposite": float(bool(opposites)),
        "neg_denies": float(bool(denied)),
        "neg_mismatch": float(negation_gap[0] != negation_gap[1]),
        "num_missing": float(bool(missing_numbers)),
        "num_extra": float(bool(extra_numbers)),
        "log_len": math.log1p(answer_words),
        "len_ratio": math.log((answer_words + 1) / (len(reference_stems) + 1)),
    }
    details = {
        "negated_terms": tuple(sorted(flipped)),
        "answer_denies": answer_denies,
        "number_swap": number_swap,
        "missing_numbers": missing_numbers,
        "extra_numbers": extra_numbers,
        "missing_terms": missing_terms,
        "opposites": opposites,
    }
    return features, details


def _weighted_share(items: set[str], pool: set[str], idf: dict[str, float], unseen: float) -> float:
    if not items:
        return 0.0
    weights = {item: idf.get(item, unseen) for item in items}
    # fsum: exact whatever the order, and a set's order changes with Python's hash seed from run to run.
    total = math.fsum(weights.values())
    return math.fsum(weight for item, weight in weights.items() if item in pool) / total if total else 0.0
