"""Fits the claim checker's contradiction model (quizzer/grading/claims_params.json) and cross-validates it.

    .venv/bin/python evals/fit_claims.py            # cross-validate, then write the shipped parameters
    .venv/bin/python evals/fit_claims.py --cv-only  # figures only

Training pairs (an answer's claim, the card statement it speaks to) come from two sources:

- the labelled interview answers (evals/interview_answers.jsonl): answers labelled correct or partial state
  nothing wrong, so every claim of theirs is a negative; an answer of the `negation` or `wrong_number_or_entity`
  categories holds at least one contradicted claim, taken to be its likeliest one under the current model
  (multiple-instance learning, a few rounds from a hand-set start);
- contrastive pairs made from the decks' own references: one clause of a reference negated, one word swapped for
  its opposite, a figure changed, two of the card's terms swapped or one replaced by another term of the deck; the
  changed clause is a positive, the reference's other clauses negatives.

Cross-validation is grouped by card (GroupKFold, 5 folds, seed 13): a card's answers and the pairs made from its
references are never both fitted on and scored. Words only: no embedding model, a few seconds on one core.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from quizzer.deck.loader import load_deck  # noqa: E402
from quizzer.grading import claims as claim_tools  # noqa: E402
from quizzer.grading import text as words_of  # noqa: E402
from quizzer.grading.shorthand import spell_out  # noqa: E402

INTERVIEW = REPO / "evals" / "interview_answers.jsonl"
DECKS = ("msft-asr", "e2e-asr", "on-device-asr")
PARAMS = REPO / "quizzer" / "grading" / claim_tools.PARAMS_FILE
SEED = 13
FOLDS = 5
POSITIVE_CATEGORIES = ("negation", "wrong_number_or_entity")
# Interactions the logistic model needs: a flag counts for more the closer the claim copies the statement.
# Only the differences count, each weighed by how closely the claim copies the statement and whether the statement
# is the notes': a claim with no difference from the statement it speaks to is never contradicted, however closely it
# copies it.
FLAGS = ("flip_parity", "flip_weight", "opposite", "number", "formula", "order", "term")
INTERACTIONS = tuple((flag, other) for flag in FLAGS for other in ("ratio", "from_notes"))


@dataclass
class Answer:
    group: str  # the card
    label: int  # 1: holds a contradicted claim; 0: states nothing wrong
    pairs: list[tuple[int, np.ndarray]]  # (claim number, features) per (claim, statement) pair
    known: int | None = None  # the contradicted claim's number, where the answer was made by perturbation
    source: str = "interview"


def feature_names() -> list[str]:
    return [*FLAGS, *(f"{left}*{right}" for left, right in INTERACTIONS)]


def row(features: dict[str, float]) -> np.ndarray:
    values = [features[name] for name in FLAGS]
    values += [features[left] * features[right] for left, right in INTERACTIONS]
    return np.array(values, dtype=np.float64)


def load_cards() -> dict[tuple[str, str], object]:
    cards = {}
    for name in DECKS:
        deck = load_deck(REPO / "decks" / f"{name}.yaml")
        for card in deck.cards:
            cards[(name, card.id)] = card
    return cards


def answer_pairs(card, answer: str) -> list[tuple[int, np.ndarray, str]]:
    statements = claim_tools.card_statements(card.references, card.key_points, card.notes)
    terms = claim_tools.card_terms([card.question, *card.references, *card.key_points, card.notes])
    text = spell_out(answer, (card.question, *card.references, *card.key_points))
    pairs = []
    for number, (claim, candidates) in enumerate(claim_tools.claim_candidates(text, statements, terms)):
        for _, features, _ in candidates:
            pairs.append((number, row(features), claim))
    return pairs


def interview_answers(cards) -> list[Answer]:
    answers = []
    for line in INTERVIEW.read_text(encoding="utf-8").splitlines():
        data = json.loads(line)
        label = data["label"]
        if label in ("correct", "partial"):
            target = 0
        elif data["category"] in POSITIVE_CATEGORIES:
            target = 1
        else:
            continue
        card = cards[(data["deck"], data["card_id"])]
        pairs = [(number, features) for number, features, _ in answer_pairs(card, data["answer"])]
        answers.append(Answer(f"{data['deck']}:{data['card_id']}", target, pairs))
    return answers


# -- contrastive pairs from the references -------------------------------------------------------
_AUXILIARY = re.compile(r"\b(is|are|was|were|can|must|does|do|will|has|have|should|could|would)\b(?! not\b)")
_NEGATED = re.compile(r"\b(?:is|are|was|were|can|must|does|do|will|has|have)(?: not|n't)\b|\bcannot\b|\bno\b|\bnot\b")


def perturbations(clause: str, deck_terms: list[str], rng: random.Random) -> list[str]:
    """Wrong versions of one clause: negated, an opposite, another figure, two terms swapped, another term."""
    made = []
    if _NEGATED.search(clause):
        made.append(re.sub(r"\s+", " ", _NEGATED.sub(lambda m: m.group(0).split()[0].replace("n't", "")
                                                     if m.group(0) not in ("no", "not", "cannot") else
                                                     ("can" if m.group(0) == "cannot" else ""), clause, count=1)))
    elif _AUXILIARY.search(clause):
        made.append(_AUXILIARY.sub(lambda m: m.group(0) + " not", clause, count=1))
    else:
        made.append(re.sub(r"^(\W*)(\w+)", lambda m: m.group(1) + "it is not true that " + m.group(2), clause, count=1))
    words = re.findall(r"[A-Za-z]+", clause)
    for word in words:
        opposite = claim_tools.OPPOSITES.get(word.lower())
        if opposite:
            made.append(re.sub(rf"\b{word}\b", sorted(opposite)[0], clause, count=1))
            break
    numbers = re.findall(r"\b\d+(?:\.\d+)?\b", clause)
    if numbers:
        value = numbers[0]
        changed = str(int(float(value) * 10)) if "." not in value else str(float(value) * 10)
        made.append(re.sub(rf"\b{re.escape(value)}\b", changed, clause, count=1))
    content = [word for word in words if word.lower() not in words_of.STOPWORDS and len(word) > 3]
    if len(content) >= 4:
        first, second = rng.sample(range(len(content)), 2)
        a, b = content[first], content[second]
        if a.lower() != b.lower():
            swapped = re.sub(rf"\b{a}\b", "\0", clause, count=1)
            swapped = re.sub(rf"\b{b}\b", a, swapped, count=1).replace("\0", b)
            made.append(swapped)
        others = [term for term in deck_terms if term.lower() not in clause.lower()]
        if others:
            target = max(content, key=len)
            made.append(re.sub(rf"\b{target}\b", rng.choice(others), clause, count=1))
    return [text for text in made if text != clause]


def contrastive_answers(cards, rng: random.Random) -> list[Answer]:
    answers = []
    by_deck: dict[str, list[str]] = {}
    for (deck, _), card in cards.items():
        text = " ".join([*card.references, *card.key_points])
        by_deck.setdefault(deck, []).extend(w for w in re.findall(r"[A-Za-z][A-Za-z-]{3,}", text)
                                             if w.lower() not in words_of.STOPWORDS)
    for (deck, card_id), card in sorted(cards.items()):
        terms = sorted(set(by_deck[deck]))
        for reference in card.references:
            clauses = claim_tools.split_claims(reference)
            for position, clause in enumerate(clauses):
                for wrong in perturbations(clause, terms, rng):
                    text = " ".join(wrong if index == position else other for index, other in enumerate(clauses))
                    pairs = answer_pairs(card, text)
                    claimed = [(number, features) for number, features, said in pairs]
                    known = next((number for number, _, said in pairs if said.strip() == wrong.strip()), None)
                    if known is None:
                        continue
                    answers.append(Answer(f"{deck}:{card_id}", 1, claimed, known, "contrastive"))
    return answers


# -- multiple-instance logistic regression ---------------------------------------------------------
def answer_scores(answers: list[Answer], predict) -> np.ndarray:
    """An answer's score as `check_claims` reads it: per claim the lowest over its statements, then the highest."""
    scores = np.zeros(len(answers))
    for index, answer in enumerate(answers):
        if not answer.pairs:
            continue
        probabilities = predict(np.stack([features for _, features in answer.pairs]))
        per_claim: dict[int, float] = {}
        for (number, _), probability in zip(answer.pairs, probabilities):
            per_claim[number] = min(per_claim.get(number, 1.0), float(probability))
        scores[index] = max(per_claim.values())
    return scores


