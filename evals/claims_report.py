"""What the claim checks (quizzer/grading/offline/claims.py) find in labelled answers, by category: words only, seconds.

    .venv/bin/python evals/claims_report.py                         # the interview answers and the tune traps
    .venv/bin/python evals/claims_report.py FILE.jsonl ...          # other labelled answers to the bundled decks

For each category and label: how many answers hold a claim that contradicts a reference or key point (the grader
makes such an answer incorrect), how many only a doubtful one (a correct answer becomes uncertain), and how many a
difference of any kind (risk: hybrid mode sends such a "correct" to the judge). Right answers should have none of the
first two; that is what the rules' cuts were chosen on (the interview answers, which are training data).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from quizzer.deck.catalog import bundled_decks  # noqa: E402
from quizzer.deck.loader import load_deck  # noqa: E402
from quizzer.grading.offline.claims import card_context, check_claims  # noqa: E402
from quizzer.grading.offline.shorthand import spell_out  # noqa: E402

DEFAULT_FILES = (REPO / "evals" / "interview_answers.jsonl", REPO / "evals" / "interview_traps_tune.jsonl")
DATASETS = Path(os.environ.get("QUIZZER_DATASETS") or REPO.parent / "shared" / "datasets")
PUBLIC = (("SciEntsBank", "semeval2013_scientsbank", "label_2way"), ("Beetle", "semeval2013_beetle", "label_5way"),
          ("SAF", "saf_communication_networks_en", "label"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", type=Path, nargs="*", default=list(DEFAULT_FILES))
    parser.add_argument("--public", action="store_true", help="the public training sets instead (../shared/datasets)")
    arguments = parser.parse_args()
    if arguments.public:
        public_report()
        return
    cards = {(deck.name, card.id): card for deck in map(load_deck, bundled_decks()) for card in deck.cards}
    for path in arguments.files:
        counts: dict[tuple[str, str], Counter] = {}
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            card = cards[(row["deck"], row["card_id"])]
            statements, terms = card_context(tuple(card.references), tuple(card.key_points), card.notes)
            answer = spell_out(row["answer"], (card.question, *card.references, *card.key_points))
            check = check_claims(answer, statements, terms)
            tally = counts.setdefault((row.get("category", "-"), row["label"]), Counter())
            tally["n"] += 1
            tally["contradicted"] += check.contradicted is not None
            tally["doubtful"] += check.contradicted is None and check.doubtful is not None
            tally["differs"] += any(claim.differences for claim in check.claims)
        print(f"\n{path.name}\n| category | label | n | contradicted | doubtful only | any difference |\n|---|---|---|---|---|---|")
        for (category, label), tally in sorted(counts.items()):
            print(f"| {category} | {label} | {tally['n']} | {tally['contradicted']} | {tally['doubtful']} |"
                  f" {tally['differs']} |")


def public_report() -> None:
    """The public training sets have no key points or notes: the references' clauses are the statements."""
    print("| dataset | answers | contradicted | of them labelled | doubtful only | of them labelled |\n|---|---|---|---|---|---|")
    for name, folder, field in PUBLIC:
        total, found = 0, {"contradicted": Counter(), "doubtful": Counter()}
        for line in (DATASETS / folder / "train.jsonl").read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            references = tuple(row.get("references") or [row["reference"]])
            statements, terms = card_context(references, (), "")
            check = check_claims(spell_out(row["answer"], (row["question"], *references)), statements, terms)
            label = str(row.get(field) or row.get("label") or "-").lower()
            total += 1
            if check.contradicted is not None:
                found["contradicted"][label] += 1
            elif check.doubtful is not None:
                found["doubtful"][label] += 1
        cells = [f"{sum(found[kind].values())} | " + ", ".join(f"{label} {count}" for label, count in
                                                               found[kind].most_common()) for kind in found]
        print(f"| {name} | {total} | {cells[0]} | {cells[1]} |")


if __name__ == "__main__":
    main()
