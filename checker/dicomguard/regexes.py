"""Regular expressions from scanned files, matched in linear time with RE2.

Python's `re` backtracks: a pattern such as `(a*)*b` against a few dozen characters runs for
hours. Terraform's regex functions use Go's regexp, which has RE2's syntax and linear-time
guarantee, so RE2 is also the faithful engine there; patterns RE2 refuses (lookarounds,
backreferences) are errors Terraform reports too.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from dicomguard import native
from dicomguard.limits import check_string


class PatternError(ValueError):
    """A pattern RE2 does not accept."""


@lru_cache(maxsize=1)
def _options() -> Any:
    """The options every pattern is compiled with (RE2 keeps referring to them)."""
    options = native.re2().Options()
    options.log_errors = False  # a refused pattern is reported by us, not printed by RE2
    return options


@lru_cache(maxsize=1024)
def compile_pattern(pattern: str, ignorecase: bool = False, multiline: bool = False) -> Any:
    re2 = native.re2()  # loaded with the first pattern: most scans have none
    flags = ("i" if ignorecase else "") + ("m" if multiline else "")
    try:
        return re2.compile(f"(?{flags}){pattern}" if flags else pattern, _options())
    except re2.error as error:
        reason = error.args[0] if error.args else error
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        raise PatternError(f"invalid regular expression {pattern!r}: {reason}") from None


def subject(text: str) -> str:
    """Text a pattern runs over, within the size limits."""
    return check_string(text, "the text a regular expression runs over")
