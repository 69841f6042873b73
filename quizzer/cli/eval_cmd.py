"""`quizzer eval`, `quizzer compare` and `quizzer calibrate`: thin commands over quizzer.evals."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from quizzer.cli.engine_options import (
    AddressOption, BatchSizeOption, CpusOption, EngineOption, WorkersOption, engine_options,
)
from quizzer.cli.quiz_cmd import EscalateOption
from quizzer.core.errors import QuizzerError

if TYPE_CHECKING:
    from collections.abc import Callable

    from quizzer.batch.engine import EngineOptions
    from quizzer.core.config import Config
    from quizzer.evals.streaming import EvalRun

DbOption = Annotated[str | None, typer.Option("--db", help="Review database (default: QUIZZER_DB, config, data dir).")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout instead of tables.")]


def eval_command(
    file: Annotated[Path | None, typer.Argument(help="Labelled answers (JSONL, CSV or Parquet).", show_default=False)] = None,
    grader: Annotated[list[str] | None, typer.Option(
        "--grader", "-g", help="Grader to evaluate (repeat for several side by side; a name or module:factory).")] = None,
    baseline: Annotated[str, typer.Option(help="Grader always run for comparison ('none' for no baseline).")] = "cosine",
    label_field: Annotated[str, typer.Option(help="Field holding the gold label (e.g. label_2way).")] = "label",
    as_json: JsonOption = False,
    out: Annotated[Path | None, typer.Option("--out", help="Folder for the run's files (default: a new folder "
                                             "under ./quizzer-evals).")] = None,
    limit: Annotated[int | None, typer.Option(min=1, help="Use only the first N rows.")] = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Ignore cached LLM verdicts.")] = False,
    from_reviews: Annotated[bool, typer.Option("--from-reviews", help="Evaluate on your own overrides from the quiz.")] = False,
    db: DbOption = None,
    escalate: EscalateOption = None,
    engine: EngineOption = "local",
    workers: WorkersOption = None,
    batch_size: BatchSizeOption = None,
    address: AddressOption = None,
    cpus_per_worker: CpusOption = None,
) -> None:
    """Measure graders against labelled answers: figures with intervals, plots, a JSON record and a report."""
    from quizzer.cli.eval_render import print_eval_summary, print_interrupted
    from quizzer.cli.grade_render import INTERRUPTED, grading_progress
    from quizzer.evals.report import DEFAULT_RUNS_DIR, new_run_dir
    from quizzer.evals.runner import with_baseline
    from quizzer.grading.registry import default_grader_name

    from quizzer.core.config import load_config

    options = engine_options(engine, workers, batch_size, address, cpus_per_worker, default_batch_size=64)
    config = load_config().with_flags(llm__cache=False if no_cache else None, llm__escalate=escalate)
    if from_reviews == (file is not None):
        raise QuizzerError("give a FILE of labelled answers or --from-reviews (one of the two)",
                           hint="quizzer eval evals/interview_answers.jsonl")
    if out is not None:
        _make_out_folder(out)
    specs = with_baseline(grader or [default_grader_name(config)], None if baseline == "none" else baseline)
    folder = out or new_run_dir(Path.cwd() / DEFAULT_RUNS_DIR, "reviews" if from_reviews else file.stem)
    with grading_progress(f"grading with {', '.join(specs)}", enabled=not as_json) as progress:
        if from_reviews:
            run = _eval_reviews(specs, config, db, limit, folder)
        else:
            run = _eval_file(file, specs, config, folder, label_field, limit, options, progress)
    print_eval_summary(run.record, folder, run.paths, as_json)
    if run.interrupted:
        print_interrupted(run.record, folder)
        raise typer.Exit(INTERRUPTED)


def _eval_file(file: Path, specs: list[str], config: Config, folder: Path, label_field: str, limit: int | None,
               options: EngineOptions, progress: Callable[[int, float], None] | None) -> EvalRun:
    from quizzer.evals.streaming import evaluate_file

    try:
        return evaluate_file(file, specs, config, folder, label_field=label_field, limit=limit, engine=options,
                             progress=progress)
    except OSError as error:
        raise QuizzerError(f"cannot write the run's files into {folder}: {error.strerror}",
                           hint="pass --out a folder you can write to") from None


def _eval_reviews(specs: list[str], config: Config, db: str | None, limit: int | None, folder: Path) -> EvalRun:
    """Your own overrides from the quiz (a dataset read from the database, in memory)."""
    from quizzer.evals.report import write_run
    from quizzer.evals.reviews import dataset_from_reviews
    from quizzer.evals.runner import evaluate
    from quizzer.evals.streaming import EvalRun
    from quizzer.storage.db import resolve_db_path

    dataset = dataset_from_reviews(resolve_db_path(config, db), config, limit=limit)
    record = evaluate(dataset, specs, config, source="reviews")
    try:
        return EvalRun(record, folder, write_run(record, folder))
    except OSError as error:
        raise QuizzerError(f"cannot write the run's files into {folder}: {error.strerror}",
                           hint="pass --out a folder you can write to") from None


def _make_out_folder(out: Path) -> None:
    """Fails before grading (minutes with an LLM) when --out cannot hold the run's files."""
    from quizzer.core.errors import QuizzerError

    try:
        out.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise QuizzerError(f"{out}: is a file, not a folder", hint="pass --out a folder (new or existing)") from None
    except OSError as error:
        raise QuizzerError(f"cannot create the folder {out}: {error.strerror}", hint="pass --out another folder") from None


def compare_command(
    run_a: Annotated[Path, typer.Argument(help="The earlier run (its folder or run.json).")],
    run_b: Annotated[Path, typer.Argument(help="The later run.")],
    as_json: JsonOption = False,
) -> None:
    """What changed between two eval runs: figures with intervals, and answers whose verdict flipped."""
    from quizzer.cli.eval_render import print_comparison
    from quizzer.evals.compare import compare_records
    from quizzer.evals.report import load_record

    print_comparison(compare_records(load_record(run_a), load_record(run_b)), as_json)


def calibrate_command(
    db: DbOption = None,
    grader: Annotated[str, typer.Option("--grader", "-g", help="Grader whose bands to fit.")] = "embedding",
    write: Annotated[bool, typer.Option("--write", help="Write the new bands to the config file.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Refit the decision bands from your overrides (per deck when there are enough); --write saves them."""
    from quizzer.cli.eval_render import print_calibration
    from quizzer.core.config import load_config
    from quizzer.evals.calibrate import calibrate, settings_to_write
    from quizzer.evals.reviews import dataset_from_reviews
    from quizzer.evals.runner import run_grader
    from quizzer.graders import build_grader
    from quizzer.grading.offline.bands import global_bands, parse_deck_bands
    from quizzer.storage.db import resolve_db_path

    config = load_config()
    dataset = dataset_from_reviews(resolve_db_path(config, db), config)
    run = run_grader(grader, build_grader(grader, config), dataset)
    deck_bands = parse_deck_bands(config.grader.deck_bands)
    calibration = calibrate(run.results, global_bands(config), deck_bands)
    values = settings_to_write(calibration, deck_bands)
    if write and values:
        from quizzer.core.config_write import write_settings

        write_settings(config.path, values)
    print_calibration(calibration, values, config.path, written=write, as_json=as_json)
