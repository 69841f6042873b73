"""Eval datasets, runs, report files (real PNGs), comparisons and the `quizzer eval` / `compare` commands."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from quizzer.core.config import load_config
from quizzer.evals.compare import compare_records
from quizzer.evals.datasets import load_dataset, normalize_label
from quizzer.evals.report import load_record, write_run
from quizzer.evals.runner import evaluate
from quizzer.grading.offline.bands import fitted_bands

FIXTURE = Path(__file__).parent / "fixtures" / "evals" / "answers.jsonl"
# The first rows of each training set in ../shared/datasets, as they are there (tests/fixtures/README.md), so these
# tests also run on a fresh clone where ../shared does not exist.
TRAINING_EXTRACTS = Path(__file__).parent / "fixtures" / "datasets"
OVERLAP = "fakes:make_overlap_grader"
HYBRID = "fakes:make_escalating_grader"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    ("written", "ours"),
    [("Correct", "correct"), ("Partially correct", "partial"), ("partially_correct_incomplete", "partial"),
     ("contradictory", "incorrect"), ("non_domain", "incorrect"), ("irrelevant", "incorrect"), ("maybe", None)],
)
def test_dataset_labels_are_normalised(written: str, ours: str | None) -> None:
    assert normalize_label(written) == ours


def test_fixture_dataset_gold_from_label_or_score_and_bad_rows_kept_apart() -> None:
    dataset = load_dataset(FIXTURE)
    by_id = {item.id: item for item in dataset.items}
    assert by_id["c4"].gold_label == "partial" and by_id["c4"].category == "partial"
    assert by_id["s1"].gold_label == "partial" and by_id["s1"].gold_score == pytest.approx(0.75)
    assert by_id["s2"].gold_label == "correct" and by_id["s3"].gold_label == "incorrect"
    assert "unknown label 'maybe'" in by_id["x1"].error
    assert "reference" in by_id["x2"].error
    assert len(dataset.usable) == 18 and dataset.has_partial and dataset.has_scores
    assert dataset.sha256 == hashlib.sha256(FIXTURE.read_bytes()).hexdigest()


@pytest.mark.parametrize("folder", ["semeval2013_scientsbank", "semeval2013_beetle", "saf_communication_networks_en",
                                    "stsb"])
def test_training_datasets_load_as_they_are(folder: str) -> None:
    dataset = load_dataset(TRAINING_EXTRACTS / folder / "train.jsonl", limit=40)
    assert len(dataset.items) == 40
    assert all(item.error is None for item in dataset.items), [i.error for i in dataset.items if i.error][:3]
    if folder == "semeval2013_beetle":
        assert any(len(item.submission.references) > 1 for item in dataset.items)


def test_label_field_chooses_the_gold_column() -> None:
    beetle = TRAINING_EXTRACTS / "semeval2013_beetle" / "train.jsonl"
    five_way = load_dataset(beetle, limit=200)
    two_way = load_dataset(beetle, label_field="label_2way", limit=200)
    assert five_way.has_partial and not two_way.has_partial


@pytest.fixture(scope="module")
def fixture_record() -> dict:
    return evaluate(load_dataset(FIXTURE), [OVERLAP, HYBRID], load_config())


def test_run_record_holds_specs_hash_version_and_every_item(fixture_record: dict) -> None:
    from quizzer import __version__

    assert fixture_record["quizzer_version"] == __version__
    assert fixture_record["dataset"]["sha256"] == hashlib.sha256(FIXTURE.read_bytes()).hexdigest()
    overlap, hybrid = fixture_record["graders"]
    assert overlap["info"]["name"] == "overlap"
    assert overlap["info"]["params"]["correct_above"] == fitted_bands().correct_above
    assert len(overlap["results"]) == 20
    assert sum(r["verdict"] == "could not grade" for r in overlap["results"]) == 2
    assert overlap["metrics"]["graded"] == 18
    # The fake hybrid sends exactly the overlap grader's uncertain answers to its pretend LLM.
    assert hybrid["metrics"]["llm"]["calls"] == overlap["metrics"]["uncertain"] > 0
    assert hybrid["stats"]["calls"] == hybrid["metrics"]["llm"]["calls"]


def test_report_files_are_written_and_the_plots_are_real_images(fixture_record: dict, tmp_path: Path) -> None:
    import matplotlib.image

    paths = write_run(fixture_record, tmp_path / "run")
    assert load_record(tmp_path / "run")["graders"][0]["metrics"] == json.loads(
        json.dumps(fixture_record["graders"][0]["metrics"]))
    report = paths["report"].read_text(encoding="utf-8")
    for name in ("reliability", "histograms", "confusion", "threshold_sweep"):
        png = paths[name]
        assert png.read_bytes()[:8] == PNG_SIGNATURE
        height, width, _ = matplotlib.image.imread(png).shape
        assert height > 200 and width > 300
        assert f"(plots/{name}.png)" in report
    assert "| weighted F1 |" in report and "LLM calls" in report
    assert "line 19 (`x1`)" in report


def test_compare_shows_figures_and_the_flipped_verdicts(tmp_path: Path) -> None:
    dataset = load_dataset(FIXTURE)
    before = evaluate(dataset, [OVERLAP], load_config())
    strict = load_config().with_flags(grader__correct_above=0.95, grader__uncertain_high=0.9)
    after = evaluate(dataset, [OVERLAP], strict)
    comparison = compare_records(before, after)
    (grader,) = comparison["graders"]
    assert comparison["same_dataset"] and grader["settings_changed"]
    old = {r["id"]: r["verdict"] for r in before["graders"][0]["results"]}
    new = {r["id"]: r["verdict"] for r in after["graders"][0]["results"]}
    assert {item["id"] for item in grader["flipped"]} == {i for i in old if old[i] != new[i]} != set()
    for item in grader["flipped"]:
        assert (item["a_verdict"], item["b_verdict"]) == (old[item["id"]], new[item["id"]])
    accuracy = next(f for f in grader["figures"] if f["figure"] == "accuracy")
    assert accuracy["delta"] == pytest.approx(accuracy["b"] - accuracy["a"])
    assert len(accuracy["a_interval"]) == 2


def quizzer(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "quizzer", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120, env={**os.environ, "COLUMNS": "160"})


def test_eval_command_writes_a_new_run_folder_and_prints_one_json_object(tmp_path: Path) -> None:
    args = ["eval", str(FIXTURE), "--grader", OVERLAP, "--baseline", HYBRID, "--json"]
    first = quizzer(*args, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    figures = json.loads(first.stdout)
    assert [g["spec"] for g in figures["graders"]] == [OVERLAP, HYBRID]
    assert "results" not in figures["graders"][0] and "weighted_f1" in figures["graders"][0]["metrics"]
    run_dir = Path(figures["run_dir"])
    assert run_dir.parent == tmp_path / "quizzer-evals" and (run_dir / "run.json").is_file()
    assert "line 19 (x1)" in first.stderr
    second = quizzer(*args, cwd=tmp_path)
    assert json.loads(second.stdout)["run_dir"] != str(run_dir)  # every run gets its own folder

    table = quizzer("compare", str(run_dir), json.loads(second.stdout)["run_dir"], cwd=tmp_path)
    assert table.returncode == 0, table.stderr
    assert "A vs B" in table.stdout and "no verdict changed" in table.stdout


def test_eval_command_out_folder_and_table(tmp_path: Path) -> None:
    result = quizzer("eval", str(FIXTURE), "-g", OVERLAP, "--baseline", "none", "--out", "mine", "--limit", "10",
                     cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "weighted F1" in result.stdout and "10 labelled answers" in result.stdout
    assert (tmp_path / "mine" / "report.md").is_file() and not (tmp_path / "quizzer-evals").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [(["eval", "missing.jsonl", "-g", OVERLAP], "no such file"),
     (["eval", "-g", OVERLAP], "give a FILE"),
     (["eval", str(FIXTURE), "-g", "nonsense"], "unknown grader"),
     (["compare", "nowhere", "nowhere"], "no such eval run")],
)
def test_eval_and_compare_report_bad_input_without_traceback(tmp_path: Path, args: list[str], message: str) -> None:
    result = quizzer(*args, cwd=tmp_path)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr


@pytest.mark.slow
def test_eval_warns_when_the_grader_was_fitted_on_the_evaluated_file(embedding_model, tmp_path: Path, capsys) -> None:
    from quizzer.cli.eval_render import print_eval_summary
    from quizzer.evals.report import in_sample_note

    interview = Path(__file__).resolve().parent.parent / "evals" / "interview_answers.jsonl"
    record = evaluate(load_dataset(interview, limit=6), ["embedding", OVERLAP], load_config())
    embedding, overlap = record["graders"]
    # grader_params.json records the sha256 of every file evals/fit_grader.py fitted on, this one included.
    assert embedding["in_sample"] is True and overlap["in_sample"] is False
    paths = write_run(record, tmp_path / "run")
    assert "figures are in-sample: this grader was fitted on this file (`embedding`)" in paths["report"].read_text()
    print_eval_summary(record, tmp_path / "run", paths, as_json=False)
    assert "figures are in-sample: this grader was fitted on this file (embedding)" in capsys.readouterr().err

    unseen = evaluate(load_dataset(FIXTURE, limit=6), ["embedding"], load_config())
    assert unseen["graders"][0]["in_sample"] is False and in_sample_note(unseen) is None
    assert "in-sample" not in write_run(unseen, tmp_path / "unseen")["report"].read_text()
