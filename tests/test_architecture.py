"""The import rules of ARCHITECTURE.md, read from the source with `ast` (imports inside functions count too):
SQL and sqlite3 only in storage, imports that point down the layers only, no cycle between packages, one module
per outside library."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE_DIR = Path(__file__).resolve().parent.parent / "quizzer"

# Each package or module of quizzer and its layer; imports may point to the same layer or below, never above.
CORE, DOMAIN, USE_CASE, CLI = 0, 1, 2, 3
LAYERS = {
    "quizzer": CORE,  # the package itself: its version
    "quizzer.core": CORE,
    "quizzer.grading": DOMAIN,
    "quizzer.deck": DOMAIN,
    "quizzer.scheduling": DOMAIN,
    "quizzer.storage": DOMAIN,
    "quizzer.session": USE_CASE,
    "quizzer.reviewing": USE_CASE,
    "quizzer.mastery": USE_CASE,
    "quizzer.review_log": USE_CASE,
    "quizzer.batch": USE_CASE,
    "quizzer.evals": USE_CASE,
    "quizzer.graders": USE_CASE,
    "quizzer.llm_check": USE_CASE,
    "quizzer.anki_io": USE_CASE,
    "quizzer.quiz_text": USE_CASE,
    "quizzer.cli": CLI,
    "quizzer.web": CLI,  # the web server's routes: the top layer, beside the typer commands
    "quizzer.__main__": CLI,
}
# The packages among which an import cycle is an error: the ones above, with grading's two halves apart.
SUBPACKAGES = ("quizzer.grading.offline", "quizzer.grading.judge")
# Neighbours in the domain layer that must not import each other: storage never calls scheduling (the use case
# hands it the function), grading never opens a database (its caches are handed in), and the offline grader and
# the LLM judge meet only in the registry.
APART = (
    ("quizzer.storage", "quizzer.scheduling"),
    ("quizzer.storage", "quizzer.grading"),
    ("quizzer.grading", "quizzer.storage"),
    ("quizzer.grading.offline", "quizzer.grading.judge"),
    ("quizzer.grading.judge", "quizzer.grading.offline"),
    # The typed path decides short answers without the embedding model (issue 19: under 2 ms, no model call).
    ("quizzer.grading.offline.typed", "quizzer.grading.offline.embedder"),
    ("quizzer.grading.offline.typed", "quizzer.grading.offline.embedding"),
)
# Outside libraries that only one module may import (STYLE.md: one module per outside world).
SOLE_IMPORTERS = {
    "openai": "quizzer.grading.judge.client",
    "fsrs": "quizzer.scheduling",
    "sentence_transformers": "quizzer.grading.offline.embedder",
    "transformers": "quizzer.grading.offline.embedder",
    "torch": "quizzer.grading.offline.embedder",
    "sqlite3": "quizzer.storage",  # a package: any of its modules
    "ray": "quizzer.batch.ray_engine",
    "pyarrow": "quizzer.batch.parquet",
    "pint": "quizzer.grading.offline.typed.units",
    "sympy": "quizzer.grading.offline.typed.mathparse",
    "rapidfuzz": "quizzer.grading.offline.typed.names",
    "dateutil": "quizzer.grading.offline.typed.dates",
    "onnxruntime": "quizzer.grading.offline.onnx_encoder",
    "onnx": "quizzer.grading.offline.onnx_encoder",
    "tokenizers": "quizzer.grading.offline.onnx_encoder",
}
STORAGE = "quizzer.storage"
# SQL in a string: a statement's opening words, or SELECT ... FROM anywhere.
SQL = re.compile(
    r"\bSELECT\b[\s\S]*\bFROM\b|\bINSERT\s+(OR\s+\w+\s+)?INTO\b|\bDELETE\s+FROM\b|\bUPDATE\s+\w+\s+SET\b"
    r"|\bCREATE\s+(TEMP\s+)?(TABLE|INDEX|VIEW|TRIGGER)\b|\bPRAGMA\s+\w+|\bSAVEPOINT\s+\w+|^\s*(BEGIN|COMMIT|ROLLBACK)\b"
)
EXECUTE_METHODS = frozenset({"execute", "executemany", "executescript"})


def modules() -> dict[str, ast.Module]:
    """Every module of the package by dotted name, parsed."""
    found = {}
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        parts = path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return found


def owner(name: str, table: dict[str, int] | tuple[str, ...]) -> str | None:
    """The longest entry of `table` that is `name` or a package holding it."""
    candidates = [entry for entry in table if name == entry or name.startswith(entry + ".")]
    return max(candidates, key=len) if candidates else None


def imports(tree: ast.Module, known: set[str]) -> Iterator[tuple[str, int]]:
    """(imported module, line) for every import anywhere in the module; `from package import module` names the
    module when `module` is one."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                child = f"{node.module}.{alias.name}"
                yield (child if child in known else node.module), node.lineno


def _within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def unit(name: str) -> str:
    """The package a module counts in for cycles: grading's halves apart, else quizzer.<first part>."""
    for subpackage in SUBPACKAGES:
        if name == subpackage or name.startswith(subpackage + "."):
            return subpackage
    return ".".join(name.split(".")[:2])


