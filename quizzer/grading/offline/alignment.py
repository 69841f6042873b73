"""Token-level alignment of an answer with a reference, BERTScore-style: MiniLM's contextual token vectors,
matched greedily by cosine, weighted by word IDF (fitted by evals/fit_grader.py and shipped as idf.json)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np

from quizzer.core.types import Encoding
from quizzer.grading.offline import text as words_of
from quizzer.grading.offline.memo import BoundedCache


@dataclass(frozen=True)
class TokenView:
    """An encoding's tokens with the word each belongs to, its IDF weight, stem and negation."""

    encoding: Encoding
    weights: np.ndarray  # (n,) IDF of each token's word
    stems: tuple[str, ...]  # stem of each token's word ('' for stopwords and punctuation)
    negated: np.ndarray  # (n,) bool: the token's word lies in a negation's scope


_idf_override: dict[str, object] | None = None


@lru_cache(maxsize=1)
def load_idf() -> tuple[dict[str, float], dict[str, float], float]:
    """Word and stem IDF fitted by evals/fit_grader.py; unseen words get the maximum."""
    data: dict = _idf_override or json.loads(
        resources.files("quizzer.grading.offline").joinpath("idf.json").read_text(encoding="utf-8"))
    return dict(data["words"]), dict(data["stems"]), float(data["unseen"])


def use_idf_table(data: dict[str, object] | None) -> None:
    """Grade with this IDF table instead of the shipped one (None: the shipped one again). For the fitting
    script, which cross-validates with a freshly fitted table without writing it into the package."""
    global _idf_override
    _idf_override = data
    load_idf.cache_clear()


def token_view(encoding: Encoding) -> TokenView:
    idf, _, unseen = load_idf()
    text = encoding.text
    word_spans = [(match.start(), match.end()) for match in words_of.WORD_PATTERN.finditer(text)]
    owner = np.full(len(text) + 1, -1, dtype=np.int64)
    for index, (start, end) in enumerate(word_spans):
        owner[start:end] = index
    negated_words = words_of.negated_stems(text)
    # Per word once (a word's sub-word tokens share it); index -1: a token outside every word.
    per_word = [_word_facts(text[start:end].lower(), idf, unseen) for start, end in word_spans]
    per_word.append((0.1, ""))
    starts = encoding.offsets[:, 0] if len(encoding.offsets) else np.zeros(0, dtype=np.int64)
    indices = np.where((starts >= 0) & (starts < len(owner)), owner[np.clip(starts, 0, len(owner) - 1)], -1)
    facts = [per_word[index] for index in indices]
    weights = np.array([weight for weight, _ in facts], dtype=np.float32)
    stems = tuple(word_stem for _, word_stem in facts)
    negated = np.array([bool(word_stem) and word_stem in negated_words for word_stem in stems], dtype=bool)
    return TokenView(encoding, weights, stems, negated)


def _word_facts(word: str, idf: dict[str, float], unseen: float) -> tuple[float, str]:
    """A word's IDF weight and its stem ('' for stopwords and punctuation)."""
    weight = idf.get(word, unseen) if word.isalnum() or "_" in word else 0.1
    content = word.isalnum() and word not in words_of.STOPWORDS and len(word) > 1
    return weight, words_of.stem(word) if content else ""


def alignment(answer: TokenView, other: TokenView, other_mask: np.ndarray | None = None) -> tuple[float, float]:
    """BERTScore-style (precision, recall) of the answer's tokens against another text's tokens."""
    if not len(answer.weights) or not len(other.weights):
        return 0.0, 0.0
    pair = Pair.of(answer, other)
    return pair.precision(), pair.recall(other_mask)


