"""Trains the grader's token-level verifier (quizzer/grading/offline/verifier.py) and its honest out-of-fold scores.

    .venv/bin/python evals/fit_verifier.py            # scores for cross-validation, then write verifier.npz
    .venv/bin/python evals/fit_verifier.py --cv-only  # scores only (cached; evals/fit_grader.py reads them)

The verifier is a small network over MiniLM's frozen token vectors (37,461 weights), trained on the
same labelled answers as the decision model, with torch on the CPU, fixed seed. Because the decision model
takes the verifier's logit as a feature, its cross-validation needs verifier scores that never saw the
answers being scored, nor the answers the decision model is fitted on in that fold:

- out of fold: for fold i, a verifier trained on the other four folds (what the outer test fold is scored with);
- inner: for outer fold i and a training row in fold j, a verifier trained on the three folds other than i and j.

That is 5 + 10 trainings on 60-80 % of the data, then one on all of it: about 20 minutes on 2 cores.
The scores are cached in /tmp/quizzer-fit, keyed by the data, the IDF table, the network and its training settings.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import sys
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fit_grader  # noqa: E402
from quizzer.grading.offline.verifier import IDF_SCALE, MAX_TOKENS, WEIGHTS_FILE  # noqa: E402

EPOCHS = 8
BATCH = 64
LEARNING_RATE = 2e-3
WEIGHT_DECAY = 1e-4
PROJECTION = 64
HIDDEN = 16


@dataclass(frozen=True)
class Scores:
    """Best logit over each answer's references: out of fold (n,), and inner (folds, n) as described above."""

    out_of_fold: np.ndarray
    inner: np.ndarray


@dataclass
class TokenTable:
    """Every distinct text once, padded to MAX_TOKENS, and each example's (answer, question, references)."""

    vectors: np.ndarray  # (texts, MAX_TOKENS, dim) float16
    idf: np.ndarray  # (texts, MAX_TOKENS)
    negated: np.ndarray  # (texts, MAX_TOKENS)
    mask: np.ndarray  # (texts, MAX_TOKENS) bool
    sentence: np.ndarray  # (texts, dim)
    answer: np.ndarray  # (examples,)
    question: np.ndarray  # (examples,)
    references: np.ndarray  # (examples, most references) text index or -1


def token_table(examples: list[fit_grader.Example], backend: str = "torch", onnx_file: Path | None = None) -> TokenTable:
    from quizzer.grading.offline.alignment import token_view
    from quizzer.grading.offline.embedder import Embedder
    from quizzer.grading.offline.shorthand import graded_answer
    from quizzer.storage.embeddings import EmbeddingCache

    # The answer as the grader encodes it (shorthand spelled out), so the verifier learns what it will see.
    answers = [graded_answer(example.submission) for example in examples]
    texts = list(dict.fromkeys(
        text for example, answer in zip(examples, answers)
        for text in (answer, example.submission.question, *example.submission.references)))
    encodings = Embedder(store=EmbeddingCache(fit_grader.WORK / "cache"), backend=backend,
                         onnx_file=onnx_file).encode_cached(texts)
    dim = encodings[0].vector.shape[0]
    table = TokenTable(
        np.zeros((len(texts), MAX_TOKENS, dim), np.float16), np.zeros((len(texts), MAX_TOKENS), np.float32),
        np.zeros((len(texts), MAX_TOKENS), np.float32), np.zeros((len(texts), MAX_TOKENS), bool),
        np.stack([encoding.vector for encoding in encodings]).astype(np.float32),
        np.zeros(len(examples), np.int64), np.zeros(len(examples), np.int64),
        np.full((len(examples), max(len(example.submission.references) for example in examples)), -1, np.int64),
    )
    for row, encoding in enumerate(encodings):
        view = token_view(encoding)
        n = min(MAX_TOKENS, len(encoding.token_ids))
        table.vectors[row, :n] = encoding.token_vectors[:n]
        table.idf[row, :n] = view.weights[:n]
        table.negated[row, :n] = view.negated[:n]
        table.mask[row, :n] = True
    index = {text: row for row, text in enumerate(texts)}
    for row, example in enumerate(examples):
        table.answer[row] = index[answers[row]]
        table.question[row] = index[example.submission.question]
        for column, reference in enumerate(example.submission.references):
            table.references[row, column] = index[reference]
    return table