def violations(name: str, tree: ast.Module, known: set[str]) -> list[str]:
    """Every broken rule in one module (cycles aside)."""
    found = []
    layer = LAYERS[owner(name, LAYERS) or ""]
    in_storage = name == STORAGE or name.startswith(STORAGE + ".")
    for target, line in imports(tree, known):
        top = target.split(".")[0]
        sole = SOLE_IMPORTERS.get(top)
        if sole is not None and not _within(name, sole):
            found.append(f"{name}:{line} imports {target}, which only {sole} may import")
        if top != "quizzer":
            continue
        target_owner = owner(target, LAYERS)
        if target_owner is not None and LAYERS[target_owner] > layer:
            found.append(f"{name}:{line} imports {target}, a layer above it")
        if target.startswith("quizzer.cli") and layer != CLI:
            found.append(f"{name}:{line} is a library module and imports the CLI ({target})")
        for source, forbidden in APART:
            if _within(name, source) and _within(target, forbidden):
                found.append(f"{name}:{line} imports {target}: {source} stays apart from {forbidden}")
    if not in_storage:
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL.search(node.value):
                found.append(f"{name}:{node.lineno} holds SQL outside storage: {node.value.strip()[:60]!r}")
            method = node.func.attr if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) else None
            if method in EXECUTE_METHODS:
                found.append(f"{name}:{node.lineno} runs a query outside storage (.{method})")
    return found


def cycles(trees: dict[str, ast.Module]) -> list[list[str]]:
    """Groups of packages that import one another, directly or around a loop (strongly connected components)."""
    known = set(trees)
    graph: dict[str, set[str]] = {}
    for name, tree in trees.items():
        edges = graph.setdefault(unit(name), set())
        for target, _ in imports(tree, known):
            if target.startswith("quizzer") and unit(target) != unit(name):
                edges.add(unit(target))
    order: list[str] = []
    seen: set[str] = set()

    def visit(node: str, edges: dict[str, set[str]], out: list[str]) -> None:
        stack = [(node, iter(sorted(edges.get(node, ()))))]
        seen.add(node)
        while stack:
            current, children = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                out.append(current)
            elif child not in seen:
                seen.add(child)
                stack.append((child, iter(sorted(edges.get(child, ())))))

    for node in sorted(graph):
        if node not in seen:
            visit(node, graph, order)
    reverse: dict[str, set[str]] = {}
    for source, targets in graph.items():
        for target in targets:
            reverse.setdefault(target, set()).add(source)
    seen.clear()
    groups = []
    for node in reversed(order):
        if node not in seen:
            group: list[str] = []
            visit(node, reverse, group)
            if len(group) > 1:
                groups.append(sorted(group))
    return groups


@pytest.fixture(scope="module")
def trees() -> dict[str, ast.Module]:
    return modules()


def test_every_module_has_a_layer(trees: dict[str, ast.Module]) -> None:
    assert [name for name in trees if owner(name, LAYERS) is None] == []


def test_imports_point_down_sql_stays_in_storage_and_each_outside_library_has_one_importer(
    trees: dict[str, ast.Module],
) -> None:
    found = [problem for name, tree in trees.items() for problem in violations(name, tree, set(trees))]
    assert found == []


def test_no_import_cycle_between_packages(trees: dict[str, ast.Module]) -> None:
    assert cycles(trees) == []


def test_the_rules_catch_what_they_forbid() -> None:
    def problems(name: str, source: str) -> list[str]:
        return violations(name, ast.parse(source), {"quizzer.cli.app", "quizzer.storage.db"})

    assert problems("quizzer.session", "def f():\n    import sqlite3\n")  # lazy imports count
    assert problems("quizzer.mastery", "def f(c):\n    c.execute('SELECT 1 FROM reviews')\n")
    assert problems("quizzer.storage.db", "import sqlite3\ndef f(c):\n    c.execute('SELECT 1 FROM reviews')\n") == []
    assert problems("quizzer.grading.registry", "from quizzer.session import QuizSession\n")  # upward
    assert problems("quizzer.evals.runner", "from quizzer.cli import app\n")
    assert problems("quizzer.deck.catalog", "import openai\n")
    assert problems("quizzer.batch.job", "def f():\n    import ray.data\n")
    assert problems("quizzer.evals.streaming", "import pyarrow.parquet as pq\n")
    assert problems("quizzer.storage.reviews", "def f():\n    from quizzer.scheduling import replay\n")
    assert problems("quizzer.grading.offline.embedder", "from quizzer.storage.embeddings import EmbeddingCache\n")
    assert problems("quizzer.grading.offline.typed.grader", "from quizzer.grading.offline.embedder import Embedder\n")
    assert problems("quizzer.grading.offline.typed.numeric", "def f():\n    import sympy\n")
    two_way = {"quizzer.deck.a": ast.parse("import quizzer.storage.b\n"),
               "quizzer.storage.b": ast.parse("from quizzer.deck import a\n")}
    assert cycles(two_way) == [["quizzer.deck", "quizzer.storage"]]


def test_architecture_md_names_each_package_in_its_layer() -> None:
    text = (PACKAGE_DIR.parent / "ARCHITECTURE.md").read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| (cli|use cases|domain|core) \| (.+) \|$", text, flags=re.M))
    layer_of_row = {"cli": CLI, "use cases": USE_CASE, "domain": DOMAIN, "core": CORE}
    documented = {path.strip("`"): layer_of_row[row] for row, cells in rows.items() for path in cells.split(", ")}

    def path_of(name: str) -> str:
        path = name.replace(".", "/")
        if name == "quizzer":
            return "quizzer/__init__.py"
        return f"{path}/" if (PACKAGE_DIR.parent / path).is_dir() else f"{path}.py"

    assert documented == {path_of(name): layer for name, layer in LAYERS.items()}


MAX_MODULE_LINES = 400


def test_no_module_is_over_400_lines() -> None:
    # A module past this size has grown a second job (ARCHITECTURE.md: small modules with one job).
    sizes = {path.relative_to(PACKAGE_DIR.parent): len(path.read_text(encoding="utf-8").splitlines())
             for path in PACKAGE_DIR.rglob("*.py")}
    assert {str(path): lines for path, lines in sizes.items() if lines > MAX_MODULE_LINES} == {}
