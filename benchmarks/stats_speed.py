"""How fast `quizzer stats` answers on a database of 100,000 reviews of 5,000 cards (target: about 1 s).

Builds (once, cached under /tmp) ten deck files of 500 cards with tags and a review log spread over the
last 200 days (5% cram, 5% overrides, 3% uncertain grades settled by the learner), then times, against a
baseline in the same process (`SELECT count(*) FROM reviews`):

- the library call `mastery_report` (decks already loaded),
- the library call with deck loading (`select_decks` + `mastery_report`),
- the CLI `quizzer stats DECKS --json` and with tables, each a fresh process, against `quizzer --version`.

Run: .venv/bin/python benchmarks/stats_speed.py [--reviews 100000] [--cards 5000]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml

from quizzer import mastery
from quizzer.deck.loader import load_deck
from quizzer.reviewing import rebuild_states
from quizzer.storage import reviews as store
from quizzer.storage.db import connect

NOW = datetime(2025, 6, 1, 12, tzinfo=UTC)
DECKS = 10
TAGS = [f"topic-{index:02d}" for index in range(20)]


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")


def build(folder: Path, review_count: int, card_count: int) -> tuple[Path, list[Path]]:
    """The database and deck files, built once per size (reused when already there)."""
    folder.mkdir(parents=True, exist_ok=True)
    db_path = folder / "stats.db"
    per_deck = card_count // DECKS
    deck_paths = [folder / f"bench-{index}.yaml" for index in range(DECKS)]
    if db_path.exists() and all(path.exists() for path in deck_paths):
        return db_path, deck_paths
    rng = random.Random(7)
    for index, path in enumerate(deck_paths):
        cards = [
            {"id": f"card-{index}-{number}", "question": f"Question {number} of deck {index}?",
             "answer": f"Answer {number}.", "tags": rng.sample(TAGS, 2)}
            for number in range(per_deck)
        ]
        path.write_text(yaml.safe_dump({"name": f"bench-{index}", "cards": cards}), encoding="utf-8")
    for stale in folder.glob("stats.db*"):
        stale.unlink()
    connection = connect(db_path)
    decks = [load_deck(path) for path in deck_paths]
    for deck in decks:
        store.register_deck(connection, deck, now=NOW - timedelta(days=400))
    cards = [(deck.name, card) for deck in decks for card in deck.cards]
    review_rows, decision_rows = [], []
    for review_id in range(1, review_count + 1):
        deck_name, card = cards[rng.randrange(len(cards))]
        moment = NOW - timedelta(days=rng.uniform(0, 200))
        verdict, rating = rng.choices(
            [("correct", 3), ("partial", 2), ("incorrect", 1), ("uncertain", None)], weights=[60, 17, 20, 3]
        )[0]
        review_rows.append((deck_name, card.id, card.content_hash, card.question, "an answer", verdict, 0.5,
                            rng.choice(["embedding", "hybrid"]), "1", "{}", rating, 9.0, int(rng.random() < 0.05),
                            _iso(moment)))
        if verdict == "uncertain":
            decision_rows.append((review_id, "uncertain", "correct", 3, _iso(moment + timedelta(minutes=1))))
        elif rng.random() < 0.05:
            decision_rows.append((review_id, "override", "incorrect" if rating and rating > 1 else "correct",
                                  1 if rating and rating > 1 else 3, _iso(moment + timedelta(minutes=1))))
    connection.execute("BEGIN")
    connection.executemany(
        "INSERT INTO reviews (deck, card_id, card_hash, question, answer, verdict, probability, grader,"
        " grader_version, grade_json, rating, answer_seconds, cram, reviewed_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        review_rows,
    )
    connection.executemany(
        "INSERT INTO review_decisions (review_id, kind, verdict, rating, decided_at) VALUES (?, ?, ?, ?, ?)",
        decision_rows,
    )
    connection.execute("COMMIT")
    started = time.perf_counter()
    rebuild_states(connection)  # the FSRS states, by replaying every card's log
    print(f"built {review_count} reviews of {card_count} cards; states replayed in {time.perf_counter() - started:.1f} s")
    connection.close()
    return db_path, deck_paths


def best_of(function, repeats: int) -> tuple[float, float]:
    """(median, min) seconds of `repeats` calls."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return statistics.median(times), min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reviews", type=int, default=100_000)
    parser.add_argument("--cards", type=int, default=5_000)
    parser.add_argument("--repeats", type=int, default=5)
    arguments = parser.parse_args()
    folder = Path("/tmp") / f"quizzer-stats-bench-{arguments.reviews}-{arguments.cards}"
    db_path, deck_paths = build(folder, arguments.reviews, arguments.cards)

    connection = connect(db_path)
    decks = [load_deck(path) for path in deck_paths]
    baseline, _ = best_of(lambda: connection.execute("SELECT count(*) FROM reviews").fetchone(), arguments.repeats)
    # A second baseline that reads every row (count(*) only walks the smallest index).
    full_scan, _ = best_of(
        lambda: connection.execute("SELECT sum(length(answer)) FROM reviews").fetchone(), arguments.repeats
    )
    loading_only, _ = best_of(lambda: [load_deck(path) for path in deck_paths], 3)
    report, _ = best_of(lambda: mastery.mastery_report(connection, NOW, decks), arguments.repeats)

    def with_loading() -> None:
        chosen, missing = mastery.select_decks(connection, [str(path) for path in deck_paths])
        mastery.mastery_report(connection, NOW, chosen, missing)

    loading, _ = best_of(with_loading, arguments.repeats)
    total = mastery.mastery_report(connection, NOW, decks).total
    print(f"database: {total.reviews} reviews, {total.cards} cards ({total.studied} studied)")
    print(f"baseline SELECT count(*) FROM reviews: {baseline * 1000:8.2f} ms")
    print(f"baseline full scan (sum of lengths):   {full_scan * 1000:8.2f} ms")
    print(f"mastery_report (decks loaded):         {report * 1000:8.1f} ms  ({report / baseline:,.0f}x count(*),"
          f" {report / full_scan:.1f}x full scan)")
    print(f"loading the {len(deck_paths)} deck files alone:       {loading_only * 1000:8.1f} ms")
    print(f"select_decks + mastery_report:          {loading * 1000:8.1f} ms  ({loading / baseline:,.0f}x count(*),"
          f" {loading / full_scan:.1f}x full scan)")

    environment = {**os.environ, "QUIZZER_DB": str(db_path), "COLUMNS": "100"}
    quizzer = [sys.executable, "-m", "quizzer"]

    def run(*args: str) -> None:
        subprocess.run([*quizzer, *args], env=environment, check=True, capture_output=True)

    cli_baseline, _ = best_of(lambda: run("--version"), 3)
    paths = [str(path) for path in deck_paths]
    cli_json, _ = best_of(lambda: run("stats", *paths, "--json", "--now", NOW.isoformat()), 3)
    cli_tables, _ = best_of(lambda: run("stats", *paths, "--now", NOW.isoformat()), 3)
    print(f"CLI quizzer --version (baseline):      {cli_baseline * 1000:8.0f} ms")
    print(f"CLI quizzer stats --json:              {cli_json * 1000:8.0f} ms  ({cli_json / cli_baseline:.1f}x baseline)")
    print(f"CLI quizzer stats (tables):            {cli_tables * 1000:8.0f} ms  ({cli_tables / cli_baseline:.1f}x baseline)")
    print(json.dumps({"reviews": arguments.reviews, "cards": arguments.cards, "library_s": round(report, 3),
                      "library_with_decks_s": round(loading, 3),
                      "deck_loading_s": round(loading_only, 3), "cli_json_s": round(cli_json, 3),
                      "cli_tables_s": round(cli_tables, 3)}))


if __name__ == "__main__":
    main()
