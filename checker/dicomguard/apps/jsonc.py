"""JSON with `//` and `/* */` comments and trailing commas, as Orthanc (jsoncpp) reads it,
keeping the line of every key."""

from __future__ import annotations

import json
import re
from bisect import bisect_left
from typing import Any

from dicomguard.apps.located import Located, Path
from dicomguard.model import InputError

_WHITESPACE = " \t\r\n"
_decoder = json.JSONDecoder()


class _Reader:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.lines: dict[Path, int] = {}
        self.newlines = [index for index, char in enumerate(text) if char == "\n"]

    def line_at(self, pos: int) -> int:
        return bisect_left(self.newlines, pos) + 1

    def fail(self, message: str) -> InputError:
        return InputError(message, self.line_at(self.pos))

    def skip(self) -> None:
        text = self.text
        while self.pos < len(text):
            char = text[self.pos]
            if char in _WHITESPACE:
                self.pos += 1
            elif text.startswith("//", self.pos):
                end = text.find("\n", self.pos)
                self.pos = len(text) if end < 0 else end + 1
            elif text.startswith("/*", self.pos):
                end = text.find("*/", self.pos + 2)
                if end < 0:
                    raise self.fail("unterminated /* comment")
                self.pos = end + 2
            else:
                return

    def value(self, path: Path) -> Any:
        self.skip()
        self.lines[path] = self.line_at(self.pos)
        if self.pos >= len(self.text):
            raise self.fail("unexpected end of file")
        char = self.text[self.pos]
        if char == "{":
            return self.object(path)
        if char == "[":
            return self.array(path)
        return self.scalar()

    def scalar(self) -> Any:
        try:
            value, end = _decoder.raw_decode(self.text, self.pos)
        except json.JSONDecodeError as error:
            raise InputError(f"invalid JSON: {error.msg}", self.line_at(error.pos)) from None
        self.pos = end
        return value

    def object(self, path: Path) -> dict[str, Any]:
        self.pos += 1
        result: dict[str, Any] = {}
        while True:
            self.skip()
            if self.text.startswith("}", self.pos):
                self.pos += 1
                return result
            if not self.text.startswith('"', self.pos):
                raise self.fail("expected a quoted key or '}'")
            key_line = self.line_at(self.pos)
            key = self.scalar()
            self.skip()
            if not self.text.startswith(":", self.pos):
                raise self.fail(f"expected ':' after key {key!r}")
            self.pos += 1
            result[key] = self.value((*path, key))
            self.lines[(*path, key)] = key_line
            self.separator("}")

    def array(self, path: Path) -> list[Any]:
        self.pos += 1
        result: list[Any] = []
        while True:
            self.skip()
            if self.text.startswith("]", self.pos):
                self.pos += 1
                return result
            result.append(self.value((*path, len(result))))
            self.separator("]")

    def separator(self, closer: str) -> None:
        self.skip()
        if self.text.startswith(",", self.pos):
            self.pos += 1
        elif not self.text.startswith(closer, self.pos):
            raise self.fail(f"expected ',' or '{closer}'")


def loads(text: str) -> Located:
    """Parse JSON with comments; raise InputError with the line of the first problem."""
    reader = _Reader(text.removeprefix("\ufeff"))
    value = reader.value(())
    reader.skip()
    if reader.pos < len(reader.text):
        raise reader.fail("unexpected text after the JSON document")
    return Located(value, reader.lines, reader.line_at(len(reader.text)))


_TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"|//[^\n]*|/\*.*?(?:\*/|\Z)|[{}\[\]:]', re.S)


def top_level_keys(text: str) -> set[str]:
    """Keys of the outermost object, as far as the text goes (it may be a file's first bytes).
    Keys of nested objects are not among them."""
    keys: set[str] = set()
    open_brackets: list[str] = []
    candidate: str | None = None
    for match in _TOKEN.finditer(text):
        token = match.group()
        if token.startswith(("//", "/*")):
            continue
        if token in "{[":
            open_brackets.append(token)
        elif token in "}]":
            if open_brackets:
                open_brackets.pop()
        elif token == ":" and candidate is not None:
            keys.add(candidate)
        candidate = token[1:-1] if token.startswith('"') and open_brackets == ["{"] else None
    return keys
