"""The blind second labels (evals/second_labels.jsonl) are valid, and evals/README.md reports their agreement truly."""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
EVALS_DIR = REPO_ROOT / "evals"
SCRIPT = EVALS_DIR / "agreement.py"
LABELS = {"correct", "partial", "incorrect"}
MIN_SECOND_LABELS = 100


def _load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("evals_agreement", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # dataclasses resolve the script's string annotations through sys.modules.
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def agreement() -> ModuleType:
    return _load_script()


@pytest.fixture(scope="module")
def second_rows(agreement: ModuleType) -> list[dict]:
    return agreement.read_jsonl(agreement.SECOND_PATH)


@pytest.fixture(scope="module")
def first_rows(agreement: ModuleType) -> list[dict]:
    return agreement.read_jsonl(agreement.FIRST_PATH)


def _readme_section() -> str:
    text = (EVALS_DIR / "README.md").read_text(encoding="utf-8")
    match = re.search(r"^##+ Second opinion\n(.*?)(?=^## |\Z)", text, flags=re.MULTILINE | re.DOTALL)
    assert match, "evals/README.md has no 'Second opinion' section"
    return match.group(1)


def _table_value(section: str, name: str) -> str:
    match = re.search(rf"^\| {re.escape(name)} \| ([^|]+) \|$", section, flags=re.MULTILINE)
    assert match, f"no '{name}' row in the Second opinion table"
    return match.group(1).strip()


def test_at_least_100_answers_have_a_second_label_with_a_rationale(second_rows: list[dict]) -> None:
    assert len(second_rows) >= MIN_SECOND_LABELS
    assert len({row["id"] for row in second_rows}) == len(second_rows)
    for row in second_rows:
        assert row["labeller"] == "second"
        assert row["rationale"].strip(), row["id"]


def test_every_second_label_is_valid_and_refers_to_an_answer_in_the_set(
    second_rows: list[dict], first_rows: list[dict]
) -> None:
    ids = {row["id"] for row in first_rows}
    for row in second_rows:
        assert row["id"] in ids, row["id"]
        assert row["label"] in LABELS, row["id"]
        if "settled" in row:
            assert row["settled"] in LABELS, row["id"]
            assert row["settled_by"].strip(), row["id"]


def test_readme_reports_the_kappa_and_counts_the_script_computes(
    agreement: ModuleType, first_rows: list[dict], second_rows: list[dict]
) -> None:
    result = agreement.compute_agreement(first_rows, second_rows)
    section = _readme_section()
    assert _table_value(section, "Cohen's kappa (unweighted)") == f"{result.kappa:.2f}"
    assert _table_value(section, "Cohen's kappa (quadratic)") == f"{result.kappa_quadratic:.2f}"
    assert _table_value(section, "n (doubly labelled answers)") == str(result.n)
    assert _table_value(section, "disagreements") == str(len(result.disagreements))


def test_a_settled_disagreement_keeps_the_final_label_the_first_set_now_has(
    first_rows: list[dict], second_rows: list[dict]
) -> None:
    # Once the lead applies a correction, the first label must equal the settled one.
    first_by_id = {row["id"]: row["label"] for row in first_rows}
    for row in second_rows:
        if "settled" in row:
            assert first_by_id[row["id"]] == row["settled"], row["id"]


def test_kappas_match_hand_computed_values_for_one_disagreement(agreement: ModuleType) -> None:
    first = [{"id": f"x{i}", "label": label} for i, label in enumerate(["correct", "partial", "incorrect", "correct"])]
    second = [{"id": f"x{i}", "label": label} for i, label in enumerate(["correct", "partial", "incorrect", "incorrect"])]
    result = agreement.compute_agreement(first, second)
    assert result.n == 4
    assert result.raw == pytest.approx(0.75)
    # p_o = 3/4, p_e = (2*1 + 1*1 + 1*2) / 16 = 5/16, kappa = (3/4 - 5/16) / (1 - 5/16) = 7/11.
    assert result.kappa == pytest.approx(7 / 11)
    # Quadratic weights (i - j)^2 on incorrect < partial < correct: observed 4/4 = 1, expected 26/16, kappa = 1 - 16/26.
    assert result.kappa_quadratic == pytest.approx(1 - 16 / 26)
    assert [(d.id, d.first, d.second) for d in result.disagreements] == [("x3", "correct", "incorrect")]


def test_second_labels_for_unknown_ids_are_refused(agreement: ModuleType) -> None:
    with pytest.raises(ValueError, match="ia-9999"):
        agreement.compute_agreement([{"id": "ia-0001", "label": "correct"}], [{"id": "ia-9999", "label": "correct"}])


def test_the_documented_command_prints_n_agreement_and_kappas(tmp_path: Path) -> None:
    first = tmp_path / "first.jsonl"
    second = tmp_path / "second.jsonl"
    first.write_text(
        "\n".join(json.dumps({"id": f"x{i}", "label": lab}) for i, lab in enumerate(["correct", "partial", "incorrect"])),
        encoding="utf-8",
    )
    second.write_text(
        "\n".join(
            json.dumps({"id": f"x{i}", "label": lab, "settled": "partial" if i == 1 else None})
            for i, lab in enumerate(["correct", "incorrect", "incorrect"])
        ),
        encoding="utf-8",
    )
    out = subprocess.run(
        [sys.executable, str(SCRIPT), "--first", str(first), "--second", str(second)],
        capture_output=True, text=True, check=True, timeout=120,
    ).stdout
    assert "n: 3" in out
    assert "raw agreement: 0.667" in out
    assert "disagreements: 1" in out
    assert "x1: first partial, second incorrect -> settled partial" in out
    assert re.search(r"Cohen's kappa \(unweighted\): \d\.\d\d", out)
    assert re.search(r"Cohen's kappa \(quadratic\): \d\.\d\d", out)


# The held-out sets of issues 18 and 19: a second labeller's blind labels for part of each (first labels in the tune
# and held-out files), how many agree, and how the evals README says it.
# Each: the files with the first labels, the second labels' file, how many agree of how many, the README's words.
HELD_OUT_SECOND_LABELS = [
    (("interview_traps_tune", "interview_traps_holdout"), "interview_traps", 90, 90,
     "agreed on all 90 of the trap answers"),
    (("interview_traps_holdout2",), "interview_traps_holdout2", 70, 70, "agreed on all 70"),
    (("short_answers_tune", "short_answers_holdout"), "short_answers", 99, 100, "agreed on 99 of 100 answers"),
]


@pytest.mark.parametrize(("firsts", "name", "agreed", "labelled", "claim"), HELD_OUT_SECOND_LABELS,
                         ids=lambda value: str(value))
def test_the_held_out_sets_second_labels_agree_as_the_readme_says(firsts: tuple[str, ...], name: str, agreed: int,
                                                                   labelled: int, claim: str) -> None:
    def rows(file: str) -> list[dict]:
        return [json.loads(line) for line in (EVALS_DIR / file).read_text(encoding="utf-8").splitlines() if line]

    first = {row["id"]: row["label"] for part in firsts for row in rows(f"{part}.jsonl")}
    seconds = rows(f"{name}_second_labels.jsonl")
    assert all(row["label"] in LABELS and row["rationale"].strip() for row in seconds)
    assert {row["id"] for row in seconds} <= set(first), "a second label for an answer that has no first label"
    assert (sum(first[row["id"]] == row["label"] for row in seconds), len(seconds)) == (agreed, labelled)
    assert claim in " ".join((EVALS_DIR / "README.md").read_text(encoding="utf-8").split())
