"""A small trained verifier over MiniLM's frozen token vectors: one more piece of evidence, a logit.

Hand-made alignment features weigh a reference's words by IDF and call a word matched past a fixed cosine.
The verifier learns both from the labelled training answers instead: which tokens of a reference matter
(from each token's contextual vector, its IDF, and whether the question already says it), when a token
counts as matched (raw cosine, cosine in a learned 64-d projection, a negation on one side only), and the
same from the answer's side (what it says that neither the reference nor the question does). Two
attention-weighted summaries and three sentence cosines go through a tiny MLP to a logit.

It is fitted by `evals/fit_verifier.py` (torch, grouped cross-validation, fixed seed) and ships as
`verifier.npz` (37,461 float32 weights, 143 KB); this module runs it with numpy, so grading needs no torch
beyond the embedding model's own. The decision model sees the best logit over a card's references as the
feature `verifier`.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np

from quizzer.grading.offline.alignment import TokenView
from quizzer.grading.offline.embedder import DEFAULT_MODEL
from quizzer.grading.offline.memo import BoundedCache

WEIGHTS_FILE = "verifier.npz"
# The embedding model whose token vectors the verifier learned. Another model's vectors, even of the same
# width, mean nothing to it; the same model run by another backend ("...@onnx-int8": the same weights,
# rounded to int8) is the same model to it (evals/README.md measures how far its logits move).
TRAINED_ON = DEFAULT_MODEL
# Texts are cut to this many tokens, as in training.
MAX_TOKENS = 128
# IDF weights are divided by this before they enter the network, as in training.
IDF_SCALE = 5.0


def _gelu(x: np.ndarray) -> np.ndarray:
    """torch's exact GELU. scipy is imported here, not at module level: only grading pays for it."""
    from scipy.special import erf

    return 0.5 * x * (1.0 + erf(x / np.sqrt(2.0)))


@dataclass(frozen=True)
class _Mlp:
    """Linear, GELU, linear to one output."""

    w1: np.ndarray
    b1: np.ndarray
    w2: np.ndarray
    b2: np.ndarray

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return self.finish(x @ self.w1.T)

    def finish(self, first_layer: np.ndarray) -> np.ndarray:
        """The rest of the network, given the first layer's product with the input (without its bias)."""
        return (_gelu(first_layer + self.b1) @ self.w2.T + self.b2)[..., 0]


@dataclass(frozen=True)
class _Side:
    tokens: np.ndarray  # (n, dim) unit rows
    idf: np.ndarray  # (n,) IDF / IDF_SCALE
    negated: np.ndarray  # (n,) float 0/1
    projected: np.ndarray  # (n, p) unit rows in the learned projection
    # The token vectors' share of the reference importance network's first layer (the costly product).
    as_reference: np.ndarray  # (n, hidden)


@dataclass(frozen=True)
class _Card:
    """A card's references, end to end, with what does not depend on the answer."""

    question: _Side
    starts: np.ndarray  # (references,) first token of each reference
    segment: np.ndarray  # (tokens,) which reference each token belongs to
    tokens: np.ndarray
    projected: np.ndarray
    negated: np.ndarray
    idf: np.ndarray
    as_reference: np.ndarray
    question_best: np.ndarray  # (tokens,) each reference token's best cosine in the question
    vectors: np.ndarray  # (references, dim) sentence vectors
    reference_question_cosines: np.ndarray  # (references,)
    question_vector: np.ndarray  # (dim,)


