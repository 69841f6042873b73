"""Cross-validates the grader's evidence computed with another sentence-transformers model in place of MiniLM.

    .venv/bin/python evals/try_encoder.py MODEL_DIR

Every feature is computed from MODEL_DIR's vectors (encodings cached beside fit_grader.py's, keyed by model);
the verifier logits are MiniLM's out-of-fold ones from `fit_grader.py`'s cache (run it first), since the
verifier only reads the token vectors of the model it was trained on. Prints the same table as `fit_grader.py`; writes nothing into the
repository. evals/README.md has the result for all-mpnet-base-v2.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import fit_grader  # noqa: E402
import fit_verifier  # noqa: E402
from quizzer.grading.offline.alignment import use_idf_table  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", type=Path, help="a sentence-transformers model directory")
    model = str(parser.parse_args().model.resolve())
    examples = fit_grader.load_examples()
    idf = fit_grader.fit_idf(examples)
    use_idf_table(idf)
    verifier = fit_verifier.verifier_scores(examples, idf)  # from the cache, on MiniLM's vectors
    table = fit_grader.feature_table(examples, idf, model)
    fit_grader.use_verifier_scores(table, verifier.out_of_fold)
    every = [name for group in fit_grader.FEATURE_GROUPS.values() for name in group]
    without_verifier = [name for name in every if name != "verifier"]
    cv = fit_grader.cross_validate
    fit_grader.report(examples, [
        ("cosine threshold (fitted per fold)", cv(examples, table, ["cos_ref_max"], "cosine")),
        ("logistic regression, no verifier", cv(examples, table, without_verifier)),
        ("logistic + boosting, no verifier", cv(examples, table, without_verifier, "blend")),
        ("logistic + boosting with MiniLM's verifier", cv(examples, table, every, "blend", verifier.inner)),
    ])


if __name__ == "__main__":
    main()