class Trainer:
    """The torch twin of quizzer.grading.offline.verifier.Verifier, with batching over padded tensors."""

    def __init__(self, table: TokenTable, labels: np.ndarray, weights: np.ndarray) -> None:
        import torch

        torch.set_num_threads(2)
        self.torch = torch
        self.vectors = torch.tensor(table.vectors.astype(np.float32))
        self.idf = torch.tensor(table.idf / IDF_SCALE)
        self.negated = torch.tensor(table.negated)
        self.mask = torch.tensor(table.mask)
        self.lengths = self.mask.sum(-1)
        self.sentence = torch.tensor(table.sentence)
        self.answer = torch.tensor(table.answer)
        self.question = torch.tensor(table.question)
        self.references = torch.tensor(table.references)
        self.labels = torch.tensor(labels, dtype=torch.float32)
        self.weights = torch.tensor(weights, dtype=torch.float32)

    def network(self):
        nn = self.torch.nn
        dim = self.vectors.shape[-1]

        def mlp(inputs: int):
            return nn.Sequential(nn.Linear(inputs, HIDDEN), nn.GELU(), nn.Linear(HIDDEN, 1))

        return nn.ModuleDict({"proj": nn.Linear(dim, PROJECTION, bias=False), "imp_r": mlp(dim + 3),
                              "tok_r": mlp(6), "imp_a": mlp(dim + 3), "tok_a": mlp(6), "head": mlp(9)})

    def _summary(self, net, own, own_mask, own_idf, own_negated, other, other_mask, other_negated, question,
                 question_mask, importance, match):
        torch = self.torch
        normalize = torch.nn.functional.normalize
        similarity = torch.einsum("bnd,bmd->bnm", own, other).masked_fill(~other_mask[:, None, :], -2)
        best, best_index = similarity.max(-1)
        projected = torch.einsum("bnd,bmd->bnm", normalize(net["proj"](own), dim=-1),
                                 normalize(net["proj"](other), dim=-1)).masked_fill(~other_mask[:, None, :], -2)
        question_best = torch.einsum("bnd,bmd->bnm", own, question).masked_fill(
            ~question_mask[:, None, :], -2).max(-1).values
        negation_differs = (own_negated != torch.gather(other_negated, 1, best_index)).float()
        features = torch.stack([best, projected.max(-1).values, question_best, negation_differs, own_idf,
                                best - question_best], -1)
        matched = net[match](features).squeeze(-1)
        weights = net[importance](torch.cat(
            [own, own_idf[..., None], question_best[..., None], negation_differs[..., None]], -1)).squeeze(-1)
        attention = torch.softmax(weights.masked_fill(~own_mask, -1e4), -1)
        return ((attention * torch.sigmoid(matched)).sum(-1), (attention * matched).sum(-1),
                (attention * best).sum(-1))

    def logits(self, net, answers, references, questions):
        def gather(rows):
            width = max(int(self.lengths[rows].max()), 1)
            return (self.vectors[rows, :width], self.mask[rows, :width], self.idf[rows, :width],
                    self.negated[rows, :width])

        a, a_mask, a_idf, a_neg = gather(answers)
        r, r_mask, r_idf, r_neg = gather(references)
        q, q_mask, _, _ = gather(questions)
        a_mask = a_mask.clone()
        a_mask[:, 0] |= ~a_mask.any(-1)  # an empty answer is one blank token
        recall = self._summary(net, r, r_mask, r_idf, r_neg, a, a_mask, a_neg, q, q_mask, "imp_r", "tok_r")
        precision = self._summary(net, a, a_mask, a_idf, a_neg, r, r_mask, r_neg, q, q_mask, "imp_a", "tok_a")
        s = self.sentence
        cosines = ((s[answers] * s[references]).sum(-1), (s[answers] * s[questions]).sum(-1),
                   (s[references] * s[questions]).sum(-1))
        return net["head"](self.torch.stack([*recall, *precision, *cosines], -1)).squeeze(-1)

    def per_reference(self, net, rows):
        """(len(rows), most references) logits, -1e4 where an example has fewer references."""
        torch = self.torch
        columns = []
        for column in range(self.references.shape[1]):
            references = self.references[rows, column]
            present = references >= 0
            values = torch.full((len(rows),), -1e4)
            if present.any():
                values = values.clone()
                values[present] = self.logits(net, self.answer[rows][present], references[present],
                                              self.question[rows][present])
            columns.append(values)
        return torch.stack(columns, -1)

    def train(self, rows: np.ndarray, seed: int = fit_grader.SEED):
        torch = self.torch
        torch.manual_seed(seed)
        generator = np.random.default_rng(seed)
        net = self.network()
        optimiser = torch.optim.AdamW(net.parameters(), lr=LEARNING_RATE, weight_decay=WEIGHT_DECAY)
        rows = np.array(rows)
        for _ in range(EPOCHS):
            generator.shuffle(rows)
            for batch in self._batches(rows, generator):
                index = torch.tensor(batch)
                # The answer is right if it says what some reference says: a smooth maximum over references.
                logit = torch.logsumexp(2 * self.per_reference(net, index), -1) / 2
                loss = (torch.nn.functional.binary_cross_entropy_with_logits(
                    logit, self.labels[index], reduction="none") * self.weights[index]).mean()
                optimiser.zero_grad()
                loss.backward()
                optimiser.step()
        return net

    def _batches(self, rows: np.ndarray, generator: np.random.Generator) -> list[np.ndarray]:
        """Batches of similar answer lengths (padding costs most of the time otherwise), in random order."""
        lengths = self.lengths[self.answer[rows]].numpy()
        batches = []
        for start in range(0, len(rows), BATCH * 20):
            chunk = rows[start : start + BATCH * 20]
            chunk = chunk[np.argsort(lengths[start : start + BATCH * 20], kind="stable")]
            batches += [chunk[offset : offset + BATCH] for offset in range(0, len(chunk), BATCH)]
        return [batches[index] for index in generator.permutation(len(batches))]

    def best_logits(self, net, rows: np.ndarray) -> np.ndarray:
        result = np.zeros(len(rows))
        order = np.argsort(self.lengths[self.answer[rows]].numpy(), kind="stable")
        with self.torch.no_grad():
            for start in range(0, len(rows), 256):
                chosen = order[start : start + 256]
                result[chosen] = self.per_reference(net, self.torch.tensor(rows[chosen])).max(-1).values.numpy()
        return result


