"""Fits the embedding grader's decision model and IDF table, and prints grouped cross-validation figures.

    .venv/bin/python evals/fit_grader.py            # cross-validate, then write the shipped parameters
    .venv/bin/python evals/fit_grader.py --cv-only  # figures only

The decision model's inputs include the trained verifier's logit; its honest cross-validation scores come
from evals/fit_verifier.py (about 20 minutes on 2 cores the first time, then cached).

Reads the training splits in ../shared/datasets (SciEntsBank 2-way, Beetle 2-way, SAF correct vs not)
and, when present, evals/interview_answers.jsonl (in-domain answers to the bundled decks). Folds are
grouped by question (GroupKFold), so a model is never scored on a question it was fitted on. Encodings
are cached under /tmp/quizzer-fit so reruns are quick. Fixed seed; the output is reproducible.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import sys
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from quizzer.core.types import Submission  # noqa: E402
from quizzer.grading.offline import text as text_tools  # noqa: E402

# ../shared/datasets beside the checkout; QUIZZER_DATASETS where the checkout lives elsewhere (a git worktree).
DATASETS = Path(os.environ.get("QUIZZER_DATASETS") or REPO.parent / "shared" / "datasets")
INTERVIEW = REPO / "evals" / "interview_answers.jsonl"
WORK = Path("/tmp/quizzer-fit")
PACKAGE = REPO / "quizzer" / "grading" / "offline"
SEED = 13
FOLDS = 5
# In-domain answers are few but are what the grader is for: weigh each like this many training answers.
INTERVIEW_WEIGHT = 3.0


@dataclass(frozen=True)
class Example:
    dataset: str
    group: str
    submission: Submission
    label: int  # 1 correct, 0 not
    weight: float = 1.0


TRAINING_SETS = (("SciEntsBank", "semeval2013_scientsbank"), ("Beetle", "semeval2013_beetle"),
                 ("SAF", "saf_communication_networks_en"))


def training_files() -> list[dict[str, str]]:
    """Name and sha256 of every labelled file the grader is fitted on (recorded in grader_params.json)."""
    paths = [DATASETS / folder / "train.jsonl" for _, folder in TRAINING_SETS]
    paths += [INTERVIEW] if INTERVIEW.exists() else []
    return [
        {"name": str(path.relative_to(REPO if path.is_relative_to(REPO) else DATASETS.parent)),
         "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}
        for path in paths
    ]


def load_examples() -> list[Example]:
    examples: list[Example] = []
    for name, folder in TRAINING_SETS:
        for line in (DATASETS / folder / "train.jsonl").read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            references = tuple(row.get("references") or [row["reference"]])
            label = row.get("label_2way") or row["label"]
            examples.append(Example(
                name, f"{name}:{row['question_id']}",
                Submission(question=row["question"], references=references, answer=row["answer"]),
                int(str(label).lower() == "correct"),
            ))
    if INTERVIEW.exists():
        examples.extend(_interview_examples())
    return examples


def _interview_examples() -> list[Example]:
    examples = []
    for line in INTERVIEW.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        references = tuple(row.get("references") or ([row["reference"]] if row.get("reference") else []))
        label = str(row.get("label", "")).lower()
        if not references or not row.get("question") or label not in ("correct", "partial", "incorrect"):
            continue
        examples.append(Example(
            "Interview", f"Interview:{row.get('card_id') or row['question']}",
            Submission(row["question"], references, row.get("answer") or "", tuple(row.get("key_points") or ()),
                       notes=_card_notes(row)),
            int(label == "correct"), INTERVIEW_WEIGHT,
        ))
    return examples


def _card_notes(row: dict) -> str:
    """The notes of an interview answer's card (the claim checks read them; the evidence does not)."""
    card = _bundled_cards().get((row.get("deck"), row.get("card_id")))
    return card.notes if card is not None else ""


@lru_cache(maxsize=1)
def _bundled_cards() -> dict:
    from quizzer.deck.catalog import bundled_decks
    from quizzer.deck.loader import load_deck

    return {(deck.name, card.id): card for deck in map(load_deck, bundled_decks()) for card in deck.cards}


