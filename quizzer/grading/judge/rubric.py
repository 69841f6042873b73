"""The rubric prompt (a versioned file in prompts/) and the judge's reply: rendering and strict parsing.

The learner's answer is untrusted text. It goes into the prompt once, between tags that carry a fresh
random nonce (which the answer cannot know, and which is removed from it if it turns up anyway);
tag-like text in any inserted field is defused. A reply counts only when it is one JSON object whose
`verdict` is one of the offered ones; anything else is rejected with the raw reply kept.
"""

from __future__ import annotations

import json
import math
import re
import secrets
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from quizzer.core.errors import QuizzerError
from quizzer.core.types import Submission

PROMPT_FILE = "rubric.md"
MAX_FEEDBACK_CHARS = 400

# The JSON the judge must reply with. All keys are listed as required because OpenAI's strict mode
# demands it; the parser itself needs only `verdict`.
REPLY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "verdict": {"type": "string", "enum": ["correct", "partial", "incorrect"]},
        "score": {"type": "number"},
        "covered_key_points": {"type": "array", "items": {"type": "string"}},
        "missing_key_points": {"type": "array", "items": {"type": "string"}},
        "feedback": {"type": "string"},
    },
    "required": ["verdict", "score", "covered_key_points", "missing_key_points", "feedback"],
    "additionalProperties": False,
}

# Text in an inserted field that could pass for one of the prompt's delimiters: <answer-...>, </question>...
_TAG_LIKE = re.compile(r"<(\s*/?\s*)(answer|question|references?|key[_ -]?points?)", re.IGNORECASE)
_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")


class ReplyError(ValueError):
    """The judge's reply is not one usable JSON object."""


@dataclass(frozen=True)
class RubricPrompt:
    version: str
    system: str
    user: str
    path: Path

    def messages(self, submission: Submission, nonce: str | None = None) -> list[dict[str, str]]:
        """The chat messages for one submission; `nonce` is random unless a test fixes it."""
        nonce = nonce or secrets.token_hex(8)
        values = {
            "nonce": nonce,
            "question": _defuse(submission.question, nonce),
            "references": "\n".join(
                f"{number}. {_defuse(reference, nonce)}" for number, reference in enumerate(submission.references, 1)
            ),
            "key_points": "\n".join(
                f"K{number}. {_defuse(point, nonce)}" for number, point in enumerate(submission.key_points, 1)
            )
            or "(none given)",
            "answer": _defuse(submission.answer, nonce),
        }
        # One pass over the template: text inserted for one placeholder is never scanned for another.
        return [
            {"role": "system", "content": _PLACEHOLDER.sub(lambda m: values[m.group(1)], self.system)},
            {"role": "user", "content": _PLACEHOLDER.sub(lambda m: values[m.group(1)], self.user)},
        ]


def _defuse(text: str, nonce: str) -> str:
    """The text with the nonce removed and anything shaped like a delimiter tag broken up."""
    return _TAG_LIKE.sub(lambda m: "‹" + m.group(1) + m.group(2), text.replace(nonce, "[removed]"))


@lru_cache(maxsize=8)
def load_prompt(path: Path | None = None) -> RubricPrompt:
    """Reads and checks the rubric prompt (default: the bundled prompts/rubric.md)."""
    from quizzer.core.resources import prompts_dir

    path = path or prompts_dir() / PROMPT_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise QuizzerError(f"cannot read the rubric prompt {path}: {error.strerror}", hint="reinstall quizzer") from None
    text = re.sub(r"<!--.*?-->", "", text, flags=re.DOTALL)
    version = re.search(r"^version:\s*(\S+)\s*$", text, re.MULTILINE)
    sections = re.split(r"^## (system|user)\s*$", text, flags=re.MULTILINE)
    parts = dict(zip(sections[1::2], (part.strip() for part in sections[2::2]), strict=True))
    problems = []
    if version is None:
        problems.append("no 'version: ...' line")
    if set(parts) != {"system", "user"}:
        problems.append("it needs a '## system' and a '## user' section")
    elif "{{answer}}" not in parts["user"] or "{{nonce}}" not in parts["user"]:
        problems.append("the user section must hold {{answer}} inside {{nonce}}-tagged delimiters")
    unknown = set(_PLACEHOLDER.findall(text)) - {"nonce", "question", "references", "key_points", "answer"}
    if unknown:
        problems.append(f"unknown placeholders: {', '.join(sorted(unknown))}")
    if problems:
        raise QuizzerError(f"{path}: " + "; ".join(problems), hint="compare it with the bundled prompts/rubric.md")
    assert version is not None
    return RubricPrompt(version=version.group(1), system=parts["system"], user=parts["user"], path=path)


