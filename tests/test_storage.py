"""The review database: migrations, the append-only log, decisions, edited cards, replayed state."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from quizzer.core.types import Grade, GraderInfo, Rating, Verdict
from quizzer.deck.model import Card, Deck
from quizzer.reviewing import rebuild_states, record_decision, record_review
from quizzer.scheduling import replay, review
from quizzer.storage import reviews as store
from quizzer.storage.db import applied_migrations, connect, migrate
from quizzer.storage.migrations import MIGRATIONS

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
GRADER = GraderInfo(name="test", version="1")
CARD = Card(id="c1", question="What is RNN-T?", references=("A transducer model.",), key_points=("transducer",))
DECK = Deck(name="d", cards=(CARD, Card(id="c2", question="Q2?", references=("A2",))))


def grade(verdict: Verdict, probability: float = 0.5) -> Grade:
    return Grade(verdict=verdict, grader=GRADER, probability=probability, evidence={"cosine": 0.71})


def add_review(
    connection: sqlite3.Connection, rating: Rating | None, at: datetime, verdict: Verdict = Verdict.CORRECT,
    cram: bool = False, card: Card = CARD,
) -> int:
    return record_review(
        connection, deck="d", card=card, answer="an answer", grade=grade(verdict), rating=rating,
        answer_seconds=12.5, cram=cram, session_id="s1", shown_at=at - timedelta(seconds=12), reviewed_at=at,
    ).id


@pytest.fixture
def connection(tmp_path: Path) -> sqlite3.Connection:
    return connect(tmp_path / "q.db")


def test_migrations_apply_in_order_on_an_empty_database(tmp_path: Path) -> None:
    connection = connect(tmp_path / "empty.db")
    assert applied_migrations(connection) == [name for name, _ in MIGRATIONS]
    tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type IN ('table','view')")}
    assert {"reviews", "review_decisions", "cards", "card_states", "llm_verdicts", "review_outcomes"} <= tables
    assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    # Reopening applies nothing twice.
    assert migrate(connect(tmp_path / "empty.db")) == []


def test_migrating_from_the_first_schema_keeps_rows_and_builds_state(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    old = sqlite3.connect(path, isolation_level=None)
    assert migrate(old, upto="0001_reviews") == ["0001_reviews"]
    old.execute(
        "INSERT INTO reviews (deck, card_id, card_hash, question, answer, verdict, grader, grader_version,"
        " grade_json, rating, reviewed_at) VALUES ('d', 'c1', 'h', 'Q', 'A', 'correct', 'test', '1', ?, 3, ?)",
        (json.dumps(grade(Verdict.CORRECT).to_dict()), T0.isoformat()),
    )
    old.execute(
        "INSERT INTO review_decisions (review_id, kind, verdict, rating, decided_at) VALUES (1, 'override',"
        " 'incorrect', 1, ?)", (T0.isoformat(),),
    )
    old.close()
    connection = connect(path)
    assert applied_migrations(connection)[-1] == MIGRATIONS[-1][0]
    [outcome] = store.reviews_of(connection)
    assert outcome.verdict is Verdict.CORRECT and outcome.final_verdict == "incorrect"
    assert outcome.final_rating is Rating.AGAIN
    assert rebuild_states(connection) == 1
    assert store.card_state(connection, "d", "c1") == replay([(T0, Rating.AGAIN)])


def test_reviews_are_append_only(connection: sqlite3.Connection) -> None:
    review_id = add_review(connection, Rating.GOOD, T0)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        connection.execute("UPDATE reviews SET rating = 1 WHERE id = ?", (review_id,))
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        connection.execute("DELETE FROM reviews")
    record_decision(connection, review_id, store.DecisionKind.OVERRIDE, Verdict.INCORRECT, Rating.AGAIN, T0)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        connection.execute("DELETE FROM review_decisions")


def test_review_stores_the_whole_grade_and_updates_the_schedule(connection: sqlite3.Connection) -> None:
    review_id = add_review(connection, Rating.GOOD, T0)
    row = connection.execute("SELECT * FROM reviews WHERE id = ?", (review_id,)).fetchone()
    assert (row["card_id"], row["card_hash"], row["verdict"], row["grader"], row["grader_version"]) == (
        "c1", CARD.content_hash, "correct", "test", "1")
    assert json.loads(row["grade_json"])["evidence"] == {"cosine": 0.71}
    assert row["answer_seconds"] == 12.5 and row["reviewed_at"].startswith("2025-03-01T09:00:00")
    assert store.card_state(connection, "d", "c1") == review(None, Rating.GOOD, T0)


def test_a_review_is_committed_for_another_connection_at_once(connection: sqlite3.Connection, tmp_path: Path) -> None:
    add_review(connection, Rating.GOOD, T0)
    other = sqlite3.connect(tmp_path / "q.db")
    assert other.execute("SELECT COUNT(*) FROM reviews").fetchone()[0] == 1


def test_decision_changes_the_schedule_and_keeps_the_model_grade(connection: sqlite3.Connection) -> None:
    review_id = add_review(connection, Rating.GOOD, T0)
    record_decision(connection, review_id, store.DecisionKind.OVERRIDE, Verdict.INCORRECT, Rating.AGAIN,
                    T0 + timedelta(seconds=5))
    assert store.card_state(connection, "d", "c1") == review(None, Rating.AGAIN, T0)
    [stored] = store.reviews_of(connection)
    assert (stored.verdict, stored.rating) == (Verdict.CORRECT, Rating.GOOD)
    assert (stored.final_verdict, stored.final_rating, stored.decision_kind) == ("incorrect", Rating.AGAIN, "override")


def test_latest_decision_wins(connection: sqlite3.Connection) -> None:
    review_id = add_review(connection, Rating.GOOD, T0)
    record_decision(connection, review_id, store.DecisionKind.OVERRIDE, Verdict.INCORRECT, Rating.AGAIN, T0)
    record_decision(connection, review_id, store.DecisionKind.OVERRIDE, Verdict.CORRECT, Rating.GOOD, T0)
    assert store.card_state(connection, "d", "c1") == review(None, Rating.GOOD, T0)
    assert connection.execute("SELECT COUNT(*) FROM review_decisions").fetchone()[0] == 2


def test_undecided_uncertain_review_leaves_the_schedule_alone(connection: sqlite3.Connection) -> None:
    review_id = add_review(connection, None, T0, verdict=Verdict.UNCERTAIN)
    assert store.card_state(connection, "d", "c1") is None
    record_decision(connection, review_id, store.DecisionKind.UNCERTAIN, Verdict.PARTIAL, Rating.HARD, T0)
    assert store.card_state(connection, "d", "c1") == review(None, Rating.HARD, T0)


def test_skipped_review_does_not_count(connection: sqlite3.Connection) -> None:
    add_review(connection, Rating.GOOD, T0)
    second = add_review(connection, Rating.AGAIN, T0 + timedelta(minutes=15))
    record_decision(connection, second, store.DecisionKind.SKIP, Verdict.INCORRECT, None, T0)
    assert store.card_state(connection, "d", "c1") == review(None, Rating.GOOD, T0)


def test_cram_reviews_are_recorded_but_never_schedule(connection: sqlite3.Connection) -> None:
    add_review(connection, Rating.GOOD, T0)
    before = store.card_state(connection, "d", "c1")
    cram_id = add_review(connection, Rating.AGAIN, T0 + timedelta(hours=1), cram=True)
    record_decision(connection, cram_id, store.DecisionKind.OVERRIDE, Verdict.CORRECT, Rating.GOOD, T0)
    assert store.card_state(connection, "d", "c1") == before
    assert len(store.reviews_of(connection)) == 2
    rebuild_states(connection)
    assert store.card_state(connection, "d", "c1") == before


def test_rebuild_equals_the_incremental_cache(connection: sqlite3.Connection) -> None:
    moments = [T0, T0 + timedelta(minutes=11), T0 + timedelta(days=4), T0 + timedelta(days=4, minutes=20)]
    ratings = [Rating.GOOD, Rating.GOOD, Rating.AGAIN, Rating.GOOD]
    for moment, rating in zip(moments, ratings):
        add_review(connection, rating, moment)
    add_review(connection, Rating.EASY, T0, card=DECK.cards[1])
    incremental = store.deck_states(connection, "d")
    connection.execute("DELETE FROM card_states")  # the cache is derived: losing it loses nothing
    assert rebuild_states(connection) == 2
    assert store.deck_states(connection, "d") == incremental
    assert incremental["c1"].lapses == 1 and incremental["c1"].reps == 4


def test_registering_a_changed_card_keeps_its_history_and_flags_it(connection: sqlite3.Connection) -> None:
    assert store.register_deck(connection, DECK, T0) == store.Registration(new=("c1", "c2"), edited=())
    add_review(connection, Rating.GOOD, T0)
    assert store.register_deck(connection, DECK, T0).edited == ()
    changed = Card(id="c1", question=CARD.question, references=("A different answer.",))
    registration = store.register_deck(connection, Deck(name="d", cards=(changed, DECK.cards[1])), T0)
    assert registration == store.Registration(new=(), edited=("c1",))
    assert store.is_edited(connection, "d", "c1") and not store.is_edited(connection, "d", "c2")
    row = connection.execute("SELECT card_hash FROM cards WHERE card_id = 'c1'").fetchone()
    assert row["card_hash"] == changed.content_hash
    # The old review stays with the old hash, and still shapes the schedule.
    assert [r["card_hash"] for r in connection.execute("SELECT card_hash FROM reviews")] == [CARD.content_hash]
    assert store.card_state(connection, "d", "c1") == review(None, Rating.GOOD, T0)


def test_new_cards_introduced_today_counts_first_reviews_only(connection: sqlite3.Connection) -> None:
    add_review(connection, Rating.GOOD, T0 - timedelta(days=1))
    add_review(connection, Rating.GOOD, T0 + timedelta(hours=1))  # c1 again: not new today
    add_review(connection, Rating.GOOD, T0 + timedelta(hours=2), card=DECK.cards[1])
    add_review(connection, Rating.GOOD, T0 + timedelta(hours=3), card=Card("c3", "Q3?", ("A3",)), cram=True)
    assert store.new_cards_introduced_since(connection, T0) == 1


def write_at_once(path: Path, writers: list[Callable[[sqlite3.Connection], None]]) -> None:
    """Runs each writer in its own thread on its own connection to the database at `path`, all at once."""
    connect(path).close()
    errors: list[BaseException] = []

    def run(write: Callable[[sqlite3.Connection], None]) -> None:
        try:
            write(connect(path))
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(write,)) for write in writers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


def test_two_connections_write_at_once_without_losing_reviews(tmp_path: Path) -> None:
    path = tmp_path / "shared.db"

    def writer(card: Card) -> Callable[[sqlite3.Connection], None]:
        def write(own: sqlite3.Connection) -> None:
            for index in range(25):
                add_review(own, Rating.GOOD, T0 + timedelta(minutes=index), card=card)
        return write

    write_at_once(path, [writer(card) for card in DECK.cards])
    connection = connect(path)
    assert connection.execute("SELECT COUNT(*) FROM reviews").fetchone()[0] == 50
    assert store.deck_states(connection, "d")["c1"].reps == 25


def test_two_connections_reviewing_one_card_leave_its_state_as_its_whole_log_gives(tmp_path: Path) -> None:
    # The state is computed inside each write's transaction from the log as it stands, so neither session's
    # write can leave a state computed from a log missing the other's reviews.
    path = tmp_path / "shared.db"

    def writer(offset: int) -> Callable[[sqlite3.Connection], None]:
        def write(own: sqlite3.Connection) -> None:
            for index in range(20):
                add_review(own, Rating.GOOD if index % 3 else Rating.AGAIN, T0 + timedelta(minutes=2 * index + offset))
        return write

    write_at_once(path, [writer(0), writer(1)])
    connection = connect(path)
    state = store.card_state(connection, "d", "c1")
    assert state is not None and state.reps == 40
    assert state == replay(store.scheduling_log(connection, "d", "c1"))


# Made by quizzer at e5f28af, before the storage was restructured: a deck of two cards, three reviews (one
# settled, one overridden) with their cached states, and one cached LLM verdict.
OLD_DATABASE = Path(__file__).resolve().parent / "fixtures" / "e5f28af.db"


def test_a_database_made_before_the_restructuring_opens_and_keeps_working(tmp_path: Path) -> None:
    from quizzer.core.types import Submission
    from quizzer.grading.judge.judge import cache_key
    from quizzer.mastery import mastery_report
    from quizzer.storage.llm_verdicts import LLMVerdictCache

    path = tmp_path / "old.db"
    path.write_bytes(OLD_DATABASE.read_bytes())
    connection = connect(path)
    assert applied_migrations(connection) == [name for name, _ in MIGRATIONS]
    # The states it cached are the ones replaying its log gives now.
    cached = store.deck_states(connection, "old-deck")
    assert set(cached) == {"c1", "c2"}
    assert rebuild_states(connection) == 2
    assert store.deck_states(connection, "old-deck") == cached
    outcomes = [(review.card_id, review.final_verdict, review.final_rating) for review in store.reviews_of(connection)]
    assert outcomes == [("c1", "correct", Rating.GOOD), ("c2", "incorrect", Rating.AGAIN),
                        ("c1", "correct", Rating.GOOD)]
    # Its LLM verdict is found under the key the judge computes today.
    asked = Submission("What is CTC?", ("Connectionist temporal classification.",), "no idea")
    key = cache_key("judge-model", "1", asked)
    assert LLMVerdictCache(path).load([key])[key].verdict is Verdict.INCORRECT
    # It takes new reviews, and its figures add up.
    card = Card(id="c1", question="What is RNN-T?", references=("A transducer model.",), key_points=("transducer",))
    recorded = record_review(connection, deck="old-deck", card=card, answer="a transducer",
                             grade=grade(Verdict.CORRECT), rating=Rating.GOOD, reviewed_at=T0 + timedelta(days=20))
    assert recorded.state == replay(store.scheduling_log(connection, "old-deck", "c1"))
    assert recorded.state is not None and recorded.state.reps == 3
    report = mastery_report(connection, T0 + timedelta(days=21), names_without_file=["old-deck"])
    assert (report.total.cards, report.total.reviews, report.decks_without_file) == (2, 4, ["old-deck"])


def _sha256(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_another_programs_sqlite_file_is_refused_and_left_byte_for_byte(tmp_path: Path) -> None:
    from quizzer.core.errors import StorageError

    path = tmp_path / "other.db"
    other = sqlite3.connect(path)
    other.executescript("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('mine');")
    other.close()
    before = _sha256(path)
    with pytest.raises(StorageError, match="is not a quizzer database: it holds another program's tables \\(notes\\)"):
        connect(path)
    assert _sha256(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.db"]  # no -wal, no -shm: never switched to WAL


def test_a_database_of_a_newer_quizzer_is_refused(tmp_path: Path) -> None:
    from quizzer.core.errors import StorageError

    path = tmp_path / "q.db"
    connect(path).close()
    newer = sqlite3.connect(path)
    newer.execute("INSERT INTO schema_migrations VALUES ('9999_from_the_future', '2030-01-01')")
    newer.commit()
    newer.close()
    with pytest.raises(StorageError, match="written by a newer quizzer"):
        connect(path)


def test_an_empty_file_becomes_a_quizzer_database(tmp_path: Path) -> None:
    path = tmp_path / "empty.db"
    path.touch()
    connection = connect(path)
    assert [name for name, _ in MIGRATIONS] == applied_migrations(connection)


def test_a_read_only_connection_reads_and_writes_nothing(tmp_path: Path) -> None:
    from quizzer.core.errors import StorageError

    path = tmp_path / "q.db"
    writer = connect(path)
    add_review(writer, Rating.GOOD, T0)
    writer.close()
    reader = connect(path, read_only=True)
    assert len(store.reviews_of(reader)) == 1
    with pytest.raises(StorageError, match="read-only"):
        store.register_deck(reader, DECK, T0)
    with pytest.raises(StorageError, match="no database at"):
        connect(tmp_path / "absent.db", read_only=True)
