"""Text report for people: findings grouped by file, each with its line, source and fix.

Every value that comes from the scanned repository is printed through `visible`, and no line
can be read by a CI runner as a workflow command (see report/escaping.py)."""

from __future__ import annotations

import textwrap
from collections import Counter
from typing import Any

from dicomguard.report import Format, RenderOptions, note_location
from dicomguard.report.escaping import inert_line, visible
from dicomguard.severity import SEVERITY_RANK, Severity

NO_FILE = "(findings not tied to a file)"
_COLOURS = {
    **{severity.value: severity.colour for severity in Severity},
    "dim": "2", "bold": "1", "failed": "1;31", "passed": "1;32", "unresolved": "35",
}


class _Painter:
    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __call__(self, text: str, style: str) -> str:
        if not self.enabled or style not in _COLOURS:
            return text
        return f"\033[{_COLOURS[style]}m{text}\033[0m"


def _wrapped(text: str, indent: str, width: int) -> list[str]:
    return textwrap.wrap(" ".join(visible(text).split()), width, initial_indent=indent,
                         subsequent_indent=indent + "  ") or [indent.rstrip()]


def _finding_lines(finding: Any, paint: _Painter, width: int, show_fix: bool) -> list[str]:
    severity = paint(finding.severity.upper(), finding.severity)
    heading = f"  {severity}  {paint(visible(finding.rule_id), 'bold')}  {visible(finding.title)}"
    if finding.confidence == "unresolved":
        heading += "  " + paint("[unresolved]", "unresolved")
    lines = [heading]
    where = f"{finding.file}:{finding.line}" if finding.file else ""
    location = visible("  ".join(part for part in (where, finding.resource) if part))
    if location:
        lines.append(f"    {location}")
    lines.extend(_wrapped(finding.message, "    ", width))
    if finding.snippet:
        lines.append(paint(f"      {finding.line} | {visible(finding.snippet)}", "dim"))
    if finding.confidence == "unresolved":
        reasons = "; ".join(finding.unknown) or "a value could not be known statically"
        lines.extend(_wrapped(f"unresolved: {reasons}", "    ", width))
    if finding.remediation and show_fix:
        lines.extend(_wrapped(f"fix: {finding.remediation}", "    ", width))
    elif finding.remediation:
        lines.append(f"    fix: as for {visible(finding.rule_id)} above")
    return lines


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def summary_line(report: Any, options: RenderOptions) -> str:
    """The one-line verdict: counts, files, duration, passed or failed and why."""
    active = [finding for finding in report.findings if not finding.suppressed]
    return _summary(report, active, options, _Painter(options.color))


def _summary(report: Any, active: list[Any], options: RenderOptions, paint: _Painter) -> str:
    if active:
        by_severity = Counter(finding.severity for finding in active)
        counts = ", ".join(f"{by_severity[name]} {name}"
                           for name in sorted(by_severity, key=lambda s: -SEVERITY_RANK[s]))
        unresolved = sum(1 for finding in active if finding.confidence == "unresolved")
        if unresolved:
            counts += f"; {unresolved} unresolved"
        if report.baseline is not None:
            counts += f"; {report.baseline['unchanged']} in the baseline"
        parts = [f"{_plural(len(active), 'finding')} ({counts})"]
    else:
        parts = ["no findings"]
    suppressed = len(report.findings) - len(active)
    if suppressed:
        parts.append(f"{suppressed} suppressed")
    if report.errors:
        parts.append(_plural(len(report.errors), "error"))
    verdict = "failed" if options.gate.failed(report) else "passed"
    return (f"dicomguard: {', '.join(parts)} in {_plural(report.files_scanned, 'file')} "
            f"({report.duration_seconds:.2f} s): {paint(verdict, verdict)} "
            f"({options.gate.describe()})")


READS = ("Terraform (.tf, .tf.json, .tfvars, plan JSON), Ansible (playbooks, roles, inventories, "
         "group_vars), iptables-save, nftables, ufw and firewalld rules, Orthanc JSON, "
         "docker-compose and Kubernetes manifests")


def _nothing_recognised(report: Any, width: int) -> list[str]:
    """Say plainly that a scan read nothing, so an empty pass is not mistaken for a clean one."""
    if report.files_scanned or report.errors:
        return []
    where = ", ".join(report.paths) or "the given paths"
    return [f"dicomguard: no file dicomguard reads was found under {where}; it reads",
            *textwrap.wrap(f"{READS}.", width, initial_indent="  ", subsequent_indent="  ",
                           break_on_hyphens=False)]


def _fixed_lines(baseline: dict[str, Any]) -> list[str]:
    fixed = baseline["fixed"]
    lines = [f"fixed since the baseline (no finding matches these any more; prune "
             f"{baseline['file']} with `dicomguard baseline update`):"]
    lines.extend(f"  {entry['rule_id']}  {entry['file']}  {entry['resource']}" for entry in fixed)
    return [*lines, ""]


def render(report: Any, options: RenderOptions) -> str:
    paint = _Painter(options.color)
    active = [finding for finding in report.findings if not finding.suppressed]
    by_file: dict[str, list[Any]] = {}
    shown = [finding for finding in active if finding.baseline != "unchanged"]
    for finding in sorted(shown, key=lambda f: f.sort_key()):
        by_file.setdefault(finding.file or NO_FILE, []).append(finding)
    out: list[str] = []
    fixes_shown: set[str] = set()
    for file, findings in by_file.items():
        out.append(paint(visible(file), "bold"))
        for finding in findings:
            show_fix = not options.compact or finding.rule_id not in fixes_shown
            fixes_shown.add(finding.rule_id)
            out.extend(_finding_lines(finding, paint, options.width, show_fix))
            out.append("")
    if report.errors:
        out.append(paint("errors (input that could not be read or parsed):", "failed"))
        out.extend(f"  {visible(str(error))}" for error in report.errors)
        out.append("")
    if report.baseline and report.baseline["fixed"] and not options.quiet:
        out.extend(_fixed_lines(report.baseline))
    if report.notes and not options.quiet:
        out.append("notes:")
        out.extend(visible(f"  {note_location(item.get('origin', {}))}: {item.get('message', '')}")
                   for item in report.notes)
        out.append("")
    if not options.quiet:
        out.extend(_nothing_recognised(report, options.width))
        out.append(_summary(report, active, options, paint))
    while out and out[-1] == "":
        out.pop()
    return "\n".join(inert_line(line) for line in out) + "\n" if out else ""


FORMAT = Format("text", render)
