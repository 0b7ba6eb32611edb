"""JSON that remembers where its objects are: every object is read as a PositionedObject, a
dict that also holds the lines of its `{` and `}`.

It reads exactly the documents the standard library's `json.loads` reads (NaN and Infinity
included; a repeated key keeps its first place and its last value) and gives the same values.
A document it rejects is described by `json.loads` itself, so error messages and lines are
the standard ones. Nesting is bounded by DEEPEST_NESTING; the work is linear in the text.
"""

from __future__ import annotations

import json
import re
from typing import Any

from dicomguard.limits import DEEPEST_NESTING, LimitExceeded


class PositionedObject(dict[str, Any]):
    __slots__ = ("end_line", "line")
    line: int  # of its opening brace
    end_line: int  # of its closing brace


_STRING_CHARACTER = r'[^"\\\x00-\x1f]'
# One token after optional whitespace. Groups: 1 a string without escapes, 2 a string with
# escapes (decoded by json.loads), 3 a number, 4 punctuation, 5 a constant.
_TOKEN = re.compile(
    r"[ \t\n\r]*(?:"
    rf'("{_STRING_CHARACTER}*")'
    rf'|("{_STRING_CHARACTER}*(?:\\.{_STRING_CHARACTER}*)*")'
    r"|(-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?)"
    r"|([{}\[\]:,])"
    r"|(true|false|null|NaN|Infinity|-Infinity))"
)
_ONLY_SPACE_LEFT = re.compile(r"[ \t\n\r]*\Z")
_CONSTANTS: dict[str, Any] = {"true": True, "false": False, "null": None,
                              "NaN": float("nan"), "Infinity": float("inf"),
                              "-Infinity": float("-inf")}
_PLAIN, _ESCAPED, _NUMBER, _PUNCTUATION, _CONSTANT = 1, 2, 3, 4, 5


class _Malformed(Exception):
    """Where the document stops being JSON; json.loads says why."""


def loads(text: str) -> Any:
    """The value of a JSON document, its objects positioned. Raises json.JSONDecodeError for
    text that is not JSON and LimitExceeded for nesting deeper than DEEPEST_NESTING."""
    reader = _Reader(text)
    try:
        value = reader.value(reader.token(), 0)
        if not _ONLY_SPACE_LEFT.match(text, reader.offset):
            raise _Malformed(reader.offset)
    except _Malformed as malformed:
        json.loads(text)  # raises the standard error for this text
        offset = malformed.args[0]
        raise json.JSONDecodeError("not JSON", text, offset) from None
    return value


class _Reader:
    __slots__ = ("counted", "line", "offset", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.offset = 0
        self.line = 1
        self.counted = 0  # newlines before this offset are counted in `line`

    def token(self) -> re.Match[str]:
        found = _TOKEN.match(self.text, self.offset)
        if found is None:
            raise _Malformed(self.offset)
        self.offset = found.end()
        return found

    def line_at(self, offset: int) -> int:
        """Offsets are asked for in increasing order, so each newline is counted once."""
        self.line += self.text.count("\n", self.counted, offset)
        self.counted = offset
        return self.line

    def value(self, token: re.Match[str], depth: int) -> Any:
        kind = token.lastindex
        if kind == _PLAIN:
            return token.group(_PLAIN)[1:-1]
        if kind == _ESCAPED:
            return self.escaped(token)
        if kind == _NUMBER:
            number = token.group(_NUMBER)
            if "." in number or "e" in number or "E" in number:
                return float(number)
            return int(number)
        if kind == _CONSTANT:
            return _CONSTANTS[token.group(_CONSTANT)]
        punctuation = token.group(_PUNCTUATION)
        if depth >= DEEPEST_NESTING and punctuation in "{[":
            raise LimitExceeded(f"JSON nests deeper than {DEEPEST_NESTING} levels",
                                self.line_at(token.end() - 1))
        if punctuation == "{":
            return self.object(token.end() - 1, depth + 1)
        if punctuation == "[":
            return self.array(depth + 1)
        raise _Malformed(token.start(_PUNCTUATION))

    def escaped(self, token: re.Match[str]) -> str:
        try:
            return str(json.loads(token.group(_ESCAPED)))
        except json.JSONDecodeError:
            raise _Malformed(token.start(_ESCAPED)) from None

    def object(self, start: int, depth: int) -> PositionedObject:
        found = PositionedObject()
        found.line = self.line_at(start)
        token = self.token()
        if token.lastindex == _PUNCTUATION and token.group(_PUNCTUATION) == "}":
            found.end_line = self.line_at(token.end() - 1)
            return found
        while True:
            if token.lastindex == _PLAIN:
                key = token.group(_PLAIN)[1:-1]
            elif token.lastindex == _ESCAPED:
                key = self.escaped(token)
            else:
                raise _Malformed(token.start(token.lastindex or 0))
            self.expect(":")
            found[key] = self.value(self.token(), depth)
            token = self.token()
            punctuation = token.group(_PUNCTUATION)
            if punctuation == "}":
                found.end_line = self.line_at(token.end() - 1)
                return found
            if punctuation != ",":
                raise _Malformed(token.start(token.lastindex or 0))
            token = self.token()

    def array(self, depth: int) -> list[Any]:
        found: list[Any] = []
        token = self.token()
        if token.lastindex == _PUNCTUATION and token.group(_PUNCTUATION) == "]":
            return found
        while True:
            found.append(self.value(token, depth))
            token = self.token()
            punctuation = token.group(_PUNCTUATION)
            if punctuation == "]":
                return found
            if punctuation != ",":
                raise _Malformed(token.start(token.lastindex or 0))
            token = self.token()

    def expect(self, punctuation: str) -> None:
        token = self.token()
        if token.group(_PUNCTUATION) != punctuation:
            raise _Malformed(token.start(token.lastindex or 0))
