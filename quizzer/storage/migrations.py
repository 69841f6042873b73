"""Named, ordered schema migrations, each a function recorded in `schema_migrations` under its name.

Append new ones at the end; never edit one that has shipped (the names are what existing databases recorded).
A data fix sits beside the DDL as one more function; a rebuild that needs scheduling (card states) is the use
case's (`quizzer.reviewing.rebuild_states`), not a migration's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from quizzer.storage.db import Connection


def m0001_reviews(connection: Connection) -> None:
    """The review log, the learner's decisions beside it, the cards seen, and their cached FSRS states."""
    for statement in (
            # Append-only log: one row per graded (or revealed) answer, committed as soon as the grade is shown.
            """CREATE TABLE reviews (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                session_id TEXT,
                deck TEXT NOT NULL,
                card_id TEXT NOT NULL,
                card_hash TEXT NOT NULL,
                question TEXT NOT NULL,
                answer TEXT NOT NULL,
                kind TEXT NOT NULL DEFAULT 'answer',      -- 'answer' or 'reveal'
                verdict TEXT NOT NULL,
                probability REAL,
                grader TEXT NOT NULL,
                grader_version TEXT NOT NULL,
                grade_json TEXT NOT NULL,                 -- the whole Grade, evidence included
                -- 1 Again, 2 Hard, 3 Good, 4 Easy as proposed by the grade; NULL while an uncertain or
                -- "could not grade" verdict awaits the learner's decision (it then leaves the schedule alone).
                rating INTEGER,
                answer_seconds REAL,
                cram INTEGER NOT NULL DEFAULT 0,          -- cram reviews never touch the schedule
                shown_at TEXT,                            -- UTC ISO-8601
                reviewed_at TEXT NOT NULL                 -- UTC ISO-8601
            )""",
            "CREATE INDEX reviews_card ON reviews (deck, card_id, reviewed_at)",
            "CREATE INDEX reviews_time ON reviews (reviewed_at)",
            # The learner's word on a review (an override, or the decision on an uncertain grade), appended
            # beside the model's grade; the schedule follows the latest decision's rating.
            """CREATE TABLE review_decisions (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                review_id INTEGER NOT NULL REFERENCES reviews(id),
                kind TEXT NOT NULL,                       -- 'override', 'uncertain' or 'skip'
                verdict TEXT NOT NULL,
                rating INTEGER,                           -- NULL for 'skip': the review leaves the schedule alone
                decided_at TEXT NOT NULL
            )""",
            "CREATE INDEX review_decisions_review ON review_decisions (review_id)",
            # The cards seen so far, with the content hash of their current text (to flag edits).
            """CREATE TABLE cards (
                deck TEXT NOT NULL,
                card_id TEXT NOT NULL,
                card_hash TEXT NOT NULL,
                question TEXT NOT NULL,
                tags TEXT NOT NULL DEFAULT '[]',          -- JSON list
                edited INTEGER NOT NULL DEFAULT 0,
                first_seen TEXT NOT NULL,
                updated_at TEXT NOT NULL,
                PRIMARY KEY (deck, card_id)
            )""",
            # Derived FSRS state per card: a cache that replaying `reviews` rebuilds.
            """CREATE TABLE card_states (
                deck TEXT NOT NULL,
                card_id TEXT NOT NULL,
                fsrs_json TEXT NOT NULL,
                state INTEGER NOT NULL,                   -- fsrs State: 1 Learning, 2 Review, 3 Relearning
                due TEXT NOT NULL,
                stability REAL,
                difficulty REAL,
                last_review TEXT,
                reps INTEGER NOT NULL DEFAULT 0,
                lapses INTEGER NOT NULL DEFAULT 0,
                PRIMARY KEY (deck, card_id)
            )""",
            "CREATE INDEX card_states_due ON card_states (due)",
    ):
        connection.execute(statement)


def m0002_llm_verdicts(connection: Connection) -> None:
    """The LLM verdict cache."""
    for statement in (
            # LLM verdicts keyed by a hash of (model, prompt version, question, references, answer).
            """CREATE TABLE llm_verdicts (
                cache_key TEXT PRIMARY KEY,
                model TEXT NOT NULL,
                prompt_version TEXT NOT NULL,
                grade_json TEXT NOT NULL,
                created_at TEXT NOT NULL
            )""",
    ):
        connection.execute(statement)


def m0003_review_outcomes(connection: Connection) -> None:
    """The log made append-only, and each review with its final word (`review_outcomes`)."""
    for statement in (
            # The log is append-only: corrections are new rows in review_decisions, never edits.
            """CREATE TRIGGER reviews_no_update BEFORE UPDATE ON reviews
               BEGIN SELECT RAISE(ABORT, 'reviews are append-only'); END""",
            """CREATE TRIGGER reviews_no_delete BEFORE DELETE ON reviews
               BEGIN SELECT RAISE(ABORT, 'reviews are append-only'); END""",
            """CREATE TRIGGER review_decisions_no_update BEFORE UPDATE ON review_decisions
               BEGIN SELECT RAISE(ABORT, 'review decisions are append-only'); END""",
            """CREATE TRIGGER review_decisions_no_delete BEFORE DELETE ON review_decisions
               BEGIN SELECT RAISE(ABORT, 'review decisions are append-only'); END""",
            # Each review with its final word: the latest decision's verdict and rating, else the grade's own.
            # final_rating NULL means the review does not count for scheduling (undecided, skipped).
            """CREATE VIEW review_outcomes AS
               SELECT reviews.*,
                      decision.kind AS decision_kind,
                      COALESCE(decision.verdict, reviews.verdict) AS final_verdict,
                      CASE WHEN decision.id IS NULL THEN reviews.rating ELSE decision.rating END AS final_rating,
                      decision.decided_at AS decided_at
               FROM reviews
               LEFT JOIN review_decisions AS decision ON decision.id = (
                   SELECT MAX(id) FROM review_decisions WHERE review_decisions.review_id = reviews.id
               )""",
    ):
        connection.execute(statement)


# (name recorded in schema_migrations, migration), in the order they apply.
MIGRATIONS: list[tuple[str, Callable[[Connection], None]]] = [
    (migration.__name__.removeprefix("m"), migration)
    for migration in (m0001_reviews, m0002_llm_verdicts, m0003_review_outcomes)
]