# -- IDF --------------------------------------------------------------------------------------
def fit_idf(examples: list[Example]) -> dict[str, object]:
    """Document frequencies over general English (STS-B sentences) plus every question and reference.

    Learners' answers are left out: they repeat the topic's words so often that those would look worthless.
    """
    documents: list[str] = []
    for split in ("train",):
        for line in (DATASETS / "stsb" / f"{split}.jsonl").read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            documents += [row["reference"], row["answer"]]
    seen: set[str] = set()
    for example in examples:
        for document in (example.submission.question, *example.submission.references):
            if document not in seen:
                seen.add(document)
                documents.append(document)
    word_counts: Counter[str] = Counter()
    stem_counts: Counter[str] = Counter()
    for document in documents:
        tokens = {match.group(0).lower() for match in text_tools.WORD_PATTERN.finditer(document)}
        word_counts.update(token for token in tokens if token.isalnum())
        stem_counts.update(set(text_tools.content_stems(document)))
    total = len(documents)

    def idf(count: int) -> float:
        return round(math.log((total + 1) / (count + 1)), 3)

    return {
        "documents": total,
        "unseen": idf(0),
        "words": {word: idf(count) for word, count in sorted(word_counts.items()) if count >= 2},
        "stems": {item: idf(count) for item, count in sorted(stem_counts.items()) if count >= 2},
    }


# -- features ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Features:
    """Evidence rows: `matrix` against each answer's closest reference (fitted on), `candidates` against every
    reference with `owner` naming the answer (scored on: the grader takes the likeliest reference)."""

    names: list[str]
    matrix: np.ndarray
    candidates: np.ndarray
    owner: np.ndarray

    def columns(self, columns: list[str]) -> tuple[np.ndarray, np.ndarray]:
        picked = [self.names.index(column) for column in columns]
        return self.matrix[:, picked], self.candidates[:, picked]


def package_source(*names: str) -> str:
    """The text of these quizzer/grading modules, for cache keys: cached numbers go stale when it changes."""
    return "".join((PACKAGE / name).read_text() for name in names)


def feature_table(examples: list[Example], idf: dict[str, object], model: str | None = None, backend: str = "torch",
                  onnx_file: Path | None = None) -> Features:
    """The evidence for every example, from the bundled embedding model or another (`model`, for comparison), run by
    torch or another backend (evals/backend_agreement.py)."""
    from quizzer.grading.offline.embedder import Embedder
    from quizzer.grading.offline.evidence import closest, collect_evidence
    from quizzer.storage.embeddings import EmbeddingCache

    embedder = Embedder(model, EmbeddingCache(WORK / "cache"), backend, onnx_file)
    code = package_source("evidence.py", "alignment.py", "text.py", "shorthand.py")
    code += json.dumps(idf, sort_keys=True) + embedder.cache_key
    key = hashlib.sha256((code + str(len(examples))).encode()).hexdigest()[:12]
    cached = WORK / f"features-{key}.npz"
    if cached.exists():
        data = np.load(cached, allow_pickle=False)
        return Features(list(data["names"]), data["matrix"], data["candidates"], data["owner"])
    candidates = collect_evidence(embedder, [example.submission for example in examples], cache_answers=True)
    names = sorted(candidates[0][0].features)
    row = lambda item: [item.features[name] for name in names]  # noqa: E731
    matrix = np.array([row(closest(items)) for items in candidates], dtype=np.float64)
    every = np.array([row(item) for items in candidates for item in items], dtype=np.float64)
    owner = np.array([index for index, items in enumerate(candidates) for _ in items])
    WORK.mkdir(parents=True, exist_ok=True)
    np.savez(cached, names=np.array(names), matrix=matrix, candidates=every, owner=owner)
    return Features(names, matrix, every, owner)


# -- models -----------------------------------------------------------------------------------
def fit_logistic(x: np.ndarray, y: np.ndarray, weights: np.ndarray, c: float = 1.0):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    model = make_pipeline(StandardScaler(), LogisticRegression(C=c, max_iter=2000))
    model.fit(x, y, logisticregression__sample_weight=weights)
    return model


