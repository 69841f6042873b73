"""How fast `quizzer decks import` reads a 50,000-note Anki package (target: under 10 s, bounded memory).

Builds (once, cached under /tmp) a package of short HTML notes written by Anki's own library, in the current
layout (zstd `collection.anki21b`) or the legacy one: 90% Basic notes in five decks with tags, line breaks and
entities, 10% cloze notes with two deletions. Then, in one process:

- the library call `quizzer.anki_io.import_package` end to end (read the package, make the cards, write five
  deck files), and its steps: reading the package, making the cards, writing the YAML;
- as a baseline for the writer, today's writer against the one before libyaml (PyYAML's pure-Python
  representer and emitter with an indenting Dumper), on the same 50,000+ cards;

and, each as a fresh process, the CLI `quizzer decks import` against `quizzer --version`, with the peak
resident memory of each (their own `resource.getrusage` maximum, printed by a wrapper).

Run: .venv/bin/python benchmarks/anki_import.py [--notes 50000] [--legacy]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

from quizzer.anki_io import import_package, read_package
from quizzer.deck.anki.convert import convert_package
from quizzer.deck.anki.importing import AnkiImportOptions
from quizzer.deck.model import Deck
from quizzer.deck.writer import card_to_dict, deck_to_yaml

DECKS = ("Interview::ASR", "Interview::Models", "Maths", "Vocab", "Systems")


def build(path: Path, notes: int, legacy: bool) -> Path:
    """The package, built once per size and layout (reused when already there)."""
    if path.exists():
        return path
    from anki.collection import AddNoteRequest, Collection, ExportAnkiPackageOptions

    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        collection = Collection(str(Path(folder) / "collection.anki2"))
        basic, cloze = collection.models.by_name("Basic"), collection.models.by_name("Cloze")
        deck_ids = [collection.decks.id(name) for name in DECKS]
        requests = []
        for number in range(notes):
            if number % 10 == 9:
                note = collection.new_note(cloze)
                note["Text"] = f"{{{{c1::Term {number}}}}} is defined by {{{{c2::rule {number}::a rule}}}}"
            else:
                note = collection.new_note(basic)
                note["Front"] = f"What does <b>term {number}</b> mean &amp; why?"
                note["Back"] = f"<div>It means thing {number}.</div><div>Because of reason {number % 97}.</div>"
            note.tags = [f"topic-{number % 20}", "bench"]
            requests.append(AddNoteRequest(note=note, deck_id=deck_ids[number % len(DECKS)]))
        collection.add_notes(requests)
        options = ExportAnkiPackageOptions(with_scheduling=False, with_deck_configs=False, with_media=False,
                                           legacy=legacy)
        collection.export_anki_package(out_path=str(path), options=options, limit=None)
        collection.close()
    return path


class _OldDumper(yaml.SafeDumper):
    """The writer before libyaml: pure-Python representer and emitter, list items indented under their key."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _old_text(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    style = "|" if "\n" in text else (">" if len(text) > 100 else None)
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


_OldDumper.add_representer(str, _old_text)


def old_deck_to_yaml(deck: Deck) -> str:
    document: dict[str, Any] = {"name": deck.name, "cards": [card_to_dict(card) for card in deck.cards]}
    return yaml.dump(document, Dumper=_OldDumper, sort_keys=False, allow_unicode=True, width=100,
                     default_flow_style=False)


def timed(step: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    value = step()
    return time.perf_counter() - start, value


_WRAPPER = ("import resource, runpy, sys\nsys.argv = ['quizzer', *sys.argv[1:]]\n"
            "try:\n    runpy.run_module('quizzer', run_name='__main__')\nexcept SystemExit:\n    pass\n"
            "print('MAXRSS_KB', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n")


def cli(args: list[str], cwd: Path) -> tuple[float, float]:
    """Wall time (s) and peak resident memory (MB) of `quizzer ARGS` in a fresh process."""
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", _WRAPPER, *args], capture_output=True, text=True, cwd=cwd)
    elapsed = time.perf_counter() - start
    if "Traceback" in result.stderr:
        raise SystemExit(result.stderr)
    return elapsed, int(result.stderr.split("MAXRSS_KB")[1].split()[0]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=50_000)
    parser.add_argument("--legacy", action="store_true", help="the legacy layout (collection.anki21)")
    parser.add_argument("--build-only", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build_only:
        build(args.build_only, args.notes, args.legacy)
        return
    layout = "legacy" if args.legacy else "current"
    package = Path(tempfile.gettempdir()) / "quizzer-bench-anki" / f"bench-{args.notes}-{layout}.apkg"
    if not package.exists():  # in a child process, so that this one stays small for the memory figures
        subprocess.run([sys.executable, __file__, "--notes", str(args.notes), "--build-only", str(package),
                        *(["--legacy"] if args.legacy else [])], check=True)
    print(f"package: {package} ({package.stat().st_size / 2**20:.1f} MB, {args.notes} notes, {layout} layout)")
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder)
        # The processes first, while this one is small: Linux keeps a parent's peak memory in a child's maximum.
        version_s, version_mb = cli(["--version"], out)
        cli_s, cli_mb = cli(["decks", "import", str(package), "-o", "cli", "--force"], out)
        total, result = timed(lambda: import_package(package, AnkiImportOptions(output=out / "lib", force=True)))
        cards = sum(len(item.deck.cards) for item in result.decks)
        read_s, read = timed(lambda: read_package(package))
        convert_s, conversion = timed(lambda: convert_package(read))
        decks = [Deck(name=deck.name, cards=tuple(deck.cards)) for deck in conversion.decks]
        write_s, _ = timed(lambda: [deck_to_yaml(deck) for deck in decks])
        old_write_s, _ = timed(lambda: [old_deck_to_yaml(deck) for deck in decks])
        print(f"library import_package: {total:.2f} s for {cards} cards in {len(result.decks)} deck files")
        print(f"  reading the package {read_s:.2f} s, making the cards {convert_s:.2f} s, YAML text {write_s:.2f} s")
        print(f"  writer baseline (pure-Python, before libyaml): {old_write_s:.2f} s -> {old_write_s / write_s:.0f}x "
              "as long as today's writer")
        print(f"CLI `quizzer --version`: {version_s:.2f} s, peak {version_mb:.0f} MB")
        print(f"CLI `quizzer decks import`: {cli_s:.2f} s ({cli_s / version_s:.0f}x), peak {cli_mb:.0f} MB")
        shutil.rmtree(out, ignore_errors=True)

if __name__ == "__main__":
    main()