def hand_start(matrix: np.ndarray) -> np.ndarray:
    names = feature_names()
    return sum(matrix[:, names.index(f"{name}*ratio")] for name in FLAGS)


def fit(answers: list[Answer], rounds: int = 3):
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    predict = hand_start
    model = scaler = None
    for _ in range(rounds):
        rows, targets, weights = [], [], []
        for answer in answers:
            if not answer.pairs:
                continue
            if answer.label == 0:
                for _, features in answer.pairs:
                    rows.append(features)
                    targets.append(0)
                    weights.append(1.0 / len(answer.pairs))
                continue
            if answer.known is not None:
                chosen = [features for number, features in answer.pairs if number == answer.known]
            else:
                matrix = np.stack([features for _, features in answer.pairs])
                chosen = [matrix[int(np.argmax(predict(matrix)))]]
            for features in chosen:
                rows.append(features)
                targets.append(1)
                weights.append(1.0 / len(chosen))
        x, y, w = np.stack(rows), np.array(targets), np.array(weights)
        scaler = StandardScaler().fit(x)
        model = LogisticRegression(C=0.3, max_iter=2000, class_weight="balanced").fit(scaler.transform(x), y,
                                                                                        sample_weight=w)
        predict = lambda matrix, m=model, s=scaler: m.predict_proba(s.transform(matrix))[:, 1]  # noqa: E731
    return model, scaler, predict


