"""Refitting the decision bands from the learner's overrides, in a real SQLite database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from fakes import OverlapGrader
from quizzer.core.config import load_config
from quizzer.core.config_write import write_settings
from quizzer.core.types import Rating, Submission
from quizzer.deck.loader import load_deck
from quizzer.deck.model import Card
from quizzer.evals.calibrate import fit_bands
from quizzer.grading.offline.bands import Bands, bands_for, fitted_bands
from quizzer.reviewing import record_decision, record_review
from quizzer.storage.db import connect

OVERLAP = "fakes:make_overlap_grader"
WORDS = "alpha bravo charlie delta echo foxtrot golf hotel india juliet".split()


def test_separable_labels_give_one_cut_and_no_uncertain_band() -> None:
    probabilities = [i / 100 for i in range(100)]
    bands, notes = fit_bands(probabilities, [p >= 0.5 for p in probabilities], fitted_bands())
    # P(correct | p) jumps from 0 at 0.49 to 1 at 0.50: every threshold lands on 0.5.
    assert bands == Bands(0.5, 0.5, 0.5, 0.5)
    assert any("no uncertain band" in note for note in notes)


def test_overlapping_labels_give_ordered_bands_that_meet_their_precision() -> None:
    probabilities, correct = [], []
    for tenth in range(10):  # 20 answers at each of 0.05 .. 0.95, correct as often as the probability says
        p = tenth / 10 + 0.05
        probabilities += [p] * 20
        correct += [index < round(20 * p) for index in range(20)]
    bands, _ = fit_bands(probabilities, correct, fitted_bands())
    # Calibrated data: P(correct | p) = p, so the bands sit at the levels themselves.
    assert bands.incorrect_below == pytest.approx(0.11, abs=0.011)
    assert bands.uncertain_low == pytest.approx(0.26, abs=0.011)
    assert bands.uncertain_high == pytest.approx(0.75, abs=0.011)
    assert bands.correct_above == pytest.approx(0.90, abs=0.011)
    above = [c for p, c in zip(probabilities, correct, strict=True) if p >= bands.correct_above]
    below = [c for p, c in zip(probabilities, correct, strict=True) if p < bands.incorrect_below]
    assert sum(above) / len(above) >= 0.9 and below.count(False) / len(below) >= 0.9


def test_too_few_labels_leave_the_bands_alone() -> None:
    from quizzer.evals.calibrate import calibrate
    from quizzer.evals.runner import ItemResult

    results = [ItemResult(id=str(i), line=i, gold_label="correct", gold_score=None, verdict="correct", probability=0.9)
               for i in range(8)]
    calibration = calibrate(results, fitted_bands())
    assert calibration.overall.fitted is None and "at least 20" in calibration.overall.notes[0]


def deck_yaml(name: str) -> str:
    return (f"name: {name}\ncards:\n  - id: phonetic\n    question: Spell the first ten letters.\n"
            f"    answer: {' '.join(WORDS)}\n")


@pytest.fixture
def labelled_db(tmp_path: Path, isolated_environment: Path) -> Path:
    """Two decks; answers holding k of the reference's 10 words (overlap probability k/10), labelled by the learner:
    correct from k >= 8 in deck `strict`, from k >= 3 in deck `lenient`. Plus a skipped, an undecided and an
    edited-card review that must not count."""
    decks = {}
    for name in ("strict", "lenient"):
        path = tmp_path / f"{name}.yaml"
        path.write_text(deck_yaml(name), encoding="utf-8")
        decks[name] = load_deck(path)
    config_path = Path(os.environ["QUIZZER_CONFIG"])
    config_path.write_text(f'decks = ["{tmp_path / "strict.yaml"}", "{tmp_path / "lenient.yaml"}"]\n'
                           '[quiz]\nnew_per_day = 7\n', encoding="utf-8")
    db_path = tmp_path / "reviews.db"
    connection = connect(db_path)
    grader = OverlapGrader()
    for name, cut in (("strict", 8), ("lenient", 3)):
        card = decks[name].cards[0]
        for repeat in range(4):
            for k in range(11):
                answer = " ".join(WORDS[:k]) or "no idea"
                grade = grader.grade(Submission.for_card(card, answer, deck=name))
                review = record_review(connection, deck=name, card=card, answer=answer, grade=grade,
                                       rating=Rating.GOOD).id
                label = "correct" if k >= cut else "incorrect"
                if label != grade.verdict.value or repeat == 0:
                    record_decision(connection, review, "override", label, Rating.GOOD if k >= cut else Rating.AGAIN)
                else:
                    record_decision(connection, review, "uncertain", label, Rating.GOOD)
    card = decks["strict"].cards[0]
    answer = "alpha bravo"
    grade = grader.grade(Submission.for_card(card, answer, deck="strict"))
    skipped = record_review(connection, deck="strict", card=card, answer=answer, grade=grade, rating=Rating.GOOD).id
    record_decision(connection, skipped, "skip", "correct", None)
    record_review(connection, deck="strict", card=card, answer=answer, grade=grade, rating=Rating.GOOD)
    edited = Card(id=card.id, question=card.question, references=("something else entirely",))
    old = record_review(connection, deck="strict", card=edited, answer=answer, grade=grade, rating=Rating.GOOD).id
    record_decision(connection, old, "override", "correct", Rating.GOOD)
    connection.close()
    return db_path


def quizzer(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "quizzer", *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "COLUMNS": "160"})


def test_calibrate_fits_per_deck_bands_and_writes_only_when_asked(labelled_db: Path) -> None:
    config_path = Path(os.environ["QUIZZER_CONFIG"])
    before = config_path.read_text(encoding="utf-8")
    dry = quizzer("calibrate", "--db", str(labelled_db), "--grader", OVERLAP, "--json")
    assert dry.returncode == 0, dry.stderr
    report = json.loads(dry.stdout)
    assert report["labels"] == 88 and report["left_out"] == 1 and not report["written"]
    decks = {fit["scope"]: fit["fitted"] for fit in report["decks"]}
    assert 0.7 < decks["strict"]["correct_above"] <= 0.8 and 0.2 < decks["lenient"]["correct_above"] <= 0.3
    assert config_path.read_text(encoding="utf-8") == before

    table = quizzer("calibrate", "--db", str(labelled_db), "--grader", OVERLAP)
    assert "Used 88 labelled answers" in table.stdout and "Not written" in table.stdout

    written = quizzer("calibrate", "--db", str(labelled_db), "--grader", OVERLAP, "--write")
    assert written.returncode == 0, written.stderr and "Wrote the new bands" in written.stdout
    saved = tomllib.loads(config_path.read_text(encoding="utf-8"))
    assert saved["quiz"]["new_per_day"] == 7 and len(saved["decks"]) == 2  # the rest of the file is kept
    assert saved["grader"]["correct_above"] == report["overall"]["fitted"]["correct_above"]
    config = load_config()
    strict, lenient = bands_for(config, "strict"), bands_for(config, "lenient")
    assert strict.verdict(0.3).value == "incorrect" and lenient.verdict(0.3).value == "correct"
    assert bands_for(config, "other").correct_above == saved["grader"]["correct_above"]


def test_eval_from_reviews_uses_the_learner_labels(labelled_db: Path) -> None:
    result = quizzer("eval", "--from-reviews", "--db", str(labelled_db), "-g", OVERLAP, "--baseline", "none",
                     "--json", "--out", str(labelled_db.parent / "run"))
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    (grader,) = figures["graders"]
    assert grader["metrics"]["graded"] == 88 and figures["dataset"]["rows"] == 89
    assert set(grader["metrics"]["by_deck"]) == {"strict", "lenient"}
    assert "edited after this review" in result.stderr


def test_eval_from_reviews_without_labels_says_so(tmp_path: Path) -> None:
    connect(tmp_path / "empty.db").close()
    result = quizzer("eval", "--from-reviews", "--db", str(tmp_path / "empty.db"), "-g", OVERLAP)
    assert result.returncode == 2 and "no learner labels yet" in result.stderr


def test_write_settings_replaces_in_place_and_refuses_invalid_files(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("# mine\n[grader]\ncorrect_above = 0.8\n\n[quiz]\nnew_per_day = 5\n", encoding="utf-8")
    write_settings(path, {"grader.correct_above": 0.75, "grader.incorrect_below": 0.2, "db": "/x.db"})
    text = path.read_text(encoding="utf-8")
    assert text.startswith('# mine\ndb = "/x.db"\n[grader]\ncorrect_above = 0.75\nincorrect_below = 0.2\n')
    assert tomllib.loads(text)["quiz"]["new_per_day"] == 5
    from quizzer.core.errors import ConfigError

    with pytest.raises(ConfigError):
        write_settings(path, {"grader.deck_bands": 3})
    assert path.read_text(encoding="utf-8") == text
