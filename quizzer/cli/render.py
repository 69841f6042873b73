"""Shared rich rendering: consoles and error messages."""

from __future__ import annotations

from rich.console import Console

console = Console()
error_console = Console(stderr=True)


def print_error(message: str, hint: str | None = None) -> None:
    error_console.print(f"[bold red]error:[/] {message}", highlight=False, markup=True, soft_wrap=True)
    if hint:
        error_console.print(f"[dim]hint:[/] {hint}", highlight=False, soft_wrap=True)


def print_warning(message: str) -> None:
    error_console.print(f"[yellow]warning:[/] {message}", highlight=False, soft_wrap=True)
