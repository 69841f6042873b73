"""Text where it enters quizzer: one cleaning step (lone surrogates, control characters, bytes that are not UTF-8)
and one answer-size limit."""

from __future__ import annotations

import json

from quizzer.core.text_input import (
    ANSWER_MAX_CHARS,
    REPLACEMENT,
    answer_too_long,
    clean,
    clean_text,
    clean_value,
    decode_bytes,
)


def test_a_lone_surrogate_from_valid_json_becomes_the_replacement_character() -> None:
    text = json.loads('"cut off mid-emoji \\ud83d"')
    assert clean_text(text) == f"cut off mid-emoji {REPLACEMENT}"
    clean_text(text).encode("utf-8")  # what the tokenizer and SQLite need


def test_control_characters_are_replaced_but_tab_newline_and_cr_stay() -> None:
    assert clean_text("a\x00b\x07c\x1b[A\td\r\ne\x7f\x85") == f"a{REPLACEMENT}b{REPLACEMENT}c{REPLACEMENT}[A\td\r\ne{REPLACEMENT}{REPLACEMENT}"


def test_readable_text_in_any_script_passes_unchanged() -> None:
    for text in ("猫", "🐱 emoji", "naïve café", "Ünïcödé – “quotes”", ""):
        assert clean_text(text) is text


def test_bytes_that_are_not_utf8_are_counted_and_replaced() -> None:
    decoded = decode_bytes(b"\xef\xbb\xbffixed the \xff issue\n")
    assert decoded.text == f"fixed the {REPLACEMENT} issue\n" and decoded.undecoded_bytes == 1
    assert clean("fine").replaced == 0


def test_clean_value_reaches_every_string_of_a_parsed_record() -> None:
    record = {"answer": "x\ud800", "key_points": ["a\x00"], "n": 3, "nested": {"k\udcff": None}}
    assert clean_value(record) == {"answer": f"x{REPLACEMENT}", "key_points": [f"a{REPLACEMENT}"], "n": 3,
                                   "nested": {f"k{REPLACEMENT}": None}}


def test_one_answer_size_limit_with_one_message() -> None:
    assert answer_too_long("x" * ANSWER_MAX_CHARS) is None
    assert answer_too_long("x" * 12_000) == "the answer is 12,000 characters, over the limit of 10,000"


def test_the_limit_is_still_importable_where_the_web_server_imports_it() -> None:
    from quizzer.batch.answers import ANSWER_MAX_CHARS as from_batch

    assert from_batch == ANSWER_MAX_CHARS