def cross_validate(answers: list[Answer]) -> np.ndarray:
    from sklearn.model_selection import GroupKFold

    groups = np.array([answer.group for answer in answers])
    scores = np.zeros(len(answers))
    splitter = GroupKFold(n_splits=FOLDS, shuffle=True, random_state=SEED)
    for train, test in splitter.split(np.zeros(len(answers)), groups=groups):
        _, _, predict = fit([answers[index] for index in train])
        scores[test] = answer_scores([answers[index] for index in test], predict)
    return scores


def main() -> None:
    from sklearn.metrics import roc_auc_score

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cv-only", action="store_true", help="print the figures, write nothing")
    parser.add_argument("--no-contrastive", action="store_true", help="fit on the interview answers alone")
    parser.add_argument("--exclude-cards", type=Path, help="a JSONL file whose cards are left out of the contrastive pairs")
    arguments = parser.parse_args()
    cards = load_cards()
    interview = interview_answers(cards)
    contrastive = [] if arguments.no_contrastive else contrastive_answers(cards, random.Random(SEED))
    if arguments.exclude_cards:
        left_out = {f"{r['deck']}:{r['card_id']}" for r in map(json.loads, arguments.exclude_cards.read_text().splitlines())}
        contrastive = [answer for answer in contrastive if answer.group not in left_out]
    answers = interview + contrastive
    print(f"{len(interview)} interview answers ({sum(a.label for a in interview)} with a contradicted claim), "
          f"{len(contrastive)} contrastive answers")
    scores = cross_validate(answers)
    is_interview = np.array([answer.source == "interview" for answer in answers])
    labels = np.array([answer.label for answer in answers])
    print(f"out of fold, interview answers: ROC-AUC {roc_auc_score(labels[is_interview], scores[is_interview]):.3f}")
    for cut in (0.5, 0.6, 0.7, 0.8):
        flagged = scores[is_interview] >= cut
        print(f"  at {cut}: flags {flagged[labels[is_interview] == 1].mean():.0%} of contradicting answers,"
              f" {flagged[labels[is_interview] == 0].mean():.0%} of right or partial ones")
    model, scaler, _ = fit(answers)
    names = feature_names()
    coef = model.coef_[0] / scaler.scale_
    intercept = float(model.intercept_[0] - np.sum(model.coef_[0] * scaler.mean_ / scaler.scale_))
    params = {"version": "claims-1", "features": names, "coef": {n: round(float(c), 6) for n, c in zip(names, coef)},
              "intercept": round(intercept, 6), "contradicted_at": 0.5,
              "interactions": [list(pair) for pair in INTERACTIONS]}
    print(json.dumps(params["coef"], indent=1))
    if not arguments.cv_only:
        PARAMS.write_text(json.dumps(params, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {PARAMS}")


if __name__ == "__main__":
    main()