@dataclass(frozen=True)
class Pair:
    """The token similarities of an answer and another text, computed once and read many ways."""

    answer: TokenView
    other: TokenView
    answer_best: np.ndarray  # (n_answer,) each answer token's best match in the other text
    other_best: np.ndarray  # (n_other,) each of the other text's tokens' best match in the answer

    @classmethod
    def of(cls, answer: TokenView, other: TokenView) -> Pair:
        if not len(answer.weights) or not len(other.weights):
            return cls(answer, other, np.zeros(len(answer.weights)), np.zeros(len(other.weights)))
        similarity = answer.encoding.token_vectors @ other.encoding.token_vectors.T
        return cls(answer, other, similarity.max(axis=1), similarity.max(axis=0))

    def precision(self, mask: np.ndarray | None = None) -> float:
        weights = self.answer.weights if mask is None else self.answer.weights * mask
        return float(np.dot(weights, self.answer_best) / max(weights.sum(), 1e-6))

    def recall(self, mask: np.ndarray | None = None, cut: float | None = None) -> float:
        """IDF-weighted recall of the other text's tokens; with `cut`, the share matched at least that well."""
        weights = self.other.weights if mask is None else self.other.weights * mask
        matched = self.other_best if cut is None else (self.other_best >= cut)
        total = float(weights.sum())
        return float(np.dot(weights, matched)) / total if total > 0 else 0.0

    def term_cover(self, mask: np.ndarray | None) -> tuple[float, float, float]:
        """How well the answer covers the other text's content words one by one: the weakest, the second
        weakest, and the IDF-weighted share below 0.6. A partial answer leaves some essential word uncovered."""
        best: dict[str, tuple[float, float]] = {}
        for position, word_stem in enumerate(self.other.stems):
            if not word_stem or (mask is not None and not mask[position]):
                continue
            value, weight = best.get(word_stem, (0.0, float(self.other.weights[position])))
            best[word_stem] = (max(value, float(self.other_best[position])), weight)
        if not best:
            return 1.0, 1.0, 0.0
        values = sorted(value for value, _ in best.values())
        total = sum(weight for _, weight in best.values())
        uncovered = sum(weight for value, weight in best.values() if value < 0.6) / total if total else 0.0
        return values[0], values[1] if len(values) > 1 else values[0], uncovered


_question_covers: BoundedCache[tuple[str, str], np.ndarray] = BoundedCache(20_000)


def _question_cover(question: TokenView, reference: TokenView) -> np.ndarray:
    """Each reference token's best match in the question; the same for every answer to the card."""
    return _question_covers.get_or_make((question.encoding.text, reference.encoding.text),
                                        lambda: Pair.of(question, reference).other_best)


def alignment_features(answer: TokenView, reference: TokenView, question: TokenView,
                       question_stems: frozenset[str], question_precision: float) -> dict[str, float]:
    """The token-alignment evidence of an answer against one reference (see evals/README.md for what helps)."""
    pair = Pair.of(answer, reference)
    precision, recall = pair.precision(), pair.recall()
    # Reference tokens that say something the question does not, and the answer's own such tokens.
    new_mask = np.array([bool(s) and s not in question_stems for s in reference.stems], dtype=np.float32)
    answer_new = np.array([bool(s) and s not in question_stems for s in answer.stems], dtype=np.float32)
    new = new_mask if new_mask.any() else None
    # Soft version of "beyond the question": reference tokens weighed down by how well the question covers them.
    question_cover = _question_cover(question, reference)
    minimum, second, uncovered = pair.term_cover(new)
    return {
        "align_p": precision,
        "align_r": recall,
        "align_f": _f1(precision, recall),
        "align_r_new": pair.recall(new_mask) if new is not None else recall,
        "align_p_q": question_precision,
        "align_p_new": pair.precision(answer_new) if answer_new.any() else 0.0,
        "align_r_hard": pair.recall(new, cut=0.7),
        "align_r_hard_loose": pair.recall(new, cut=0.55),
        "align_r_hard_strict": pair.recall(new, cut=0.85),
        "align_r_soft": pair.recall(np.clip(1.0 - question_cover, 0.0, 1.0)),
        "term_cover_min": minimum,
        "term_cover_second": second,
        "term_uncovered": uncovered,
    }


def _f1(precision: float, recall: float) -> float:
    return 0.0 if precision + recall <= 0 else 2 * precision * recall / (precision + recall)
