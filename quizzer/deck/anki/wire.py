"""Just enough of protobuf's wire format to read the few fields quizzer needs from Anki's files.

Current Anki stores a package's version (`meta`), its media list and the settings of note types,
templates and decks as protobuf messages. quizzer needs a handful of their fields (a version number,
file names, a note type's kind, a template's front and back), so it reads the wire format itself
instead of depending on `protobuf` and Anki's generated message classes.
"""

from __future__ import annotations

from collections.abc import Iterator

_VARINT, _FIXED64, _LENGTH, _FIXED32 = 0, 1, 2, 5


class WireError(ValueError):
    """The bytes are not a protobuf message."""


def _varint(data: bytes, position: int) -> tuple[int, int]:
    value, shift = 0, 0
    while True:
        if position >= len(data) or shift > 63:
            raise WireError("truncated varint")
        byte = data[position]
        position += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, position
        shift += 7


def message_fields(data: bytes) -> Iterator[tuple[int, int | bytes]]:
    """(field number, value) for each field in order: an int for numbers, bytes for texts and messages."""
    position = 0
    while position < len(data):
        key, position = _varint(data, position)
        number, wire_type = key >> 3, key & 7
        if wire_type == _VARINT:
            value, position = _varint(data, position)
            yield number, value
        elif wire_type == _LENGTH:
            length, position = _varint(data, position)
            if position + length > len(data):
                raise WireError("truncated field")
            yield number, data[position : position + length]
            position += length
        elif wire_type in (_FIXED64, _FIXED32):
            size = 8 if wire_type == _FIXED64 else 4
            if position + size > len(data):
                raise WireError("truncated field")
            yield number, int.from_bytes(data[position : position + size], "little")
            position += size
        else:
            raise WireError(f"unknown wire type {wire_type}")


def first_field(data: bytes, number: int) -> int | bytes | None:
    """The value of the first field with this number, or None when the message lacks it."""
    return next((value for field, value in message_fields(data) if field == number), None)


def text_field(data: bytes, number: int) -> str:
    """A text field's value ("" when absent, as protobuf's default)."""
    value = first_field(data, number)
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else ""


def int_field(data: bytes, number: int) -> int:
    """A number field's value (0 when absent, as protobuf's default)."""
    value = first_field(data, number)
    return value if isinstance(value, int) else 0