def fit_boosting(x: np.ndarray, y: np.ndarray, weights: np.ndarray):
    from sklearn.ensemble import HistGradientBoostingClassifier

    model = HistGradientBoostingClassifier(max_iter=200, learning_rate=0.05, max_leaf_nodes=15,
                                           min_samples_leaf=40, random_state=SEED)
    model.fit(x, y, sample_weight=weights)
    return model


def fit_predictor(kind: str, x: np.ndarray, y: np.ndarray, weights: np.ndarray):
    """A function from evidence rows to P(correct): logistic, boosting, or both with their logits averaged."""
    if kind == "logistic":
        model = fit_logistic(x, y, weights)
        return lambda rows: model.predict_proba(rows)[:, 1]
    if kind == "boosting":
        model = fit_boosting(x, y, weights)
        return lambda rows: model.predict_proba(rows)[:, 1]
    logistic, boosting = fit_logistic(x, y, weights), fit_boosting(x, y, weights)
    return lambda rows: _sigmoid((_logit(logistic.predict_proba(rows)[:, 1]) + _logit(boosting.predict_proba(rows)[:, 1])) / 2)


def best_threshold(scores: np.ndarray, y: np.ndarray) -> float:
    from sklearn.metrics import f1_score

    candidates = np.quantile(scores, np.linspace(0.02, 0.98, 97))
    return float(max(candidates, key=lambda t: f1_score(y, scores >= t, average="weighted")))


def fold_numbers(examples: list[Example]) -> np.ndarray:
    """Each example's fold (GroupKFold by question, shuffled with SEED): the folds every model here and the
    verifier's cross-validation (evals/fit_verifier.py) share."""
    from sklearn.model_selection import GroupKFold

    groups = np.array([example.group for example in examples])
    fold = np.zeros(len(examples), np.int64)
    splitter = GroupKFold(n_splits=FOLDS, shuffle=True, random_state=SEED)
    for number, (_, test) in enumerate(splitter.split(np.zeros(len(examples)), groups=groups)):
        fold[test] = number
    return fold


def cross_validate(examples, table: Features, columns, kind="logistic", inner: np.ndarray | None = None):
    """Out-of-fold P(correct) (or cosine) and decisions for every example; folds grouped by question.

    `inner` (folds, examples): the verifier's scores for the rows a fold's model is fitted on, from verifiers
    that saw neither that fold nor the row (see evals/fit_verifier.py); the table holds its out-of-fold scores.
    """
    x, candidates = table.columns(columns)
    y = np.array([example.label for example in examples])
    weights = np.array([example.weight for example in examples])
    predictions = np.zeros(len(examples), dtype=bool)
    probabilities = np.zeros(len(examples))
    fold_of = fold_numbers(examples)
    for fold in range(FOLDS):
        train, test = np.flatnonzero(fold_of != fold), np.flatnonzero(fold_of == fold)
        if "verifier" in columns:
            assert inner is not None, "the verifier column needs its inner scores"
            x = x.copy()
            x[train, columns.index("verifier")] = inner[fold, train]
        if kind == "cosine":
            cut = best_threshold(x[train, 0], y[train])
            probabilities[test] = x[test, 0]
            predictions[test] = x[test, 0] >= cut
            continue
        predict = fit_predictor(kind, x[train], y[train], weights[train])
        rows = np.isin(table.owner, test)
        scores = np.full(len(examples), -1.0)
        np.maximum.at(scores, table.owner[rows], predict(candidates[rows]))
        probabilities[test] = scores[test]
        predictions[test] = probabilities[test] >= 0.5
    return probabilities, predictions


