"""`quizzer llm check`: one small call that says whether the endpoint, model and key work."""

from __future__ import annotations

import typer

app = typer.Typer(help="The optional LLM judge: check its configuration.", no_args_is_help=True)


@app.command("check")
def check() -> None:
    """Make one small grading call and say plainly what works (the key is never printed)."""
    from quizzer.cli.render import console, print_error
    from quizzer.core.config import load_config
    from quizzer.llm_check import check_llm

    with console.status("asking the LLM..."):
        result = check_llm(load_config())
    console.print(f"endpoint: {result.endpoint}", highlight=False)
    console.print(f"model:    {result.model}", highlight=False)
    console.print(f"API key:  {result.key}", highlight=False)
    if not result.ok:
        print_error(f"the LLM judge does not work: {result.problem}",
                    hint="check llm.base_url, llm.model and the key with `quizzer config show`")
        raise typer.Exit(1)
    refused = f" (the endpoint refused {' and '.join(result.refused_forms)})" if result.refused_forms else ""
    console.print(f"structured output: {result.form}{refused}", highlight=False)
    console.print(f"[green]works[/]: the model graded a test answer ({result.verdict}) in {result.latency_s:.2f} s",
                  highlight=False)
