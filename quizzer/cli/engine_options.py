"""The engine options that `grade` and `eval` share (`--engine`, `--workers`, `--batch-size`, `--address`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from quizzer.batch.engine import EngineOptions

EngineOption = Annotated[str, typer.Option(
    "--engine", help="local (this process), or ray (a Ray cluster; pip install 'quizzer[ray]').")]
WorkersOption = Annotated[int | None, typer.Option(
    "--workers", min=1, help="Ray: grading workers, each loading the model once (default: one per CPU).")]
BatchSizeOption = Annotated[int | None, typer.Option(
    "--batch-size", min=1, help="Rows graded per call, in either engine (default: grade 256, eval 64).")]
AddressOption = Annotated[str | None, typer.Option(
    "--address", help="Ray: the cluster to use (default: RAY_ADDRESS, else a local Ray started for the run).")]
CpusOption = Annotated[float | None, typer.Option(
    "--cpus-per-worker", min=0.1, help="Ray: CPUs (and torch threads) each worker takes (default: 1 on a cluster, "
    "a local Ray's CPUs shared among --workers).")]


def engine_options(engine: str, workers: int | None, batch_size: int | None, address: str | None,
                   cpus_per_worker: float | None, default_batch_size: int | None = None) -> EngineOptions:
    from quizzer.batch.engine import EngineOptions
    from quizzer.batch.output import BATCH

    options = EngineOptions(name=engine.lower(), batch_size=batch_size or default_batch_size or BATCH,
                            workers=workers, address=address, cpus_per_worker=cpus_per_worker)
    options.check()
    return options