def report(examples, rows) -> None:
    from sklearn.metrics import f1_score, roc_auc_score

    datasets = sorted({example.dataset for example in examples}, key=["SciEntsBank", "Beetle", "SAF", "Interview"].index)
    y = np.array([example.label for example in examples])
    sets = np.array([example.dataset for example in examples])
    print(f"| approach | {' | '.join(datasets)} | AUC ({datasets[0]}) |")
    print("|---" * (len(datasets) + 2) + "|")
    for label, (probabilities, predictions) in rows:
        cells = [f"{f1_score(y[sets == d], predictions[sets == d], average='weighted'):.3f}" for d in datasets]
        mask = sets == datasets[0]
        print(f"| {label} | {' | '.join(cells)} | {roc_auc_score(y[mask], probabilities[mask]):.3f} |")


def use_verifier_scores(table: Features, out_of_fold: np.ndarray) -> None:
    """Puts the verifier's out-of-fold scores in the table: the shipped verifier was fitted on these answers,
    so its own scores would be in-sample. (The per-reference score is shown on grades, not fitted on.)"""
    column = table.names.index("verifier")
    table.matrix[:, column] = out_of_fold
    table.candidates[:, column] = out_of_fold[table.owner]


FEATURE_GROUPS = {
    "trained verifier": ["verifier"],
    "sentence cosines": ["cos_ref", "cos_ref_max", "cos_q"],
    "token alignment": ["align_p", "align_r", "align_f", "align_f_max", "align_r_new", "align_p_q", "align_p_new",
                        "align_r_hard", "align_r_new_max", "align_r_hard_loose", "align_r_hard_strict", "align_r_soft",
                        "term_cover_min", "term_cover_second", "term_uncovered"],
    "card context": ["ref_len", "new_share", "n_refs", "cos_ref_q"],
    "word overlap": ["new_recall", "new_recall_max", "new_precision", "q_overlap_p", "missing_terms"],
    "negation and numbers": ["neg_flip", "neg_denies", "neg_mismatch", "opposite", "num_missing", "num_extra"],
    "key points": ["kp_covered", "kp_min", "kp_mean"],
    "length": ["log_len", "len_ratio", "dont_know"],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cv-only", action="store_true", help="print the figures, write nothing")
    arguments = parser.parse_args()
    examples = load_examples()
    print(f"{len(examples)} answers: " + ", ".join(f"{k} {v}" for k, v in Counter(e.dataset for e in examples).items()))
    idf = fit_idf(examples)
    from quizzer.grading.offline.alignment import use_idf_table

    # Cross-validate with the table just fitted, in memory: --cv-only writes nothing into the package.
    use_idf_table(idf)
    import fit_verifier

    verifier = fit_verifier.verifier_scores(examples, idf)
    # The grader computes the shipped verifier's logit as evidence, so write it before the evidence is
    # computed (its scores on these answers are replaced by the out-of-fold ones below).
    verifier_version = fit_verifier.load_version() if arguments.cv_only else fit_verifier.write_weights(examples)
    table = feature_table(examples, idf)
    use_verifier_scores(table, verifier.out_of_fold)
    every = [name for group in FEATURE_GROUPS.values() for name in group]
    without_verifier = [name for name in every if name != "verifier"]
    inner = verifier.inner
    rows = [("cosine threshold (fitted per fold)", cross_validate(examples, table, ["cos_ref_max"], "cosine")),
            ("verifier alone (logit > 0)", (verifier.out_of_fold, verifier.out_of_fold >= 0)),
            ("grader: all evidence, logistic regression", cross_validate(examples, table, every, inner=inner))]
    for group, columns in FEATURE_GROUPS.items():
        rest = [name for name in every if name not in columns]
        rows.append((f"  without {group}", cross_validate(examples, table, rest, inner=inner)))
    rows.append(("all evidence, gradient boosting", cross_validate(examples, table, every, "boosting", inner)))
    rows.append(("logistic + boosting without the verifier (shipped before)",
                 cross_validate(examples, table, without_verifier, "blend")))
    shipped = cross_validate(examples, table, every, "blend", inner)
    rows.append(("**shipped: logistic + boosting, logits averaged**", shipped))
    report(examples, rows)
    probabilities = shipped[0]
    thresholds = band_thresholds(examples, probabilities)
    print("thresholds from out-of-fold probabilities:", json.dumps(thresholds))
    labels = np.array([example.label for example in examples])
    contradicts = table.columns(["contradicts"])[0][:, 0] > 0
    for dataset in sorted({example.dataset for example in examples}):
        mask = contradicts & np.array([example.dataset == dataset for example in examples])
        print(f"{dataset}: the contradiction rule (never correct) fires on {mask.sum()} answers,"
              f" {labels[mask].mean() if mask.any() else 0:.0%} of them labelled correct")
    verifier_doubt_report(examples, probabilities, verifier.out_of_fold, thresholds)
    claims_report(examples, probabilities, thresholds)
    print(f"cosine threshold on all training answers: {best_threshold(table.columns(['cos_ref_max'])[0][:, 0], labels):.2f}")
    if not arguments.cv_only:
        (PACKAGE / "idf.json").write_text(json.dumps(idf, indent=0, sort_keys=True) + "\n", encoding="utf-8")
        write_params(examples, table, every, thresholds, verifier_version)


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-z))


