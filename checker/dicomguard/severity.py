"""The severities a finding can have: the one definition every rule, schema and format reads.

Listed worst first. The JSON Schemas shipped in the package spell the same names; a test holds
them to this list (tests/test_severity.py).
"""

from __future__ import annotations

from enum import StrEnum
from typing import NamedTuple


class Severity(StrEnum):
    """A finding's severity; equal to its name, so it reads and serialises as a plain string."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @property
    def rank(self) -> int:
        """Higher is worse."""
        return _TRAITS[self].rank

    @property
    def sarif_level(self) -> str:
        return _TRAITS[self].sarif_level

    @property
    def security_severity(self) -> str:
        """GitHub code scanning maps security-severity to critical (>= 9.0), high (>= 7.0),
        medium (>= 4.0) and low."""
        return _TRAITS[self].security_severity

    @property
    def colour(self) -> str:
        """The ANSI colour of the text report."""
        return _TRAITS[self].colour


class _Traits(NamedTuple):
    rank: int
    sarif_level: str
    security_severity: str
    colour: str


_TRAITS = {
    Severity.CRITICAL: _Traits(4, "error", "9.5", "1;31"),
    Severity.HIGH: _Traits(3, "error", "8.0", "31"),
    Severity.MEDIUM: _Traits(2, "warning", "5.5", "33"),
    Severity.LOW: _Traits(1, "note", "3.0", "36"),
}

SEVERITIES: tuple[str, ...] = tuple(severity.value for severity in Severity)
SEVERITY_RANK: dict[str, int] = {severity.value: severity.rank for severity in Severity}


def at_or_above(severity: str, threshold: str) -> bool:
    return SEVERITY_RANK[severity] >= SEVERITY_RANK[threshold]