def _cache_key(examples: list[fit_grader.Example], idf: dict[str, object]) -> str:
    """What the scores depend on: the network and its training (not this file's prose), the code that makes its
    inputs, the data, the IDF."""
    import inspect

    digest = hashlib.sha256(inspect.getsource(Trainer).encode())
    # The network's inputs come from the answer as spelled out, its tokens' IDF and negation scopes.
    digest.update(fit_grader.package_source("shorthand.py", "text.py", "alignment.py").encode())
    digest.update(repr((EPOCHS, BATCH, LEARNING_RATE, WEIGHT_DECAY, PROJECTION, HIDDEN, MAX_TOKENS, IDF_SCALE,
                        fit_grader.FOLDS, fit_grader.SEED)).encode())
    digest.update(repr(sorted(idf.items())).encode())
    for example in examples:
        digest.update(repr((example.submission, example.label, example.weight, example.group)).encode())
    return digest.hexdigest()[:12]


def verifier_scores(examples: list[fit_grader.Example], idf: dict[str, object]) -> Scores:
    """Out-of-fold and inner scores (computed once, then read from the cache)."""
    cached = fit_grader.WORK / f"verifier-scores-{_cache_key(examples, idf)}.npz"
    if cached.exists():
        data = np.load(cached)
        return Scores(data["out_of_fold"], data["inner"])
    trainer = _trainer(examples)
    fold = fit_grader.fold_numbers(examples)
    started = time.monotonic()
    out_of_fold = np.zeros(len(examples))
    inner = np.full((fit_grader.FOLDS, len(examples)), np.nan)
    for test in range(fit_grader.FOLDS):
        net = trainer.train(np.flatnonzero(fold != test))
        out_of_fold[fold == test] = trainer.best_logits(net, np.flatnonzero(fold == test))
        print(f"verifier: out-of-fold model {test + 1}/{fit_grader.FOLDS} ({time.monotonic() - started:.0f} s)",
              flush=True)
    for first in range(fit_grader.FOLDS):
        for second in range(first + 1, fit_grader.FOLDS):
            net = trainer.train(np.flatnonzero((fold != first) & (fold != second)))
            for outer, scored in ((first, second), (second, first)):
                inner[outer, fold == scored] = trainer.best_logits(net, np.flatnonzero(fold == scored))
            print(f"verifier: inner model for folds {first + 1}+{second + 1} ({time.monotonic() - started:.0f} s)",
                  flush=True)
    fit_grader.WORK.mkdir(parents=True, exist_ok=True)
    np.savez(cached, out_of_fold=out_of_fold, inner=inner)
    return Scores(out_of_fold, inner)


def _trainer(examples: list[fit_grader.Example]) -> Trainer:
    labels = np.array([example.label for example in examples])
    weights = np.array([example.weight for example in examples])
    return Trainer(token_table(examples), labels, weights)


def write_weights(examples: list[fit_grader.Example]) -> str:
    """Trains on every answer and writes quizzer/grading/offline/verifier.npz; returns its version."""
    trainer = _trainer(examples)
    net = trainer.train(np.arange(len(examples)))
    arrays = {name: value.detach().numpy().astype(np.float32) for name, value in net.state_dict().items()}
    digest = hashlib.sha256(b"".join(arrays[name].tobytes() for name in sorted(arrays))).hexdigest()[:8]
    version = f"verifier-{digest}"
    (fit_grader.PACKAGE / WEIGHTS_FILE).write_bytes(_npz_bytes({"version": np.array(version), **arrays}))
    print(f"wrote {fit_grader.PACKAGE / WEIGHTS_FILE} ({version})")
    return version


def _npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    """An .npz archive with fixed member timestamps (np.savez stamps the current time), so a refit with the same
    weights writes the same bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(arrays):
            member = io.BytesIO()
            np.lib.format.write_array(member, arrays[name], allow_pickle=False)
            archive.writestr(zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0)), member.getvalue(),
                             compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def load_version() -> str:
    from quizzer.grading.offline.verifier import load_verifier

    return load_verifier().version


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cv-only", action="store_true", help="compute the cross-validation scores, write nothing")
    arguments = parser.parse_args()
    examples = fit_grader.load_examples()
    idf = fit_grader.fit_idf(examples)
    from quizzer.grading.offline.alignment import use_idf_table

    use_idf_table(idf)
    scores = verifier_scores(examples, idf)
    out_of_fold = scores.out_of_fold
    fit_grader.report(examples, [("verifier alone (out of fold, logit > 0)", (out_of_fold, out_of_fold >= 0))])
    if not arguments.cv_only:
        write_weights(examples)


if __name__ == "__main__":
    main()
