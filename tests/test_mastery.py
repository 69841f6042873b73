"""Mastery stats, card history and review export on a database built by replaying scripted reviews at fixed UTC
times; every expected figure below was worked out by hand from the script (see SCRIPT)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from quizzer import mastery, scheduling
from quizzer.core.types import Grade, GraderInfo, Rating, Verdict
from quizzer.deck.loader import load_deck
from quizzer.review_log import card_history, export_records, read_records, write_records
from quizzer.reviewing import record_decision, record_review
from quizzer.storage import reviews as store
from quizzer.storage.db import connect

NOW = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)
EMBEDDING = GraderInfo("embedding", "2")
LLM = GraderInfo("llm", "1")
REVEAL = GraderInfo("reveal", "0")

ALPHA_TAGS = {"a1": ["x"], "a2": ["x", "y"], "a3": ["y"], "a4": [], "a5": ["x"]}
BETA_TAGS = {"b1": ["y"], "b2": [], "b3": ["x"]}


def _at(day: str, clock: str = "09:00") -> datetime:
    return datetime.fromisoformat(f"{day}T{clock}:00+00:00")


# (deck, card, time, verdict, rating proposed by the grade, grader, extras); numbered R1..R11 in the comments.
SCRIPT = [
    ("alpha", "a1", _at("2025-02-20"), Verdict.CORRECT, Rating.EASY, EMBEDDING, {}),  # R1 -> Review, due 02-28
    ("alpha", "a1", _at("2025-03-05"), Verdict.INCORRECT, Rating.AGAIN, EMBEDDING, {}),  # R2 lapse -> Relearning
    ("alpha", "a2", _at("2025-03-08", "10:00"), Verdict.INCORRECT, Rating.AGAIN, EMBEDDING,
     {"decision": ("override", Verdict.CORRECT, Rating.GOOD)}),  # R3 marked right: final Good
    ("alpha", "a2", _at("2025-03-09", "10:00"), Verdict.PARTIAL, Rating.HARD, LLM,
     {"decision": ("skip", Verdict.PARTIAL, None)}),  # R4 skipped: counts nowhere
    ("alpha", "a3", _at("2025-03-09", "11:00"), Verdict.CORRECT, Rating.GOOD, EMBEDDING, {"cram": True}),  # R5 cram
    ("alpha", "a4", _at("2025-03-07"), Verdict.INCORRECT, Rating.AGAIN, REVEAL, {"kind": "reveal"}),  # R6 reveal
    ("beta", "b1", _at("2025-03-10", "08:00"), Verdict.UNCERTAIN, None, EMBEDDING,
     {"decision": ("uncertain", Verdict.INCORRECT, Rating.AGAIN)}),  # R7 settled by the learner: Again
    ("beta", "b1", _at("2025-03-10", "08:30"), Verdict.CORRECT, Rating.GOOD, EMBEDDING,
     {"decision": ("override", Verdict.INCORRECT, Rating.AGAIN)}),  # R8 marked wrong: final Again
    ("beta", "b2", _at("2025-02-01"), Verdict.CORRECT, Rating.EASY, EMBEDDING, {}),  # R9 outside 30 days; due 02-09
    ("beta", "b3", _at("2025-03-04"), Verdict.CORRECT, Rating.EASY, LLM, {}),  # R10 due 03-12 09:00
    ("alpha", "a5", _at("2025-03-05", "12:00"), Verdict.CORRECT, Rating.EASY, EMBEDDING, {}),  # R11 due 03-13 12:00
]


def _write_deck(folder: Path, name: str, tags: dict[str, list[str]]) -> Path:
    cards = [{"id": card_id, "question": f"Question {card_id}?", "answer": f"Answer {card_id}.", "tags": card_tags}
             for card_id, card_tags in tags.items()]
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump({"name": name, "cards": cards}), encoding="utf-8")
    return path


@pytest.fixture
def scripted(tmp_path: Path):
    """A database holding SCRIPT, and the two deck files it was built from."""
    decks = {name: load_deck(_write_deck(tmp_path, name, tags)) for name, tags in
             (("alpha", ALPHA_TAGS), ("beta", BETA_TAGS))}
    db_path = tmp_path / "reviews.db"
    connection = connect(db_path)
    for deck in decks.values():
        store.register_deck(connection, deck, now=_at("2025-01-01"))
    for deck_name, card_id, moment, verdict, rating, grader, extras in SCRIPT:
        card = decks[deck_name].card(card_id)
        review_id = record_review(
            connection, deck=deck_name, card=card, answer=f"my answer to {card_id}",
            grade=Grade(verdict, grader, probability=0.5), rating=rating, kind=extras.get("kind", "answer"),
            cram=extras.get("cram", False), answer_seconds=12.5, reviewed_at=moment,
        ).id
        if "decision" in extras:
            kind, decided_verdict, decided_rating = extras["decision"]
            record_decision(connection, review_id, kind, decided_verdict, decided_rating,
                            decided_at=moment + timedelta(minutes=1))
    yield connection, decks, db_path
    connection.close()


def _by_name(groups: list[mastery.GroupStats]) -> dict[str, mastery.GroupStats]:
    return {group.name: group for group in groups}


def _report(scripted, now: datetime = NOW) -> mastery.MasteryReport:
    connection, decks, _ = scripted
    return mastery.mastery_report(connection, now, list(decks.values()))


def _counts(group: mastery.GroupStats) -> tuple[int, ...]:
    return (group.cards, group.new, group.learning, group.due_today, group.due_week, group.studied)


def test_card_counts_per_deck_and_in_total_match_the_hand_count(scripted):
    report = _report(scripted)
    decks = _by_name(report.decks)
    # alpha: a3 only crammed (new); a1 relearning, a2 and a4 learning, all overdue; a5 due 03-13 (this week).
    assert _counts(decks["alpha"]) == (5, 1, 3, 3, 4, 4)
    # beta: b1 learning and b2 overdue are due today; b3 due 03-12.
    assert _counts(decks["beta"]) == (3, 0, 1, 2, 3, 3)
    assert _counts(report.total) == (8, 1, 4, 5, 7, 7)


def test_card_counts_and_retention_per_tag_match_the_hand_count(scripted):
    tags = _by_name(_report(scripted).tags)
    assert set(tags) == {"x", "y"}
    assert _counts(tags["x"]) == (4, 0, 2, 2, 4, 4)  # a1, a2, a5, b3
    assert _counts(tags["y"]) == (3, 1, 2, 2, 2, 2)  # a2, a3 (new), b1
    # x: R1 R2 R3 R10 R11 count (R4 skipped), all but R2 kept; y: R3 R7 R8 count, only R3 kept.
    assert (tags["x"].reviews, tags["x"].reviews_30d, tags["x"].retention_30d) == (6, 5, pytest.approx(4 / 5))
    assert (tags["y"].reviews, tags["y"].reviews_30d, tags["y"].retention_30d) == (5, 3, pytest.approx(1 / 3))


def test_retention_counts_final_ratings_and_skips_cram_skips_and_old_reviews(scripted):
    report = _report(scripted)
    decks = _by_name(report.decks)
    # Counted: R1 R2 R3 R6 R7 R8 R10 R11; kept (not Again after decisions): R1 R3 R10 R11.
    assert (report.total.reviews, report.total.reviews_30d, report.total.retention_30d) == (11, 8, 0.5)
    assert (decks["alpha"].reviews, decks["alpha"].reviews_30d, decks["alpha"].retention_30d) == (7, 5, 0.6)
    assert (decks["beta"].reviews, decks["beta"].reviews_30d, decks["beta"].retention_30d) == (
        4, 3, pytest.approx(1 / 3))


def test_retention_history_counts_the_same_reviews_day_by_day_over_the_last_30_utc_days(scripted):
    report = _report(scripted)
    history = report.retention_history
    assert len(history) == 30 and (history[0].day, history[-1].day) == (date(2025, 2, 9), date(2025, 3, 10))
    # R1; R10; R2 and R11; R6; R3; R7 and R8 (R4 skipped and R5 crammed on 03-09; R9 before the window).
    assert {day.day.isoformat(): (day.reviews, day.kept) for day in history if day.reviews} == {
        "2025-02-20": (1, 1), "2025-03-04": (1, 1), "2025-03-05": (2, 1), "2025-03-07": (1, 0),
        "2025-03-08": (1, 1), "2025-03-10": (2, 0)}
    assert (history[-1].retention, history[-2].retention) == (0.0, None)
    assert sum(day.reviews for day in history) == report.total.reviews_30d
    assert report.to_dict()["retention_history"][-1] == {"day": "2025-03-10", "reviews": 2, "kept": 0,
                                                         "retention": 0.0}


def test_streak_counts_consecutive_utc_days_ending_today_or_yesterday(scripted):
    connection, decks, _ = scripted
    # Review days: 02-01, 02-20, 03-04, 03-05, 03-07, 03-08, 03-09, 03-10 -> 03-07..03-10.
    report = _report(scripted)
    assert (report.streak_days, report.reviewed_today) == (4, True)
    next_day = _report(scripted, datetime(2025, 3, 11, 10, tzinfo=UTC))
    assert (next_day.streak_days, next_day.reviewed_today) == (4, False)
    assert _report(scripted, datetime(2025, 3, 12, 0, 5, tzinfo=UTC)).streak_days == 0
    # Reviews after `now` do not count: on 03-08 at noon the streak is 03-07 and 03-08.
    assert _report(scripted, datetime(2025, 3, 8, 12, tzinfo=UTC)).streak_days == 2
    # 03-06 has no review: a streak counted on 03-05 is 03-04 and 03-05.
    assert _report(scripted, datetime(2025, 3, 5, 23, 59, tzinfo=UTC)).streak_days == 2


def test_forecast_puts_overdue_cards_on_day_zero_and_easy_cards_eight_days_on(scripted):
    forecast = _report(scripted).forecast
    assert [day.day for day in forecast] == [date(2025, 3, 10) + timedelta(days=offset) for offset in range(14)]
    # Day 0: a1 a2 a4 b1 b2; an Easy first review is due round(w[3] = 8.2956) = 8 days later:
    # b3 (03-04) on 03-12, a5 (03-05) on 03-13.
    assert [day.due for day in forecast] == [5, 0, 1, 1] + [0] * 10


def test_overrides_per_grader_count_the_learners_disagreements(scripted):
    overrides = {row.grader: row for row in _report(scripted).overrides}
    assert set(overrides) == {"embedding", "llm"}  # the reveal was never graded
    embedding = overrides["embedding"]
    # Graded by embedding: R1 R2 R3 R5 R7 R8 R9 R11; overridden: R3 (right), R8 (wrong); R7 settled.
    assert (embedding.graded, embedding.overridden, embedding.marked_right, embedding.marked_wrong,
            embedding.settled_uncertain) == (8, 2, 1, 1, 1)
    assert embedding.override_rate == 0.25
    # llm: R4 (skipped, not an override) and R10.
    assert (overrides["llm"].graded, overrides["llm"].overridden, overrides["llm"].override_rate) == (2, 0, 0.0)


def test_mastery_is_the_fsrs_retrievability_of_the_studied_cards(scripted):
    connection, decks, _ = scripted
    report = _report(scripted)
    decay, factor = scheduling.forgetting_curve()
    hardest = {card.card_id: card for card in report.hardest}
    # a5: Easy on 03-05 12:00, stability w[3], 5 whole days elapsed at NOW.
    assert hardest["a5"].retrievability == pytest.approx((1 + factor * 5 / 8.2956) ** decay)
    # b2: Easy on 02-01 09:00, 37 days and 3 hours ago.
    assert hardest["b2"].retrievability == pytest.approx((1 + factor * 37 / 8.2956) ** decay)
    for deck_name, deck in decks.items():
        states = [store.card_state(connection, deck_name, card.id) for card in deck.cards]
        expected = [scheduling.retrievability(state, NOW) for state in states if state is not None]
        assert _by_name(report.decks)[deck_name].mastery == pytest.approx(sum(expected) / len(expected))


def test_hardest_cards_put_lapses_first_then_the_lowest_recall(scripted):
    hardest = _report(scripted).hardest
    assert (hardest[0].card_id, hardest[0].lapses) == ("a1", 1)
    assert "a3" not in {card.card_id for card in hardest}  # never scheduled
    rest = [card.retrievability for card in hardest[1:]]
    assert rest == sorted(rest) and len(hardest) == 7
    assert hardest[0].question == "Question a1?"


def test_a_deck_known_only_to_the_database_reports_from_its_recorded_cards(scripted):
    connection, decks, _ = scripted
    report = mastery.mastery_report(connection, NOW, [decks["alpha"]], names_without_file=["beta"])
    assert report.decks_without_file == ["beta"]
    assert _counts(_by_name(report.decks)["beta"]) == (3, 0, 1, 2, 3, 3)
    assert _counts(_by_name(report.tags)["y"]) == (3, 1, 2, 2, 2, 2)  # beta's tags come from the cards table


def test_stats_on_an_empty_database_are_an_empty_view(tmp_path: Path):
    connection = connect(tmp_path / "empty.db")
    deck = load_deck(_write_deck(tmp_path, "alpha", ALPHA_TAGS))
    report = mastery.mastery_report(connection, NOW, [deck])
    assert report.empty and report.streak_days == 0 and report.hardest == [] and report.overrides == []
    assert _counts(report.total) == (5, 5, 0, 0, 0, 0) and report.total.mastery is None
    assert report.total.retention_30d is None
    assert [day.due for day in report.forecast] == [0] * 14
    nothing = mastery.mastery_report(connection, NOW)
    assert nothing.empty and nothing.decks == [] and nothing.total.cards == 0
    assert json.loads(json.dumps(nothing.to_dict()))["empty"] is True


def test_history_replays_each_interval_that_followed(scripted):
    connection, _, _ = scripted
    deck, entries = card_history(connection, "a2")
    assert deck == "alpha"
    # R3 ended as Good on a new card: the second learning step, 10 minutes; R4 was skipped.
    assert [(entry.record.rating, entry.interval) for entry in entries] == [(3, timedelta(minutes=10)), (None, None)]
    assert entries[0].record.decision_kind == "override" and entries[0].record.verdict == "incorrect"
    _, entries = card_history(connection, "a5", deck="alpha")
    assert entries[0].interval == timedelta(days=8)


def test_export_round_trips_through_csv_and_jsonl(scripted):
    connection, _, _ = scripted
    log = list(export_records(connection))
    assert len(log) == 11 and [record.review_time for record in log] == sorted(record.review_time for record in log)
    r8 = next(record for record in log if record.card_id == "b1" and record.graded_rating == 3)
    assert (r8.rating, r8.final_verdict, r8.decisions[0].kind) == (1, "incorrect", "override")
    for export_format in ("csv", "jsonl"):
        stream = io.StringIO()
        assert write_records(log, stream, export_format) == 11
        stream.seek(0)
        assert read_records(stream, export_format) == log


def _cli(*args: str, db: Path) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "QUIZZER_DB": str(db), "COLUMNS": "100"}
    return subprocess.run([sys.executable, "-m", "quizzer", *args], capture_output=True, text=True,
                          env=environment, timeout=60)


def test_cli_stats_json_is_one_object_with_the_library_figures(scripted):
    _, decks, db_path = scripted
    paths = [str(deck.path) for deck in decks.values()]
    result = _cli("stats", *paths, "--json", "--now", NOW.isoformat(), db=db_path)
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    assert figures["total"]["retention_30d"] == 0.5 and figures["streak"]["days"] == 4
    assert [day["due"] for day in figures["forecast"][:4]] == [5, 0, 1, 1]
    # With no deck named, the database's decks are found by name... or reported from the database.
    result = _cli("stats", "--json", "--now", NOW.isoformat(), db=db_path)
    assert result.returncode == 0 and sorted(json.loads(result.stdout)["decks_without_file"]) == ["alpha", "beta"]
    tables = _cli("stats", *paths, "--now", NOW.isoformat(), db=db_path)
    assert tables.returncode == 0 and "due in the next 14 days" in tables.stdout and "alpha" in tables.stdout


def test_cli_stats_on_an_empty_database_is_friendly(tmp_path: Path):
    result = _cli("stats", db=tmp_path / "empty.db")
    assert result.returncode == 0 and "No reviews yet" in result.stdout and result.stderr == ""
    result = _cli("stats", "--json", db=tmp_path / "empty.db")
    assert result.returncode == 0 and json.loads(result.stdout)["empty"] is True


def test_cli_rejects_an_unknown_deck_card_and_format(scripted, tmp_path: Path):
    _, _, db_path = scripted
    for args in (("stats", "no-such-deck"), ("history", "no-such-card"), ("export", "reviews", "-f", "xml")):
        result = _cli(*args, db=db_path)
        assert result.returncode == 2 and "error:" in result.stderr and "Traceback" not in result.stderr


def test_cli_history_and_export_to_a_file(scripted, tmp_path: Path):
    _, _, db_path = scripted
    history = _cli("history", "a1", db=db_path)
    # a1: Easy on 02-20 (8 days to the next review), then Again (relearning step: 10 minutes).
    assert history.returncode == 0 and "history of alpha/a1" in history.stdout
    assert "2025-02-20 09:00" in history.stdout and "8.0 days" in history.stdout and "10 min" in history.stdout
    target = tmp_path / "log.jsonl"
    result = _cli("export", "reviews", "--format", "jsonl", "--output", str(target), db=db_path)
    assert result.returncode == 0 and "wrote 11 reviews" in result.stderr
    with target.open(encoding="utf-8") as stream:
        assert len(read_records(stream, "jsonl")) == 11


def test_cli_export_takes_the_format_from_the_output_suffix(scripted, tmp_path: Path):
    _, _, db_path = scripted
    target = tmp_path / "log.jsonl"  # no --format: `.jsonl` means JSONL, not a CSV under a .jsonl name
    result = _cli("export", "reviews", "--output", str(target), db=db_path)
    assert result.returncode == 0, result.stderr
    with target.open(encoding="utf-8") as stream:
        assert len(read_records(stream, "jsonl")) == 11
    to_stdout = _cli("export", "reviews", db=db_path)  # no file, no --format: CSV, as before
    assert to_stdout.returncode == 0 and to_stdout.stdout.startswith("review_id,")
