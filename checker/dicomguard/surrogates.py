"""Lone surrogates: JSON may write `"\\uD800"`, half of a UTF-16 pair, which is no Unicode
character. Python decodes it into a str that no UTF-8 output (a report, the policy engine's
input) can encode. Where a file holds one it is an input error; what reaches the facts anyway
is replaced by U+FFFD, so the report is always written."""

from __future__ import annotations

import json
import re
from typing import Any

from dicomguard.model import Facts, InputError, ScanError

MESSAGE = "holds a lone surrogate escape (such as \\uD800), which is not a Unicode character"
REPLACEMENT = "\ufffd"
_SURROGATE = re.compile("[\ud800-\udfff]")
_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def has_surrogate(value: Any) -> bool:
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list | tuple):
            pending.extend(item)
    return False


def check_decoded(value: Any, text: str, line_offset: int = 0) -> None:
    """InputError, with the line of the first surrogate escape in `text`, when the value
    decoded from it holds a lone surrogate. JSON decodes one only from a surrogate escape, so
    a text without one (nor a raw surrogate) needs no walk through the value."""
    if not _ESCAPE.search(text) and not _SURROGATE.search(text):
        return
    if has_surrogate(value):
        found = _ESCAPE.search(text)
        line = text.count("\n", 0, found.start()) + 1 if found else 1
        raise InputError(MESSAGE, line + line_offset)


def sanitized(value: Any) -> Any:
    if isinstance(value, str):
        return _SURROGATE.sub(REPLACEMENT, value)
    if isinstance(value, dict):
        return {sanitized(key): sanitized(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [sanitized(item) for item in value]
    return value


def sanitized_facts(facts: Facts) -> tuple[Facts, list[ScanError]]:
    """Facts every output can encode, and an error for each fact that needed it."""
    errors: list[ScanError] = []
    if not _SURROGATE.search(json.dumps(facts.to_json(), ensure_ascii=False, default=str)):
        return facts, errors  # the common case, decided in one pass at C speed
    clean = Facts(notes=[sanitized(note) if has_surrogate(note) else note
                         for note in facts.notes])
    for kind in ("ingress", "storage", "services", "grants"):
        kept = getattr(clean, kind)
        for fact in getattr(facts, kind):
            if has_surrogate(fact):
                fact = sanitized(fact)
                origin = fact.get("origin") or {}
                errors.append(ScanError(str(origin.get("file", "")), origin.get("line"),
                                        f"{origin.get('address') or 'a value'} {MESSAGE}"))
            kept.append(fact)
    return clean, errors


def sanitized_errors(errors: list[ScanError]) -> list[ScanError]:
    return [ScanError(sanitized(error.file), error.line, sanitized(error.message))
            if has_surrogate([error.file, error.message]) else error for error in errors]
