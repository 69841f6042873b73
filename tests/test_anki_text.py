"""Anki field text: HTML to lines, media listed, math readable, cloze deletions, the wire format."""

from __future__ import annotations

import pytest

from quizzer.deck.anki.cloze import cloze_answers, cloze_numbers, cloze_question, parse_cloze
from quizzer.deck.anki.latex import readable_latex, readable_math
from quizzer.deck.anki.text import clean_field
from quizzer.deck.anki.wire import WireError, int_field, message_fields, text_field


@pytest.mark.parametrize(
    ("field_html", "text"),
    [
        ("plain   text ", "plain text"),
        ("What is <b>CTC</b>?<br>Explain it", "What is CTC?\nExplain it"),
        ("<div>first line</div><div>second line</div>", "first line\nsecond line"),  # Anki's editor: a div per line
        ("x<div><br></div><div>y</div>", "x\n\ny"),  # and an empty div holding <br> for a blank line
        ("a<br><br>b", "a\n\nb"),
        ("<p>one</p>\n<p>two</p>", "one\ntwo"),
        ("<ul><li>first</li><li>second</li></ul>after", "- first\n- second\nafter"),
        ("<mark>kept</mark> <span style='color:red'>text</span>", "kept text"),
        ("&lt;b&gt; &amp; &quot;x&quot;&nbsp;&#39;y&#39;", "<b> & \"x\" 'y'"),
        ("a < b and c > d", "a < b and c > d"),  # a bare '<' is text, not a tag
        ("<style>.x{color:red}</style><script>alert(1)</script>shown<!-- hidden -->", "shown"),
        ("<table><tr><td>a</td><td>b</td></tr></table>", "a b"),
    ],
)
def test_html_becomes_text_with_its_lines(field_html: str, text: str) -> None:
    assert clean_field(field_html).text == text


def test_media_references_are_listed_in_order_without_duplicates() -> None:
    cleaned = clean_field('Hund [sound:hund.mp3]<img src="dog.jpg"> <img src=\'dog.jpg\'><img src=x&amp;y.png>'
                          '<img src="https://example.com/a.png"><img src="data:image/png;base64,AAA">')
    assert cleaned.text == "Hund"
    assert cleaned.media == ("hund.mp3", "dog.jpg", "x&y.png")  # web and inline pictures are not package files


@pytest.mark.parametrize(
    ("field_html", "text"),
    [
        (r"\(x^2\)", "x^2"),
        (r"\(\frac{a}{b} \le \alpha\)", "a/b ≤ α"),
        (r"[$]O(n \log n)[/$]", "O(n log n)"),
        (r"before \[\sum_{i=1}^{n} x_i\] after", "before\nΣ_{i=1}^n x_i\nafter"),  # display math on its own line
        (r"[$$]E = mc^{2}[/$$]", "E = mc^2"),
        (r"[latex]\sqrt{2} \approx 1.41[/latex]", "√2 ≈ 1.41"),
        (r"\(\text{softmax}(QK^T / \sqrt{d_k})\)", "softmax(QK^T / √d_k)"),
        (r"\(a &lt; b\)", "a < b"),  # entities inside math are decoded first
        (r"\(\unknowncommand{x}\)", r"\unknowncommand{x}"),  # unknown commands stay as written
    ],
)
def test_math_is_kept_as_readable_text(field_html: str, text: str) -> None:
    assert clean_field(field_html).text == text


def test_text_without_math_delimiters_is_left_alone() -> None:
    assert readable_math(r"a \alpha outside math") == r"a \alpha outside math"
    assert readable_latex(r"\frac{\frac{1}{2}}{3}") == "(1/2)/3"


def test_cloze_makes_one_question_per_number_with_hints_and_other_deletions_shown() -> None:
    nodes = parse_cloze("{{c1::RNN-T}} uses a {{c2::joint network::component}} over {{c1::T x U}}")
    assert cloze_numbers(nodes) == [1, 2]
    assert cloze_question(nodes, 1) == "[...] uses a joint network over [...]"
    assert cloze_answers(nodes, 1) == ["RNN-T", "T x U"]
    assert cloze_question(nodes, 2) == "RNN-T uses a [component] over T x U"
    assert cloze_answers(nodes, 2) == ["joint network"]


def test_nested_and_malformed_cloze() -> None:
    nested = parse_cloze("{{c1::outer {{c2::inner}} text}} end")
    assert cloze_question(nested, 1) == "[...] end"
    assert cloze_answers(nested, 1) == ["outer inner text"]
    assert cloze_question(nested, 2) == "outer [...] text end"
    assert cloze_numbers(parse_cloze("a::b }} c")) == []  # "::" and "}}" outside a deletion are text
    assert cloze_question(parse_cloze("a::b }} c"), 1) == "a::b }} c"
    assert cloze_question(parse_cloze("unclosed {{c1::x"), 1) == "unclosed {{c1::x"


def test_wire_reader_reads_varints_texts_and_nested_messages() -> None:
    entry = b"\x0a\x05x.png" + b"\x10\x09" + b"\xf8\x0f\x07"  # name = "x.png", size = 9, field 255 = 7
    message = b"\x0a" + bytes([len(entry)]) + entry
    ((number, value),) = list(message_fields(message))
    assert number == 1 and isinstance(value, bytes)
    assert text_field(value, 1) == "x.png" and int_field(value, 2) == 9 and int_field(value, 255) == 7
    assert int_field(b"\x08\x03", 1) == 3 and text_field(b"", 1) == ""
    with pytest.raises(WireError):
        list(message_fields(b"\x0a\x09short"))