@dataclass(frozen=True)
class Verifier:
    version: str
    projection: np.ndarray  # (p, dim)
    reference_importance: _Mlp
    reference_match: _Mlp
    answer_importance: _Mlp
    answer_match: _Mlp
    head: _Mlp
    # The weights as stored, by their torch names (what evals/fit_verifier.py loads back into its network).
    raw_arrays: dict[str, np.ndarray]

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], version: str) -> Verifier:
        def mlp(prefix: str) -> _Mlp:
            parts = ("0.weight", "0.bias", "2.weight", "2.bias")  # torch's Sequential(Linear, GELU, Linear)
            return _Mlp(*(arrays[f"{prefix}.{part}"].astype(np.float64) for part in parts))

        return cls(version, arrays["proj.weight"].astype(np.float64), mlp("imp_r"), mlp("tok_r"), mlp("imp_a"),
                   mlp("tok_a"), mlp("head"), dict(arrays))

    def side(self, view: TokenView) -> _Side:
        """A reference-side text's tokens, prepared once (every answer to the card reuses them)."""
        tokens, idf, negated = _trimmed(view, self.projection.shape[1])
        projected, as_reference, _ = self._token_products(tokens)
        return _Side(tokens, idf, negated, projected, as_reference)

    def _token_products(self, tokens: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For token vectors (any leading axes): their unit projection, and their share of the reference and the
        answer importance networks' first layer, all from one matrix product."""
        products = tokens @ self.token_products
        p, hidden = self.projection.shape[0], self.reference_importance.w1.shape[0]
        projected = products[..., :p] / np.maximum(np.linalg.norm(products[..., :p], axis=-1, keepdims=True), 1e-12)
        return projected, products[..., p : p + hidden], products[..., p + hidden :]

    @property
    def token_products(self) -> np.ndarray:
        """(dim, p + 2 hidden): the projection and both importance networks' token parts, one product for all."""
        cached = self.__dict__.get("_product_matrix")
        if cached is None:
            width = self.projection.shape[1]
            cached = np.concatenate([self.projection, self.reference_importance.w1[:, :width],
                                     self.answer_importance.w1[:, :width]]).T.astype(np.float32)
            object.__setattr__(self, "_product_matrix", cached)
        return cached

    def card(
        self, question: _Side, references: Sequence[_Side], vectors: np.ndarray, question_vector: np.ndarray
    ) -> _Card:
        """A card's references laid end to end (prepared once per card; every answer to it reuses them)."""
        lengths = [len(reference.idf) for reference in references]
        tokens = np.concatenate([reference.tokens for reference in references])
        return _Card(
            question=question,
            starts=np.cumsum([0, *lengths[:-1]]),
            segment=np.repeat(np.arange(len(references)), lengths),
            tokens=tokens,
            projected=np.concatenate([reference.projected for reference in references]),
            negated=np.concatenate([reference.negated for reference in references]),
            idf=np.concatenate([reference.idf for reference in references]),
            as_reference=np.concatenate([reference.as_reference for reference in references]),
            question_best=(tokens @ question.tokens.T).max(axis=1),
            vectors=vectors,
            reference_question_cosines=vectors @ question_vector,
            question_vector=question_vector,
        )

    def logits(self, answers: Sequence[TokenView], card: _Card) -> np.ndarray:
        """(answers, references): evidence that each answer says what each of the card's references says.

        Batched so that a file's many answers to one card cost one pass of array operations, not one each:
        answers are padded to the longest (padding masked out), references lie end to end and every
        per-reference step is a segment reduction (`reduceat`) over them."""
        width, count, starts, segment = card.tokens.shape[1], len(card.starts), card.starts, card.segment
        trimmed = [_trimmed(answer, width) for answer in answers]
        longest = max(len(idf) for _, idf, _ in trimmed)
        tokens = np.zeros((len(answers), longest, width), dtype=np.float32)
        idf, negated = np.zeros((len(answers), longest)), np.zeros((len(answers), longest))
        real = np.zeros((len(answers), longest), dtype=bool)  # which answer tokens are real, not padding
        for row, (answer_tokens, answer_idf, answer_negated) in enumerate(trimmed):
            tokens[row, : len(answer_idf)] = answer_tokens
            idf[row, : len(answer_idf)] = answer_idf
            negated[row, : len(answer_idf)] = answer_negated
            real[row, : len(answer_idf)] = True
        projected, _, as_answer = self._token_products(tokens)
        answer_vectors = np.stack([answer.encoding.vector for answer in answers]).astype(np.float64)
        # (answers, reference tokens, answer tokens); padding can never be anyone's best match
        similarity = np.where(real[:, None, :], card.tokens @ tokens.transpose(0, 2, 1), -2.0)
        projected_similarity = np.where(real[:, None, :], card.projected @ projected.transpose(0, 2, 1), -2.0)

        # Recall: how well each reference's tokens are found in each answer.
        best_index = similarity.argmax(axis=2)
        best = np.take_along_axis(similarity, best_index[..., None], axis=2)[..., 0]
        question_best = np.broadcast_to(card.question_best, best.shape)
        differs = (card.negated != np.take_along_axis(negated, best_index, axis=1)).astype(np.float64)
        matched = self.reference_match(np.stack(
            [best, projected_similarity.max(axis=2), question_best, differs,
             np.broadcast_to(card.idf, best.shape), best - question_best], axis=2))
        importance = self.reference_importance
        extra = np.stack([np.broadcast_to(card.idf, best.shape), question_best, differs], axis=2)
        weights = importance.finish(card.as_reference + extra @ importance.w1[:, width:].T)
        weights = np.exp(weights - np.maximum.reduceat(weights, starts, axis=1)[:, segment])
        attention = weights / np.add.reduceat(weights, starts, axis=1)[:, segment]
        recall = [np.add.reduceat(attention * value, starts, axis=1) for value in (_sigmoid(matched), matched, best)]

        # Precision: how well each answer's tokens are found in each reference: (answers, answer tokens, references).
        segment_best = np.maximum.reduceat(similarity, starts, axis=1)  # (answers, references, answer tokens)
        # The first reference token reaching its segment's best, as torch's argmax picks it.
        reaches = similarity >= segment_best[:, segment, :]
        positions = np.where(reaches, np.arange(len(segment))[None, :, None], len(segment))
        first = np.minimum.reduceat(positions, starts, axis=1).transpose(0, 2, 1)
        segment_best = segment_best.transpose(0, 2, 1)
        question_best = (tokens @ card.question.tokens.T).max(axis=2)[..., None].repeat(count, axis=2)
        differs = (negated[..., None] != card.negated[first]).astype(np.float64)
        answer_idf = idf[..., None].repeat(count, axis=2)
        projected_best = np.maximum.reduceat(projected_similarity, starts, axis=1).transpose(0, 2, 1)
        matched = self.answer_match(np.stack(
            [segment_best, projected_best, question_best, differs, answer_idf, segment_best - question_best], axis=3))
        importance = self.answer_importance
        extra = np.stack([answer_idf, question_best, differs], axis=3)
        weights = importance.finish(as_answer[:, :, None, :] + extra @ importance.w1[:, width:].T)
        weights = np.where(real[..., None], weights, -np.inf)
        weights = np.exp(weights - weights.max(axis=1, keepdims=True))
        attention = weights / weights.sum(axis=1, keepdims=True)
        precision = [(attention * value).sum(axis=1) for value in (_sigmoid(matched), matched, segment_best)]

        cosines = [answer_vectors @ card.vectors.T,
                   np.broadcast_to((answer_vectors @ card.question_vector)[:, None], (len(answers), count)),
                   np.broadcast_to(card.reference_question_cosines, (len(answers), count))]
        return self.head(np.stack([*recall, *precision, *cosines], axis=2))


def _trimmed(view: TokenView, width: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A text's token vectors, scaled IDF weights and negation flags, cut to MAX_TOKENS as in training; an empty
    text is one blank token (training pads it so)."""
    if not len(view.weights):
        return np.zeros((1, width), dtype=np.float32), np.zeros(1), np.zeros(1)
    return (view.encoding.token_vectors[:MAX_TOKENS],
            view.weights[:MAX_TOKENS].astype(np.float64) / IDF_SCALE, view.negated[:MAX_TOKENS].astype(np.float64))


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


@lru_cache(maxsize=1)
def load_verifier() -> Verifier:
    """The shipped weights."""
    data = resources.files("quizzer.grading.offline").joinpath(WEIGHTS_FILE).read_bytes()
    with np.load(io.BytesIO(data), allow_pickle=False) as arrays:
        version = str(arrays["version"])
        return Verifier.from_arrays({name: arrays[name] for name in arrays.files if name != "version"}, version)


# Cards prepared once per process, by the model (with its backend) and their question and reference texts.
_cards: BoundedCache[tuple[str, str, tuple[str, ...]], _Card] = BoundedCache(5_000)


def speaks_for(model: str) -> bool:
    """Whether the verifier reads this model's vectors: `TRAINED_ON`, run by any backend (`TRAINED_ON@backend`)."""
    return model == TRAINED_ON or model.startswith(TRAINED_ON + "@")


def verifier_logits(
    answer: TokenView, references: Sequence[TokenView], question: TokenView, *, model: str
) -> list[float]:
    """The shipped verifier's logit for an answer against each reference (see `verifier_logits_many`)."""
    return verifier_logits_many([answer], references, question, model=model)[0]


# Answers per array pass: bounds the (answers, reference tokens, answer tokens) arrays to a few MB.
CHUNK = 32


def verifier_logits_many(
    answers: Sequence[TokenView], references: Sequence[TokenView], question: TokenView, *, model: str
) -> list[list[float]]:
    """The shipped verifier's logits for several answers to one card, against each reference. `model` names the
    embedding model the views come from: for any but `TRAINED_ON` the verifier has nothing to say, 0.0 for each."""
    if not speaks_for(model) or not references or not answers:
        return [[0.0 for _ in references] for _ in answers]
    verifier = load_verifier()
    key = (model, question.encoding.text, tuple(reference.encoding.text for reference in references))

    def prepare() -> _Card:
        vectors = np.stack([reference.encoding.vector for reference in references]).astype(np.float64)
        return verifier.card(verifier.side(question), [verifier.side(view) for view in references], vectors,
                             question.encoding.vector.astype(np.float64))

    card = _cards.get_or_make(key, prepare)
    result: list[list[float]] = []
    for start in range(0, len(answers), CHUNK):
        logits = verifier.logits(answers[start : start + CHUNK], card)
        result.extend([float(value) for value in row] for row in logits)
    return result
