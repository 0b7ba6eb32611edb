"""Text from a scanned repository, made safe to print for people and CI logs.

Resource names, values, file names and source lines come from the code under review. Printed
raw, a line break or an escape sequence in them could forge report lines, colour or clear a
terminal, or start a GitHub Actions workflow command (`::error …`, `::add-mask::`) in a CI log.
"""

from __future__ import annotations

import re

# Control characters (a tab excepted), line and paragraph separators, and the bidirectional
# controls that make text read differently from what it is.
_UNPRINTABLE = re.compile(
    "[\x00-\x08\x0a-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r"}
# The runner reads a line as a workflow command when, leading spaces aside, it starts with `::`
# and has a second `::` after it.
_WORKFLOW_COMMAND = re.compile(r"^(\s*):(?=:.*::)")


def _escape(match: re.Match[str]) -> str:
    character = match.group()
    if character in _NAMED:
        return _NAMED[character]
    code = ord(character)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str) -> str:
    """`text` on one line, every control character shown as an escape (`\\n`, `\\x1b`)."""
    return _UNPRINTABLE.sub(_escape, text)


def inert_line(line: str) -> str:
    """A line a CI runner cannot read as a workflow command: its leading colon as `\\x3a`."""
    return _WORKFLOW_COMMAND.sub(r"\1\\x3a", line)


def safe_text(text: str) -> str:
    """Several lines of text, each made visible and inert."""
    return "\n".join(inert_line(visible(line)) for line in text.split("\n"))
