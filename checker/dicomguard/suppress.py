"""Inline suppressions: `# dicomguard:ignore RULE-ID reason="..." until=YYYY-MM-DD`.

A suppression is a comment (`#`, `//`, `/* */` or `<!-- -->`) on the line a finding points at,
or among the comment lines directly above it. In Terraform, a suppression above a resource
block also covers findings on the blocks and attributes inside it (an `ingress` of a security
group). Several rule ids may be given, separated by
commas. A reason is required; a suppression without one, or with an unreadable date, is an
error and suppresses nothing. Once `until` has passed the finding is reported again, with a
note saying so.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from dicomguard.facts import note
from dicomguard.findings import Finding
from dicomguard.model import Origin, ScanError
from dicomguard.records import field, record
from dicomguard.sourcelines import SourceLines

if TYPE_CHECKING:
    from datetime import date

MARKER = "dicomguard:ignore"
_MARKER = re.compile(r"(?:#|//|/\*|<!--)\s*dicomguard:ignore\b(?P<body>.*?)\s*(?:\*/|-->)?\s*$")
_RULES = re.compile(r"\s*(?P<rules>[\w.-]+(?:\s*,\s*[\w.-]+)*)(?=\s|$)")
_REASON = re.compile(r"""\breason=(?:"(?P<double>[^"]*)"|'(?P<single>[^']*)')""")
_UNTIL = re.compile(r"\buntil=(?P<date>\S*)")
_COMMENT_LINE = re.compile(r"^\s*(?:#|//|/\*|<!--)")

EXAMPLE = 'dicomguard:ignore DG101 reason="why it is acceptable" until=2027-06-30'


@record(frozen=True)
class Suppression:
    rules: frozenset[str]
    reason: str
    until: date | None
    file: str
    line: int

    def covers(self, rule_id: str) -> bool:
        return rule_id.casefold() in self.rules

    def expired(self, today: date) -> bool:
        return self.until is not None and today > self.until


@record
class SuppressionOutcome:
    """What applying suppressions produced besides marking findings."""

    errors: list[ScanError] = field(default_factory=list)
    notes: list[dict[str, Any]] = field(default_factory=list)


def parse_comment(text: str, file: str, line: int) -> Suppression | ScanError | None:
    """The suppression in one source line; None when the line has none."""
    marker = _MARKER.search(text)
    if marker is None:
        return None
    body = marker.group("body")
    rules = _RULES.match(body)
    if rules is None:
        return ScanError(file, line, f"suppression names no rule id; write {EXAMPLE}")
    ids = frozenset(part.strip().casefold() for part in rules.group("rules").split(","))
    reason_match = _REASON.search(body)
    reason = ""
    if reason_match:
        reason = (reason_match.group("double") or reason_match.group("single") or "").strip()
    if reason_match is None or not reason:
        return ScanError(file, line, 'suppression has no reason="..." and does not suppress; '
                                     f"write {EXAMPLE}")
    outside_reason = body[:reason_match.start()] + " " + body[reason_match.end():]
    until = None
    until_match = _UNTIL.search(outside_reason)
    if until_match:
        from datetime import date

        try:
            until = date.fromisoformat(until_match.group("date"))
        except ValueError:
            return ScanError(file, line, f"suppression until={until_match.group('date')!r} is "
                                         "not a date (YYYY-MM-DD) and does not suppress")
    return Suppression(ids, reason, until, file, line)


_TERRAFORM_BLOCK = re.compile(r'(resource|data)\s+"([^"]+)"\s+"([^"]+)"\s*\{')
_TERRAFORM_SUFFIXES = (".tf",)


def _comments_above(lines: SourceLines, file: str, line: int) -> list[int]:
    above = line - 1
    numbers = []
    while above >= 1 and _COMMENT_LINE.match(lines.line(file, above)):
        numbers.append(above)
        above -= 1
    return numbers


_MODULE_PATH = re.compile(r"^(?:module\.[^.\[]+(?:\[[^\]]*\])?\.)+")
_INSTANCE_KEY = re.compile(r"\[[^\]]*\]$")


def _local_address(resource: str) -> str:
    """`module.a["x"].aws_sg.b[0]` -> `aws_sg.b`: the address as its own module writes it."""
    return _INSTANCE_KEY.sub("", _MODULE_PATH.sub("", resource))


def _enclosing_terraform_block(lines: SourceLines, finding: Finding) -> int | None:
    """The line of the top-level resource block that holds the finding, when the finding is
    about that resource (its address, without a module path or an instance key)."""
    if not finding.file.endswith(_TERRAFORM_SUFFIXES) or not finding.resource:
        return None
    number = finding.line - 1
    while number >= 1:
        text = lines.line(finding.file, number)
        if text[:1] not in ("", " ", "\t", "#", "/", "}", "*"):
            block = _TERRAFORM_BLOCK.match(text)
            if not block:
                return None
            kind, type_name, name = block.groups()
            address = f"{type_name}.{name}" if kind == "resource" else f"data.{type_name}.{name}"
            return number if _local_address(finding.resource) == address else None
        number -= 1
    return None


def _candidate_lines(lines: SourceLines, finding: Finding) -> list[int]:
    """The finding's own line and the comment lines directly above it, then (in Terraform) the
    comment lines above the resource block that holds it."""
    candidates = [finding.line, *_comments_above(lines, finding.file, finding.line)]
    block = _enclosing_terraform_block(lines, finding)
    if block is not None and block != finding.line:
        candidates.extend(_comments_above(lines, finding.file, block))
    return candidates


def _today() -> date:
    from datetime import UTC, datetime  # only a suppression with until= needs the date

    return datetime.now(UTC).date()


def apply_suppressions(findings: list[Finding], lines: SourceLines | None = None,
                       today: date | None = None, scanned_files: Iterable[str] = ()
                       ) -> SuppressionOutcome:
    """Mark suppressed findings. Malformed suppressions, in front of a finding or anywhere in
    the scanned files, become errors; expired ones become notes."""
    lines = lines or SourceLines()
    outcome = SuppressionOutcome()
    reported: set[tuple[str, int, str]] = set()
    for finding in findings:
        if not finding.file:
            continue
        for number in _candidate_lines(lines, finding):
            parsed = parse_comment(lines.line(finding.file, number), finding.file, number)
            if isinstance(parsed, ScanError):
                if (finding.file, number, "error") not in reported:
                    reported.add((finding.file, number, "error"))
                    outcome.errors.append(parsed)
                continue
            if parsed is None or not parsed.covers(finding.rule_id):
                continue
            if parsed.until is not None and parsed.expired(today := today or _today()):
                if (finding.file, number, finding.rule_id) not in reported:
                    reported.add((finding.file, number, finding.rule_id))
                    outcome.notes.append(_expiry_note(parsed, finding))
                continue
            finding.suppressed = True
            finding.suppression_reason = parsed.reason
            finding.suppression_until = parsed.until.isoformat() if parsed.until else None
            break
    for file in scanned_files:
        if MARKER not in lines.text(file):
            continue
        for number, text in enumerate(lines.lines(file), start=1):
            parsed = parse_comment(text, file, number)
            if isinstance(parsed, ScanError) and (file, number, "error") not in reported:
                reported.add((file, number, "error"))
                outcome.errors.append(parsed)
    outcome.errors.sort(key=lambda error: (error.file, error.line or 0))
    return outcome


def _expiry_note(suppression: Suppression, finding: Finding) -> dict[str, Any]:
    origin = Origin(suppression.file, suppression.line, suppression.line, finding.resource)
    return note(origin, f"suppression of {finding.rule_id} expired on "
                        f"{suppression.until}; the finding is reported again")
