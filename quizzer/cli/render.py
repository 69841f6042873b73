"""Shared rich rendering: consoles and error messages."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape

console = Console()
error_console = Console(stderr=True)


def print_error(message: str, hint: str | None = None) -> None:
    # Messages are plain text that quotes user input (paths, deck and card names): escaped, a "[x]" in them
    # stays visible instead of being read as rich markup and dropped.
    error_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False, markup=True, soft_wrap=True)
    if hint:
        error_console.print(f"[dim]hint:[/] {escape(hint)}", highlight=False, soft_wrap=True)


def print_warning(message: str) -> None:
    error_console.print(f"[yellow]warning:[/] {escape(message)}", highlight=False, soft_wrap=True)
