"""Grouped cross-validation of the grader on each encoder backend's evidence (run by backend_agreement.py --cv).

The same folds and models as fit_grader.py. The verifier's scores come from verifiers trained as fit_verifier.py
trains them, on fp32 token vectors (as the shipped verifier is), each one scoring both backends' vectors; or,
with --cv-quick, from the shipped verifier.
"""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import numpy as np

import fit_grader
import fit_verifier
from quizzer.grading.offline.embedder import ONNX_INT8, TORCH


def verifier_scores(examples: list[fit_grader.Example], idf: dict[str, object],
                    onnx_file: Path | None) -> dict[str, fit_verifier.Scores]:
    """Out-of-fold and inner verifier scores per backend, from the same verifiers (trained on fp32 vectors)."""
    from backend_agreement import file_digest

    key = fit_verifier._cache_key(examples, idf) + file_digest(onnx_file)
    cached = fit_grader.WORK / f"verifier-scores-backends-{hashlib.sha256(key.encode()).hexdigest()[:12]}.npz"
    if cached.exists():
        with np.load(cached) as data:
            return {backend: fit_verifier.Scores(data[f"{backend}-oof"], data[f"{backend}-inner"])
                    for backend in (TORCH, ONNX_INT8)}
    labels = np.array([example.label for example in examples])
    weights = np.array([example.weight for example in examples])
    trainers = {TORCH: fit_verifier.Trainer(fit_verifier.token_table(examples), labels, weights),
                ONNX_INT8: fit_verifier.Trainer(fit_verifier.token_table(examples, ONNX_INT8, onnx_file), labels,
                                                weights)}
    fold = fit_grader.fold_numbers(examples)
    out_of_fold = {backend: np.zeros(len(examples)) for backend in trainers}
    inner = {backend: np.full((fit_grader.FOLDS, len(examples)), np.nan) for backend in trainers}
    started = time.monotonic()
    for test in range(fit_grader.FOLDS):
        net = trainers[TORCH].train(np.flatnonzero(fold != test))
        for backend, trainer in trainers.items():
            out_of_fold[backend][fold == test] = trainer.best_logits(net, np.flatnonzero(fold == test))
        print(f"verifier: out-of-fold model {test + 1}/{fit_grader.FOLDS} ({time.monotonic() - started:.0f} s)",
              flush=True)
    for first in range(fit_grader.FOLDS):
        for second in range(first + 1, fit_grader.FOLDS):
            net = trainers[TORCH].train(np.flatnonzero((fold != first) & (fold != second)))
            for backend, trainer in trainers.items():
                for outer, scored in ((first, second), (second, first)):
                    inner[backend][outer, fold == scored] = trainer.best_logits(net, np.flatnonzero(fold == scored))
            print(f"verifier: inner model for folds {first + 1}+{second + 1} ({time.monotonic() - started:.0f} s)",
                  flush=True)
    np.savez(cached, **{f"{backend}-oof": out_of_fold[backend] for backend in trainers},
             **{f"{backend}-inner": inner[backend] for backend in trainers})
    return {backend: fit_verifier.Scores(out_of_fold[backend], inner[backend]) for backend in trainers}


def report(examples: list[fit_grader.Example], onnx_file: Path | None, quick: bool = False) -> None:
    """`quick`: the shipped verifier's logits instead of nested cross-validation scores (no training, minutes instead
    of half an hour; the figures are optimistic, since that verifier was trained on these answers, but both backends
    are scored the same way, so their difference still reads true)."""
    from quizzer.grading.offline.alignment import use_idf_table

    idf = fit_grader.fit_idf(examples)
    use_idf_table(idf)  # as fit_grader.py cross-validates: with the table fitted on these answers
    scores = None if quick else verifier_scores(examples, idf, onnx_file)
    every = [name for group in fit_grader.FEATURE_GROUPS.values() for name in group]
    rows = []
    shipped = {}
    for backend in (TORCH, ONNX_INT8):
        table = fit_grader.feature_table(examples, idf, backend=backend, onnx_file=onnx_file)
        if scores is None:
            oof = table.matrix[:, table.names.index("verifier")].copy()
            scores_here = fit_verifier.Scores(oof, np.tile(oof, (fit_grader.FOLDS, 1)))
        else:
            scores_here = scores[backend]
            fit_grader.use_verifier_scores(table, scores_here.out_of_fold)
        oof = shipped[backend] = scores_here.out_of_fold
        rows += [
            (f"{backend}: cosine threshold", fit_grader.cross_validate(examples, table, ["cos_ref_max"], "cosine")),
            (f"{backend}: verifier alone (logit > 0)", (oof, oof >= 0)),
            (f"{backend}: logistic + boosting without the verifier",
             fit_grader.cross_validate(examples, table, [name for name in every if name != "verifier"], "blend")),
            (f"{backend}: shipped blend (logistic + boosting)" + (", in-sample verifier" if quick else ""),
             fit_grader.cross_validate(examples, table, every, "blend", scores_here.inner)),
        ]
    fit_grader.report(examples, rows)
    shift = np.abs(shipped[TORCH] - shipped[ONNX_INT8])
    print(f"{'shipped' if quick else 'out-of-fold'} verifier logits (best reference), int8 against fp32: mean abs."
          f" change {shift.mean():.4f}, max {shift.max():.3f},"
          f" same sign {np.mean((shipped[TORCH] >= 0) == (shipped[ONNX_INT8] >= 0)):.2%}")
