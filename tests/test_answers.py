"""Reading answer files: inline rows, deck + card rows, per-row problems and unusable files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from quizzer.batch.answers import ANSWER_MAX_CHARS, iter_answer_rows, read_answer_rows
from quizzer.core.errors import InputFileError

DECK_YAML = """\
name: tiny
cards:
  - id: ctc
    question: What does CTC assume about output labels?
    answer: They are conditionally independent given the input.
    key_points: [conditional independence]
  - id: rnnt
    question: What does the RNN-T joint network output?
    answers:
      - A distribution over labels plus blank for each (frame, label) pair.
      - It contains a 4-D joint output.
"""


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def test_inline_jsonl_rows_keep_references_key_points_and_extra_fields(tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "answers.jsonl",
        [
            {"id": "a1", "question": "Q?", "reference": "R1", "references": ["R2", "R1"], "answer": "A",
             "key_points": ["k1"], "label": "correct", "category": "asr"},
            {"question": "Q2?", "references": ["only"], "answer": ""},
        ],
    )
    first, second = read_answer_rows(path)
    assert first.error is None and first.id == "a1" and first.line == 1
    assert first.submission.references == ("R1", "R2")
    assert first.submission.key_points == ("k1",)
    assert first.fields == {"label": "correct", "category": "asr"}
    # No id: the row number; an empty answer is a real answer, not an error.
    assert second.id == "2" and second.error is None and second.submission.answer == ""


def test_rows_naming_a_deck_card_resolve_through_the_catalog(tmp_path: Path) -> None:
    (tmp_path / "tiny.yaml").write_text(DECK_YAML, encoding="utf-8")
    path = write_jsonl(
        tmp_path / "answers.jsonl",
        [
            {"deck": "tiny.yaml", "card_id": "rnnt", "answer": "a distribution"},
            {"deck": "tiny.yaml", "card_id": "nope", "answer": "x"},
            {"card_id": "ctc", "answer": "x"},
        ],
    )
    good, unknown, no_deck = read_answer_rows(path)
    assert good.error is None
    assert good.submission.card_id == "rnnt" and good.submission.deck == "tiny"
    assert len(good.submission.references) == 2
    assert "unknown card id 'nope'" in unknown.error
    assert "needs a `deck`" in no_deck.error


def test_a_deck_is_loaded_once_for_many_rows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from quizzer.deck import catalog

    (tmp_path / "tiny.yaml").write_text(DECK_YAML, encoding="utf-8")
    calls: list[str] = []
    real_load = catalog.load

    def counting_load(name_or_path, *args, **kwargs):
        calls.append(str(name_or_path))
        return real_load(name_or_path, *args, **kwargs)

    monkeypatch.setattr(catalog, "load", counting_load)
    path = write_jsonl(tmp_path / "a.jsonl", [{"deck": "tiny.yaml", "card_id": "ctc", "answer": str(i)} for i in range(5)])
    rows = read_answer_rows(path)
    assert all(row.ok for row in rows)
    assert len(calls) == 1


def test_an_unknown_deck_is_an_error_on_its_rows_only(tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "a.jsonl",
        [{"deck": "no-such-deck-xyz", "card_id": "c", "answer": "x"}, {"question": "Q", "reference": "R", "answer": "y"}],
    )
    bad, good = read_answer_rows(path)
    assert "no-such-deck-xyz" in bad.error
    assert good.ok


def test_per_row_problems_never_stop_the_other_rows(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    lines = [
        json.dumps({"question": "Q", "reference": "R", "answer": "fine"}),
        "{not json",
        json.dumps({"question": "Q", "answer": "no reference"}),
        json.dumps({"reference": "R", "answer": "no question"}),
        json.dumps({"question": "Q", "reference": "R"}),
        json.dumps({"question": "Q", "reference": "R", "answer": "x" * (ANSWER_MAX_CHARS + 1)}),
        "[1, 2]",
    ]
    data = ("\n".join(lines[:2]) + "\n").encode() + b'{"question": "Q", "reference": "R", "answer": "caf\xe9"}\n'
    data += ("\n".join(lines[2:]) + "\n").encode()
    path.write_bytes(data)
    rows = read_answer_rows(path)
    assert [row.line for row in rows] == [1, 2, 3, 4, 5, 6, 7, 8]
    assert rows[0].ok
    errors = [row.error for row in rows[1:]]
    assert "not valid JSON" in errors[0]
    assert "not UTF-8" in errors[1]
    assert "reference" in errors[2]
    assert "question" in errors[3]
    assert "missing field `answer`" in errors[4]
    assert "over the limit" in errors[5]
    assert "JSON object" in errors[6]


def test_question_may_be_absent_when_not_required(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "sts.jsonl", [{"question": None, "reference": "A cat.", "answer": "A cat sits."}])
    (row,) = read_answer_rows(path, require_question=False)
    assert row.ok and row.submission.question == ""


def test_csv_rows_with_list_cells_and_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text(
        'id,question,reference,references,answer,key_points,label\n'
        'r1,Q?,R1,"[""R2"", ""R3""]",my answer,"k1\nk2",partial\n'
        'r2,Q?,,,"multi\nline answer",,incorrect\n'
        'r3,Q?,R,,,,correct\n',
        encoding="utf-8",
    )
    first, second, third = read_answer_rows(path)
    assert first.line == 2 and first.submission.references == ("R1", "R2", "R3")
    assert first.submission.key_points == ("k1", "k2")
    assert first.fields == {"label": "partial"}
    assert second.line == 4 and "reference" in second.error
    assert third.line == 6 and third.ok and third.submission.answer == ""


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("missing.jsonl", None, "no such file"),
        ("empty.jsonl", b"\n\n", "no rows"),
        ("header-only.csv", b"question,reference,answer\n", "no rows"),
        ("no-answer.csv", b"question,reference\nQ,R\n", "no `answer` column"),
        ("utf16.jsonl", '{"answer": "x"}\n'.encode("utf-16"), "not UTF-8"),
        ("latin1.jsonl", b'{"answer": "caf\xe9"}\n{"answer": "\xe0"}\n', "not UTF-8"),
        ("notes.txt", b"just some prose\n", "neither JSONL nor CSV"),
        ("garbage.jsonl", b"hello\nworld\n", "not JSONL"),
    ],
)
def test_unusable_files_raise_input_file_error(tmp_path: Path, name: str, content: bytes | None, message: str) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(InputFileError) as raised:
        read_answer_rows(path)
    assert message in raised.value.message
    assert raised.value.exit_code == 2


def test_unknown_suffix_is_sniffed(tmp_path: Path) -> None:
    jsonl = tmp_path / "a.data"
    jsonl.write_text('{"question": "Q", "reference": "R", "answer": "A"}\n', encoding="utf-8")
    csv_file = tmp_path / "b.data"
    csv_file.write_text("question,reference,answer\nQ,R,A\n", encoding="utf-8")
    assert read_answer_rows(jsonl)[0].ok
    assert read_answer_rows(csv_file)[0].ok


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes("\ufeffquestion,reference,answer\nQ,R,A é\n".encode("utf-8"))
    (row,) = read_answer_rows(path)
    assert row.ok and row.submission.answer == "A é"


# ---- reading a row at a time, and from any row boundary (the Ray engine's segments) ----


def _awkward_files(tmp_path: Path) -> list[Path]:
    """JSONL with a BOM, CRLF, blank lines and bad rows; CSV with quoted multi-line cells; Parquet in row groups."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = [{"id": f"a{n}", "question": "Q?", "reference": "R", "answer": f"answer {n}\nsecond line" * (n % 2)}
            for n in range(23)]
    jsonl = tmp_path / "a.jsonl"
    lines = [json.dumps(row) for row in rows]
    lines[5], lines[17] = "{broken", "[1]"
    jsonl.write_bytes(b"\xef\xbb\xbf" + "\r\n\r\n".join(lines).encode() + b"\r\n")
    csv_path = tmp_path / "a.csv"
    with csv_path.open("w", encoding="utf-8", newline="") as stream:
        import csv

        writer = csv.DictWriter(stream, fieldnames=["id", "question", "reference", "answer"])
        writer.writeheader()
        writer.writerows(rows)
    parquet = tmp_path / "a.parquet"
    pq.write_table(pa.Table.from_pylist(rows), parquet, row_group_size=4)
    return [jsonl, csv_path, parquet]


