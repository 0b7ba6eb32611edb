"""Markdown summary for a pull-request comment or a GitHub job summary: the verdict, counts by
severity and a table of the findings that fail or may fail the gate, with their fix.

Every value from the scanned repository (file names, resources, messages) is shown in a code
span, where Markdown, HTML, links and @mentions are not interpreted; a pipe in it is escaped so
that it cannot end a table cell, and control characters are shown as escapes (`visible`)."""

from __future__ import annotations

import re
from collections import Counter
from typing import TYPE_CHECKING

from dicomguard.report import Format, RenderOptions
from dicomguard.report.escaping import inert_line, visible
from dicomguard.severity import SEVERITIES

if TYPE_CHECKING:
    from dicomguard.findings import Finding
    from dicomguard.scan import ScanReport

_BACKTICKS = re.compile(r"`+")
# In a table row a pipe ends the cell unless a backslash escapes it, and a backslash escapes the
# character after it: a pipe after an odd run of backslashes needs one more to stay escaped.
_PIPE = re.compile(r"(\\*)\|")


def _escaped_pipe(match: re.Match[str]) -> str:
    backslashes = match.group(1)
    return backslashes + ("\\" if len(backslashes) % 2 else "") + "\\|"


def code(text: str) -> str:
    """`text` as a code span that stays one table cell."""
    shown = _PIPE.sub(_escaped_pipe, visible(text))
    if not shown:
        return ""
    fence = "`" * (max((len(run) for run in _BACKTICKS.findall(shown)), default=0) + 1)
    return f"{fence} {shown} {fence}"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _headline(report: ScanReport, active: list[Finding], options: RenderOptions) -> list[str]:
    verdict = "failed" if options.gate.failed(report) else "passed"
    parts = [f"**{_plural(len(active), 'finding')}** in "
             f"{_plural(report.files_scanned, 'file')}"]
    unresolved = sum(1 for finding in active if finding.confidence == "unresolved")
    if unresolved:
        parts.append(f"{unresolved} unresolved")
    if report.baseline is not None:
        parts.append(f"{report.baseline['unchanged']} in the baseline")
    suppressed = len(report.findings) - len(active)
    if suppressed:
        parts.append(f"{suppressed} suppressed")
    if report.errors:
        parts.append(_plural(len(report.errors), "error"))
    return [f"### dicomguard: {verdict} (`{options.gate.describe()}`)", "",
            "; ".join(parts) + "."]


def _counts(active: list[Finding]) -> list[str]:
    by_severity = Counter(finding.severity for finding in active)
    return ["| Severity | Findings |", "| --- | ---: |",
            *(f"| {severity} | {by_severity[severity]} |" for severity in SEVERITIES)]


def _row(finding: Finding, options: RenderOptions) -> str:
    severity = code(finding.severity)
    if finding.confidence == "unresolved":
        severity += " (unresolved)"
    if options.gate.fails(finding):
        severity = f"**{severity}**"
    where = f"{finding.file}:{finding.line}" if finding.file else ""
    location = " ".join(code(part) for part in (where, finding.resource) if part)
    cells = [severity, location, code(f"{finding.rule_id} {finding.title}"),
             code(finding.message), code(finding.remediation)]
    return "| " + " | ".join(cells) + " |"


def _findings(shown: list[Finding], options: RenderOptions) -> list[str]:
    if not shown:
        return ["No findings."]
    return ["| Severity | Location | Rule | Message | Fix |", "| --- | --- | --- | --- | --- |",
            *(_row(finding, options) for finding in sorted(shown, key=lambda f: f.sort_key()))]


def _errors(report: ScanReport) -> list[str]:
    if not report.errors:
        return []
    return ["", "**Errors** (input that could not be read or parsed; any error fails the scan):",
            "", *(f"- {code(str(error))}" for error in report.errors)]


def render(report: ScanReport, options: RenderOptions) -> str:
    active = [finding for finding in report.findings if not finding.suppressed]
    shown = [finding for finding in active if finding.baseline != "unchanged"]
    lines = [*_headline(report, active, options), "", *_counts(active), "",
             *_findings(shown, options), *_errors(report)]
    return "\n".join(inert_line(line) for line in lines) + "\n"


FORMAT = Format("markdown", render)
