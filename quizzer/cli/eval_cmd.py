"""`quizzer eval`, `quizzer compare` and `quizzer calibrate`: thin commands over quizzer.evals."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from quizzer.core.config import Config
    from quizzer.evals.datasets import EvalDataset

DbOption = Annotated[str | None, typer.Option("--db", help="Review database (default: QUIZZER_DB, config, data dir).")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout instead of tables.")]


def eval_command(
    file: Annotated[Path | None, typer.Argument(help="Labelled answers (JSONL or CSV).", show_default=False)] = None,
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
) -> None:
    """Measure graders against labelled answers: figures with intervals, plots, a JSON record and a report."""
    from quizzer.cli.eval_render import print_eval_summary, progress_factory
    from quizzer.evals.report import DEFAULT_RUNS_DIR, new_run_dir, write_run
    from quizzer.evals.runner import evaluate, with_baseline
    from quizzer.grading.registry import default_grader_name

    config, dataset = _config_and_dataset(file, from_reviews, db, label_field, limit, no_cache)
    if out is not None:
        _make_out_folder(out)
    specs = with_baseline(grader or [default_grader_name(config)], None if baseline == "none" else baseline)
    with progress_factory(enabled=not as_json) as progress:
        record = evaluate(dataset, specs, config, progress=progress, source="reviews" if from_reviews else None)
    folder = out or new_run_dir(Path.cwd() / DEFAULT_RUNS_DIR, "reviews" if from_reviews else dataset.path.stem)
    try:
        paths = write_run(record, folder)
    except OSError as error:
        from quizzer.core.errors import QuizzerError

        raise QuizzerError(f"cannot write the run's files into {folder}: {error.strerror}",
                           hint="pass --out a folder you can write to") from None
    print_eval_summary(record, folder, paths, as_json)


def _make_out_folder(out: Path) -> None:
    """Fails before grading (minutes with an LLM) when --out cannot hold the run's files."""
    from quizzer.core.errors import QuizzerError

    try:
        out.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise QuizzerError(f"{out}: is a file, not a folder", hint="pass --out a folder (new or existing)") from None
    except OSError as error:
        raise QuizzerError(f"cannot create the folder {out}: {error.strerror}", hint="pass --out another folder") from None


def _config_and_dataset(
    file: Path | None, from_reviews: bool, db: str | None, label_field: str, limit: int | None, no_cache: bool
) -> tuple[Config, EvalDataset]:
    from quizzer.core.config import load_config
    from quizzer.core.errors import QuizzerError
    from quizzer.evals.datasets import load_dataset

    config = load_config().with_flags(llm__cache=False if no_cache else None)
    if from_reviews == (file is not None):
        raise QuizzerError("give a FILE of labelled answers or --from-reviews (one of the two)",
                           hint="quizzer eval evals/interview_answers.jsonl")
    if from_reviews:
        from quizzer.evals.reviews import dataset_from_reviews
        from quizzer.storage.db import resolve_db_path

        return config, dataset_from_reviews(resolve_db_path(config, db), config, limit=limit)
    return config, load_dataset(file, label_field=label_field, limit=limit)


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
