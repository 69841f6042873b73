"""Reads loose notes into cards: questions ending in "?", `Q:`/`A:` or `Question:`/`Answer:` lines, a question
line followed by its answer line, and Markdown headings as questions."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from quizzer.deck.card_ids import IdMaker
from quizzer.deck.model import Card

@dataclass(frozen=True)
class _Paragraph:
    line: int
    lines: tuple[str, ...]

    @property
    def text(self) -> str:
        # Keep line breaks in lists; otherwise a wrapped paragraph becomes one line.
        if any(re.match(r"^\s*([-*•]|\d+[.)])\s", line) for line in self.lines):
            return "\n".join(self.lines)
        return " ".join(self.lines)


def _paragraphs(text: str) -> list[_Paragraph]:
    paragraphs: list[_Paragraph] = []
    current: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip()
        if line.strip():
            if not current:
                start = number
            current.append(line.strip())
        elif current:
            paragraphs.append(_Paragraph(start, tuple(current)))
            current = []
    if current:
        paragraphs.append(_Paragraph(start, tuple(current)))
    return paragraphs


def split_questions(text: str) -> list[str]:
    """The questions on one line: "What X? What Y?" -> ["What X?", "What Y?"]."""
    return [part.strip() for part in re.split(r"(?<=\?)\s+(?=\S)", text.strip()) if part.strip()]


_QUESTION_MARK = re.compile(r"^\s*(?:\*\*)?(?:q|question)\s*\d*\s*(?:\*\*)?\s*[:：]\s*(?:\*\*)?\s*(.*)$", re.IGNORECASE)
_ANSWER_MARK = re.compile(r"^\s*(?:\*\*)?(?:a|answer)\s*\d*\s*(?:\*\*)?\s*[:：]\s*(?:\*\*)?\s*(.*)$", re.IGNORECASE)
_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")


@dataclass
class _Group:
    """A question and the paragraphs after it (its answer, then notes)."""

    question: _Paragraph
    answers: list[_Paragraph] = field(default_factory=list)
    marked: bool = False  # asked with `Q:` or as a heading: one question, never split at its '?'


def parse_notes(text: str, source: str) -> tuple[list[Card], str | None, list[str]]:
    """Questions and their answers in loose notes. A question is a paragraph ending in '?', a line after `Q:` or
    `Question:`, or a Markdown heading; its answer is the text after it (after `A:`/`Answer:`, on the next line,
    or in the next paragraph), and later paragraphs are its notes. A first heading above all others is the title."""
    lines = text.splitlines()
    title, skip = _notes_title(lines)
    problems: list[str] = []
    groups: list[_Group] = []
    for paragraph in _paragraphs("\n".join("" if number <= skip else line for number, line in enumerate(lines, 1))):
        _read_paragraph(paragraph, groups, source, problems)
    ids = IdMaker()
    cards: list[Card] = []
    for group in groups:
        cards.extend(_cards_for_group(group.question, group.answers, ids, source, problems, split=not group.marked))
    return cards, title, problems


def _notes_title(lines: list[str]) -> tuple[str | None, int]:
    """The notes' title and its line: the first line when it is a heading above every later heading."""
    first = next(((number, line.strip()) for number, line in enumerate(lines, 1) if line.strip()), None)
    if first is None or not first[1].startswith("#") or first[1].endswith("?"):
        return None, 0
    level = len(first[1]) - len(first[1].lstrip("#"))
    later = [len(match.group(1)) for line in lines[first[0]:] if (match := _HEADING.match(line))]
    if any(other <= level for other in later):
        return None, 0  # headings of one level: each is a question
    return first[1].lstrip("#").strip() or None, first[0]


def _read_paragraph(paragraph: _Paragraph, groups: list[_Group], source: str, problems: list[str]) -> None:
    """Adds one paragraph's questions and answers to `groups`, line by line."""
    if paragraph.text.endswith("?") and not any(
        _marked_question(line) is not None or _ANSWER_MARK.match(line) for line in paragraph.lines
    ):
        groups.append(_Group(paragraph))  # one or more questions; the next paragraphs answer them
        return
    answer: list[str] = []
    answer_line = paragraph.line
    group: _Group | None = None  # the group this paragraph opened

    def close_answer() -> None:
        nonlocal answer
        if answer:
            if groups:
                groups[-1].answers.append(_Paragraph(answer_line, tuple(answer)))
            else:
                problems.append(f"{source}:{answer_line}: text before the first question was not imported")
        answer = []

    for number, line in enumerate(paragraph.lines, start=paragraph.line):
        marked = _marked_question(line)
        answer_mark = _ANSWER_MARK.match(line)
        if marked is not None:
            close_answer()
            group = _Group(_Paragraph(number, (marked,)), marked=True)
            groups.append(group)
        elif answer_mark is not None:
            close_answer()
            answer, answer_line = ([answer_mark.group(1)] if answer_mark.group(1) else []), number
        elif line.endswith("?") and not answer and group is not None and not group.marked:
            # A question wrapped over lines, or several question lines before their answer.
            group.question = _Paragraph(group.question.line, (*group.question.lines, line))
        elif line.endswith("?") and (answer or group is None):
            # A question line, its answer on the next line: "Q1?\nA1\nQ2?\nA2".
            close_answer()
            group = _Group(_Paragraph(number, (line,)))
            groups.append(group)
        else:
            if not answer:
                answer_line = number
            answer.append(line)
    close_answer()


def _marked_question(line: str) -> str | None:
    """The question of a `Q: ...` / `Question: ...` line or a heading, else None."""
    match = _QUESTION_MARK.match(line) or _HEADING.match(line)
    if match is None:
        return None
    return match.group(match.lastindex or 1).strip() or None


def _cards_for_group(
    question_paragraph: _Paragraph, answers: list[_Paragraph], ids: IdMaker, source: str, problems: list[str],
    split: bool = True,
) -> list[Card]:
    questions = split_questions(question_paragraph.text) if split else [question_paragraph.text]
    where = f"{source}:{question_paragraph.line}"
    if not answers:
        problems.append(f"{where}: question {question_paragraph.text!r} has no answer after it; skipped")
        return []
    if len(questions) > 1 and len(answers) < len(questions):
        problems.append(
            f"{where}: {len(questions)} questions on one line but only {len(answers)} answer paragraph(s) "
            "after them; imported as one card"
        )
        questions = [question_paragraph.text]
    cards = []
    for index, question in enumerate(questions):
        last = index == len(questions) - 1
        # Question i gets paragraph i; the last question also keeps the paragraphs after its own as notes.
        notes = answers[index + 1 :] if last else []
        cards.append(
            Card(
                id=ids.make(question),
                question=question,
                references=(answers[index].text,),
                notes="\n\n".join(paragraph.text for paragraph in notes),
                line=question_paragraph.line,
            )
        )
    return cards