def band_thresholds(examples: list[Example], probabilities: np.ndarray) -> dict[str, float]:
    """An uncertain band around 0.5 holding the 15 % of out-of-fold answers the model is least sure of."""
    y = np.array([example.label for example in examples])
    distance = np.abs(probabilities - 0.5)
    width = float(np.quantile(distance, 0.15))
    low, high = round(0.5 - width, 2), round(0.5 + width, 2)
    inside = (probabilities >= low) & (probabilities < high)
    accuracy = lambda mask: float(np.mean((probabilities[mask] >= 0.5) == y[mask]))  # noqa: E731
    print(f"uncertain band [{low}, {high}): {inside.mean():.1%} of answers; accuracy inside {accuracy(inside):.3f},"
          f" outside {accuracy(~inside):.3f}")
    return {"correct_above": high, "uncertain_high": high, "uncertain_low": low,
            "incorrect_below": round(max(low - 0.1, 0.0), 2)}


def verifier_doubt_report(examples: list[Example], probabilities: np.ndarray, verifier: np.ndarray,
                          thresholds: dict[str, float]) -> None:
    """What the verifier's-doubt rule (quizzer/grading/offline/feedback.py) does out of fold: the answers in the correct band
    it makes uncertain, how many of them are right, and the correct verdicts' precision before and after."""
    from quizzer.core.types import Verdict
    from quizzer.grading.offline.bands import Bands
    from quizzer.grading.offline.feedback import VERIFIER_DOUBT

    y = np.array([example.label for example in examples]).astype(bool)
    sets = np.array([example.dataset for example in examples])
    bands = Bands(**thresholds)
    verdicts = np.array([bands.verdict(float(p)).value for p in probabilities])
    uncertain, correct = verdicts == Verdict.UNCERTAIN.value, verdicts == Verdict.CORRECT.value
    moved = correct & (verifier < VERIFIER_DOUBT)
    share = lambda mask: f"{y[mask].mean():.0%}" if mask.any() else "-"  # noqa: E731
    for name in [*dict.fromkeys(sets), "all"]:
        mask = sets == name if name != "all" else np.ones(len(y), bool)
        print(f"{name}: the verifier's doubt (logit < {VERIFIER_DOUBT}) makes {int((moved & mask).sum())} answers in"
              f" the correct band uncertain, {share(moved & mask)} of them labelled correct; uncertain"
              f" {uncertain[mask].mean():.1%} -> {(uncertain | moved)[mask].mean():.1%}; correct verdicts right"
              f" {y[correct & mask].mean():.3f} -> {y[correct & ~moved & mask].mean():.3f}")