class RubricReply(BaseModel):
    """The judge's reply. Only `verdict` is required; unknown keys are ignored, bad optional values dropped."""

    model_config = ConfigDict(extra="ignore")

    verdict: Literal["correct", "partial", "incorrect"]
    score: float | None = None
    covered_key_points: list[str] = []
    missing_key_points: list[str] = []
    feedback: str = ""

    @field_validator("verdict", mode="before")
    @classmethod
    def _normalise_verdict(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("score", mode="before")
    @classmethod
    def _clamp_score(cls, value: Any) -> float | None:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            return None
        return min(1.0, max(0.0, float(value)))

    @field_validator("covered_key_points", "missing_key_points", mode="before")
    @classmethod
    def _labels(cls, value: Any) -> list[str]:
        if not isinstance(value, list):
            return []
        return [str(item).strip() for item in value if isinstance(item, (str, int)) and not isinstance(item, bool)][:50]

    @field_validator("feedback", mode="before")
    @classmethod
    def _one_sentence(cls, value: Any) -> str:
        return " ".join(value.split())[:MAX_FEEDBACK_CHARS] if isinstance(value, str) else ""


def parse_reply(text: str) -> RubricReply:
    """The reply's one JSON object, validated; raises ReplyError for anything else."""
    candidates = _json_objects(text)
    if not candidates:
        raise ReplyError("the reply holds no JSON object with a verdict")
    verdicts = {str(candidate.get("verdict")).strip().lower() for candidate in candidates}
    if len(verdicts) > 1:
        raise ReplyError("the reply holds several JSON objects with different verdicts")
    try:
        return RubricReply.model_validate(candidates[0])
    except ValidationError as error:
        problem = error.errors()[0]
        raise ReplyError(f"invalid {'.'.join(map(str, problem['loc'])) or 'reply'}: {problem['msg']}") from None


def _json_objects(text: str) -> list[dict[str, Any]]:
    """The reply as one object when it is pure JSON, else every {...} with a verdict found in prose."""
    # Reasoning models may think aloud first; code fences wrap JSON in text mode.
    cleaned = re.sub(r"<think>.*?</think>", "", text, flags=re.DOTALL | re.IGNORECASE).strip()
    cleaned = re.sub(r"^```(?:json)?\s*|\s*```$", "", cleaned).strip()
    try:
        whole = json.loads(cleaned)
    except (json.JSONDecodeError, RecursionError):
        whole = None
    if isinstance(whole, dict):
        return [whole] if "verdict" in whole else []
    if whole is not None:
        return []
    decoder = json.JSONDecoder()
    found = []
    position = cleaned.find("{")
    while position != -1:
        try:
            value, end = decoder.raw_decode(cleaned, position)
        except (json.JSONDecodeError, RecursionError):
            position = cleaned.find("{", position + 1)
            continue
        if isinstance(value, dict) and "verdict" in value:
            found.append(value)
        position = cleaned.find("{", end)
    return found


def key_point_labels(submission: Submission, labels: list[str]) -> set[int]:
    """Indexes of the submission's key points named by `labels` ("K2", "2" or the point's text)."""
    indexes = set()
    texts = {point.strip().lower(): index for index, point in enumerate(submission.key_points)}
    for label in labels:
        match = re.fullmatch(r"k?\s*(\d+)\.?", label.strip(), re.IGNORECASE)
        if match and 1 <= int(match.group(1)) <= len(submission.key_points):
            indexes.add(int(match.group(1)) - 1)
        elif label.strip().lower() in texts:
            indexes.add(texts[label.strip().lower()])
    return indexes
