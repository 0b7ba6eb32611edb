"""The severities a finding can have: the one definition every rule, schema and format reads.

Listed worst first. The JSON Schemas shipped in the package spell the same names; a test holds
them to this list (tests/test_severity.py).
"""

from __future__ import annotations

from enum import StrEnum


class Severity(StrEnum):
    """A finding's severity; equal to its name, so it reads and serialises as a plain string."""

    # name, rank (higher is worse), SARIF level, GitHub security-severity, ANSI colour
    CRITICAL = ("critical", 4, "error", "9.5", "1;31")
    HIGH = ("high", 3, "error", "8.0", "31")
    MEDIUM = ("medium", 2, "warning", "5.5", "33")
    LOW = ("low", 1, "note", "3.0", "36")

    rank: int
    sarif_level: str
    # GitHub code scanning maps security-severity to critical (>= 9.0), high (>= 7.0),
    # medium (>= 4.0) and low.
    security_severity: str
    colour: str

    def __new__(cls, name: str, rank: int, sarif_level: str, security_severity: str,
                colour: str) -> Severity:
        member = str.__new__(cls, name)
        member._value_ = name
        member.rank = rank
        member.sarif_level = sarif_level
        member.security_severity = security_severity
        member.colour = colour
        return member


SEVERITIES: tuple[str, ...] = tuple(severity.value for severity in Severity)
SEVERITY_RANK: dict[str, int] = {severity.value: severity.rank for severity in Severity}


def at_or_above(severity: str, threshold: str) -> bool:
    return SEVERITY_RANK[severity] >= SEVERITY_RANK[threshold]