@pytest.mark.parametrize("rows_per_segment", [1, 3, 5, 100])
def test_segments_read_apart_give_the_rows_of_one_read(tmp_path: Path, rows_per_segment: int) -> None:
    from quizzer.batch.answer_file import iter_raw_rows, open_answer_file, split_segments
    from quizzer.batch.answers import RowParser

    for path in _awkward_files(tmp_path):
        whole = read_answer_rows(path)
        answer_file = open_answer_file(path)
        parse = RowParser(answer_file)
        for skip in (0, 2):
            segments = split_segments(answer_file, rows_per_segment, skip=skip)
            assert [segment.before for segment in segments] == list(range(skip, len(whole), rows_per_segment))
            pieces = [parse(raw) for segment in segments for raw in iter_raw_rows(answer_file, segment)]
            assert pieces == whole[skip:], path.name
        assert split_segments(answer_file, 4, limit=10)[-1].rows == 2


def test_a_bad_row_deep_in_a_large_file_keeps_its_line(tmp_path: Path) -> None:
    rows = [json.dumps({"question": "Q", "reference": "R", "answer": f"a{n}"}) for n in range(30_000)]
    rows[27_182] = '{"question": "Q", "answer": "no closing brace"'
    path = tmp_path / "big.jsonl"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    bad = [row for row in iter_answer_rows(path) if not row.ok]
    assert [(row.line, row.id) for row in bad] == [(27_183, "27183")] and "not valid JSON" in bad[0].error


def test_a_line_separator_inside_a_json_string_does_not_split_its_row(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "a.jsonl", [{"question": "Q", "reference": "R", "answer": "one\u2028two"},
                                              {"question": "Q", "reference": "R", "answer": "three"}])
    first, second = read_answer_rows(path)
    assert first.ok and first.submission.answer == "one\u2028two" and second.line == 2
