"""Anki field HTML as the plain text quizzer shows and grades, with the media it refers to.

Anki's editor writes HTML: a line per `<div>` or `<br>`, formatting in `<b>`, `<span style>` and
`<mark>`, entities for `<`, `&` and non-breaking spaces, `<img src>` for pictures, `[sound:...]` for
audio, and MathJax between `\\(...\\)`. quizzer keeps the words and line breaks, turns math into
readable text (`quizzer.deck.anki.latex`), and returns the media names so the importer can list them:
a card that lost its picture must say so, never silently.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from quizzer.deck.anki.latex import readable_math

_SOUND = re.compile(r"\[sound:([^\]]+)\]")
_DROPPED_BLOCKS = re.compile(r"(?is)<(script|style)\b[^>]*>.*?</\1\s*>|<!--.*?-->")
# A tag starts with a letter ("a < b" written by a script is text, not a tag).
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]*)\b([^>]*)>")
_SOURCE = re.compile(r"""\bsrc\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.I)
_BLOCK_EDGE, _LINE_BREAK = "\x00", "\x01"
_BLOCK_TAGS = frozenset(
    "address article aside blockquote dd div dl dt figcaption figure footer h1 h2 h3 h4 h5 h6 header hr "
    "ol p pre section table tbody thead tfoot tr ul".split()
)
_CELL_TAGS = frozenset(("td", "th"))
_MEDIA_TAGS = frozenset(("img", "audio", "video", "source"))
_BLOCK_EDGES = re.compile(_BLOCK_EDGE + r"(?:\s*" + _BLOCK_EDGE + ")*")
_SPACES = re.compile(r"[ \t\xa0]+")
_BLANK_LINES = re.compile(r"\n{3,}")
# Text needs none of the work below unless it holds one of these.
_MARKUP = re.compile(r"[<&\[\\]")


@dataclass(frozen=True)
class CleanText:
    text: str
    media: tuple[str, ...] = ()  # media file names, in order of appearance


def clean_field(field_html: str) -> CleanText:
    """The field's text (line breaks kept, tags dropped, entities decoded, math readable) and its media."""
    if not _MARKUP.search(field_html):
        return CleanText(_tidy(field_html))
    media: list[str] = []

    def sound(match: re.Match[str]) -> str:
        media.append(html.unescape(match.group(1)).strip())
        return " "

    def tag(match: re.Match[str]) -> str:
        closing, name = match.group(1), match.group(2).lower()
        if name in _MEDIA_TAGS and not closing:
            source = _SOURCE.search(match.group(3))
            if source:
                _add_local(media, html.unescape(next(group for group in source.groups() if group is not None)))
            return " "
        if name == "li":
            return "" if closing else "\n- "
        if name == "br":
            return _LINE_BREAK
        if name in _BLOCK_TAGS:
            return _BLOCK_EDGE
        return " " if name in _CELL_TAGS else ""  # inline formatting (b, i, span, mark, a ...) keeps its text

    text = _SOUND.sub(sound, field_html) if "[sound:" in field_html else field_html
    if "<" in text:
        text = _TAG.sub(tag, _DROPPED_BLOCKS.sub("", text) if "<!--" in text or "<s" in text.lower() else text)
        # `<div>a</div><div>b</div>` is two lines, not two paragraphs: the edges between blocks make one break.
        text = _BLOCK_EDGES.sub("\n", text).replace(_LINE_BREAK, "\n")
    text = readable_math(html.unescape(text) if "&" in text else text)
    return CleanText(_tidy(text), tuple(dict.fromkeys(media)))


def _add_local(media: list[str], source: str) -> None:
    """Pictures on the web or inlined as data are not files in the package."""
    if source and "://" not in source and not source.startswith("data:"):
        media.append(source)


def _tidy(text: str) -> str:
    """Spaces collapsed within lines, lines stripped, at most one blank line in a row."""
    text = _SPACES.sub(" ", text)
    if "\n" not in text and "\r" not in text:
        return text.strip()
    lines = [line.strip() for line in text.replace("\r\n", "\n").split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()
