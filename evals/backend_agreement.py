"""How far the onnx-int8 encoder moves the embedding grader's grades from torch's (fp32), on the training answers.

    .venv/bin/python evals/backend_agreement.py                # verdicts, probabilities, verifier logits
    .venv/bin/python evals/backend_agreement.py --cv           # and grouped cross-validation on each backend's evidence
    .venv/bin/python evals/backend_agreement.py --cv-quick     # the same with the shipped verifier's logits (minutes)
    .venv/bin/python evals/backend_agreement.py --onnx-file F  # another ONNX MiniLM file in place of the built one

Grades every answer fit_grader.py trains on (SciEntsBank, Beetle, SAF, the interview answers) with the shipped
grader twice, once per backend, and counts identical verdicts, per set. Grades are cached in /tmp/quizzer-fit,
keyed by the grading code, the shipped parameters and the ONNX file.

`--cv` repeats fit_grader.py's grouped cross-validation (same folds, same models) on evidence computed with each
backend. The verifier's out-of-fold and inner scores come from verifiers trained as fit_verifier.py trains
them (on fp32 token vectors, as the shipped one is), each scoring both backends' token vectors: what the int8
backend would see of a verifier fitted on fp32. The first run trains 15 verifiers (about 20 minutes on 2 cores).
`--cv-quick` uses the shipped verifier's logits instead: optimistic figures (it was trained on these answers), but
the same for both backends, so their difference holds.
The training splits are read from ../shared/datasets (QUIZZER_DATASETS names another folder).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fit_grader  # noqa: E402

fit_grader.DATASETS = Path(os.environ.get("QUIZZER_DATASETS", fit_grader.DATASETS))

from quizzer.grading.offline.embedder import ONNX_INT8, TORCH, Embedder  # noqa: E402

def grading_code(backend: str) -> bytes:
    """Every file of the offline grader (code, word lists, fitted parameters), for the grades' cache key; torch's
    key leaves out the ONNX encoder's module, which torch never imports (a new int8 recipe keeps torch's grades)."""
    return b"".join(path.read_bytes() for path in sorted(fit_grader.PACKAGE.rglob("*"))
                    if path.is_file() and path.suffix in (".py", ".json", ".npz", ".txt", ".onnx")
                    and not (backend == TORCH and path.name == "onnx_encoder.py"))


def file_digest(path: Path | None) -> str:
    """The int8 file's digest: `path`'s, or (None) that of the file built from the packaged weights."""
    if path is None:
        from quizzer.storage.embeddings import EmbeddingCache

        embedder = Embedder(store=EmbeddingCache(fit_grader.WORK / "cache"), backend=ONNX_INT8)
        return embedder.cache_key.rsplit(":", 1)[-1]  # builds the file first if it is not there yet
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def graded(examples: list[fit_grader.Example], backend: str, onnx_file: Path | None) -> dict[str, np.ndarray]:
    """Verdict, probability and best verifier logit of every example, graded by the shipped grader on `backend`."""
    from quizzer.grading.offline.decision import load_decision_model
    from quizzer.grading.offline.embedding import EmbeddingGrader

    digest = hashlib.sha256(grading_code(backend))
    digest.update(repr([example.submission for example in examples]).encode())
    digest.update(f"{backend} {file_digest(onnx_file) if backend != TORCH else ''}".encode())
    cached = fit_grader.WORK / f"grades-{backend}-{digest.hexdigest()[:12]}.npz"
    if cached.exists():
        with np.load(cached) as data:
            return dict(data)
    from quizzer.storage.embeddings import EmbeddingCache

    embedder = Embedder(store=EmbeddingCache(fit_grader.WORK / "cache"), backend=backend, onnx_file=onnx_file)
    embedder.warm_up()  # a failed int8 load warns and falls back to torch: refuse that here
    if embedder.backend != backend:
        raise SystemExit(f"the {backend} backend did not load")
    grader = EmbeddingGrader(embedder, load_decision_model())
    started = time.monotonic()
    grades = []
    submissions = [example.submission for example in examples]
    for start in range(0, len(submissions), 256):
        grades += grader.grade_batch(submissions[start : start + 256])
    print(f"{backend}: graded {len(grades)} answers in {time.monotonic() - started:.0f} s", flush=True)
    result = {
        "verdict": np.array([grade.verdict.value for grade in grades]),
        "probability": np.array([grade.probability for grade in grades], dtype=np.float64),
        "verifier": np.array([grade.evidence["verifier_ref"] for grade in grades], dtype=np.float64),
        "cos_ref": np.array([grade.evidence["cos_ref"] for grade in grades], dtype=np.float64),
    }
    fit_grader.WORK.mkdir(parents=True, exist_ok=True)
    np.savez(cached, **result)
    return result


def agreement_report(examples: list[fit_grader.Example], fp32: dict[str, np.ndarray], int8: dict[str, np.ndarray]) -> None:
    sets = np.array([example.dataset for example in examples])
    labels = np.array([example.label for example in examples]).astype(bool)
    print("| set | answers | identical verdicts | mean / max abs. probability change | verifier logit: mean / max abs."
          " change, correlation | correct verdicts right (fp32 -> int8) |")
    print("|---|---|---|---|---|---|")
    for name in [*dict.fromkeys(sets), "all"]:
        mask = sets == name if name != "all" else np.ones(len(sets), bool)
        same = (fp32["verdict"][mask] == int8["verdict"][mask]).mean()
        probability = np.abs(fp32["probability"][mask] - int8["probability"][mask])
        # The verifier's logit on the reference the answer was graded against (the one shown on the grade).
        logits = np.abs(fp32["verifier"][mask] - int8["verifier"][mask])
        correlation = np.corrcoef(fp32["verifier"][mask], int8["verifier"][mask])[0, 1]
        right = [labels[mask][grades["verdict"][mask] == "correct"].mean() for grades in (fp32, int8)]
        print(f"| {name} | {mask.sum()} | {same:.2%} ({int((~(fp32['verdict'][mask] == int8['verdict'][mask])).sum())}"
              f" differ) | {probability.mean():.4f} / {probability.max():.3f} | {logits.mean():.4f} / {logits.max():.3f},"
              f" {correlation:.4f} | {right[0]:.3f} -> {right[1]:.3f} |")
    shift = int8["probability"] - fp32["probability"]
    print(f"probability change int8 - fp32: mean {shift.mean():+.4f} (a bias a recalibration could remove), median"
          f" {np.median(shift):+.4f}; |change| > 0.05 for {np.mean(np.abs(shift) > 0.05):.2%} of answers")
    moved = Counter(f"{a} -> {b}" for a, b in zip(fp32["verdict"], int8["verdict"]) if a != b)
    print("verdicts that moved: " + ", ".join(f"{change} {count}" for change, count in moved.most_common()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cv", action="store_true", help="also cross-validate on each backend's evidence")
    parser.add_argument("--cv-quick", action="store_true",
                        help="cross-validate with the shipped verifier's logits (no verifier training; paired figures)")
    parser.add_argument("--onnx-file", type=Path,
                        help="an ONNX MiniLM file in place of the int8 one built from the packaged weights")
    arguments = parser.parse_args()
    examples = fit_grader.load_examples()
    print(f"{len(examples)} answers: " + ", ".join(f"{k} {v}" for k, v in Counter(e.dataset for e in examples).items()))
    fp32 = graded(examples, TORCH, None)
    int8 = graded(examples, ONNX_INT8, arguments.onnx_file)
    agreement_report(examples, fp32, int8)
    if arguments.cv or arguments.cv_quick:
        import backend_cv

        backend_cv.report(examples, arguments.onnx_file, quick=not arguments.cv)


if __name__ == "__main__":
    main()