def claims_report(examples: list[Example], probabilities: np.ndarray, thresholds: dict[str, float]) -> None:
    """What the claim checks (quizzer/grading/offline/claims.py) do out of fold: answers in the correct band with a claim that
    contradicts a reference or key point become incorrect, with a doubtful one uncertain; how many of them are right,
    and weighted F1 (correct vs not) of the decisions before and after. The probability is unchanged."""
    from sklearn.metrics import f1_score

    from quizzer.grading.offline.card_checks import card_claims

    y = np.array([example.label for example in examples]).astype(bool)
    sets = np.array([example.dataset for example in examples])
    correct = probabilities >= thresholds["correct_above"]
    contradicted, doubtful = np.zeros(len(y), bool), np.zeros(len(y), bool)
    for index, example in enumerate(examples):
        submission = example.submission
        if not correct[index]:
            continue
        check = card_claims(submission)  # as the grader: claims are checked only on cards with key points
        contradicted[index] = check.contradicted is not None
        doubtful[index] = check.contradicted is None and check.doubtful is not None
    decided = probabilities >= 0.5
    share = lambda mask: f"{y[mask].mean():.0%}" if mask.any() else "-"  # noqa: E731
    for name in [*dict.fromkeys(sets), "all"]:
        mask = sets == name if name != "all" else np.ones(len(y), bool)
        before = f1_score(y[mask], decided[mask], average="weighted")
        after = f1_score(y[mask], (decided & ~contradicted)[mask], average="weighted")
        print(f"{name}: the claim checks make {int((contradicted & mask).sum())} answers in the correct band incorrect"
              f" ({share(contradicted & mask)} of them labelled correct) and {int((doubtful & mask).sum())} uncertain"
              f" ({share(doubtful & mask)}); correct verdicts right {y[correct & mask].mean():.3f} ->"
              f" {y[correct & ~contradicted & ~doubtful & mask].mean():.3f}; weighted F1 at 0.5 {before:.3f} -> {after:.3f}")


def write_params(examples, table: Features, columns, thresholds, verifier_version: str) -> None:
    from quizzer.grading.offline.decision import DecisionModel, TreeEnsemble

    x, _ = table.columns(columns)
    y = np.array([example.label for example in examples])
    weights = np.array([example.weight for example in examples])

    model = fit_logistic(x, y, weights)
    boosting = fit_boosting(x, y, weights)
    scaler, logistic = model.named_steps["standardscaler"], model.named_steps["logisticregression"]
    data_hash = hashlib.sha256(x.tobytes()).hexdigest()[:8]
    # The two models' logits are averaged: halve the logistic weights and every tree's leaf values.
    trees = tuple(
        tuple(
            (-1.0 if node["is_leaf"] else float(node["feature_idx"]), float(node["num_threshold"]),
             float(node["left"]), float(node["right"]), round(0.5 * float(node["value"]), 6),
             float(node["missing_go_to_left"]))
            for node in predictors[0].nodes
        )
        for predictors in boosting._predictors
    )
    baseline = float(np.ravel(boosting._baseline_prediction)[0])
    params = DecisionModel(
        version=f"blend-{len(columns)}f-{data_hash}-{verifier_version}",
        features=tuple(columns),
        mean=tuple(round(float(v), 6) for v in scaler.mean_),
        scale=tuple(round(float(v), 6) for v in scaler.scale_),
        coef=tuple(round(0.5 * float(v), 6) for v in logistic.coef_[0]),
        intercept=round(0.5 * float(logistic.intercept_[0]) + 0.5 * baseline, 6),
        defaults=thresholds,
        trees=TreeEnsemble(trees),
        training_files=tuple(training_files()),
    )
    expected = _sigmoid((_logit(model.predict_proba(x[:300])[:, 1]) + _logit(boosting.predict_proba(x[:300])[:, 1])) / 2)
    shipped = np.array([params.probability(dict(zip(columns, row))) for row in x[:300]])
    print("max |shipped - fitted| probability on 300 rows:", float(np.abs(expected - shipped).max()))
    assert np.abs(expected - shipped).max() < 1e-3, "the JSON parameters do not reproduce the fitted models"
    (PACKAGE / "grader_params.json").write_text(json.dumps(params.to_dict(), separators=(",", ":")) + "\n",
                                                encoding="utf-8")
    print(f"wrote {PACKAGE / 'grader_params.json'} (version {params.version})")


if __name__ == "__main__":
    main()
