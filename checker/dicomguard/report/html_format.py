"""HTML report for reviewers and auditors: one self-contained file, no scripts, no network.

Summary by category and severity, the HIPAA / DICOM control matrix from each rule's references,
findings grouped by file with their source line and fix, suppressions with reason and expiry,
errors and notes. Everything from the scanned repository is escaped (`_text`), and the page's
Content-Security-Policy forbids loading anything, so a hostile value can neither run nor call out.
"""

from __future__ import annotations

import html
from collections import Counter
from typing import Any

from dicomguard.policies import CATEGORIES
from dicomguard.report import Format, RenderOptions, note_location
from dicomguard.report.escaping import visible
from dicomguard.report.json_format import summary
from dicomguard.report.text_format import READS
from dicomguard.severity import SEVERITIES, SEVERITY_RANK

NO_FILE = "(findings not tied to a file)"
CONTROL_FAMILIES = ("HIPAA", "DICOM")

STYLE = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1d2430;margin:0;
background:#f5f6f8}
main{max-width:1100px;margin:0 auto;padding:24px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:19px;margin:32px 0 10px;border-bottom:1px solid
#cfd4dc;padding-bottom:4px}h3{font-size:15px;margin:18px 0 8px;font-family:ui-monospace,monospace}
table{border-collapse:collapse;width:100%;background:#fff}th,td{border:1px solid #d9dde3;
padding:5px 8px;text-align:left;vertical-align:top}th{background:#eceff3}
td.n{text-align:right;font-variant-numeric:tabular-nums}
.verdict{display:inline-block;padding:3px 10px;border-radius:4px;font-weight:600;color:#fff}
.failed{background:#b3261e}.passed{background:#1e7b34}.review{background:#8a5a00}
.finding{background:#fff;border:1px solid #d9dde3;border-left:5px solid #888;margin:0 0 10px;
padding:8px 12px}
.finding.critical{border-left-color:#b3261e}.finding.high{border-left-color:#d9480f}
.finding.medium{border-left-color:#c79100}.finding.low{border-left-color:#1c7ed6}
.sev{font-weight:700;text-transform:uppercase;font-size:12px;margin-right:6px}
.critical .sev{color:#b3261e}.high .sev{color:#d9480f}.medium .sev{color:#8a6500}
.low .sev{color:#1c6bb8}
.meta{color:#555;font-size:13px}code,pre{font-family:ui-monospace,Menlo,Consolas,monospace}
pre{background:#f0f2f5;padding:6px 8px;overflow-x:auto;margin:6px 0;white-space:pre-wrap}
.tag{font-size:12px;background:#eceff3;border-radius:3px;padding:1px 6px;margin-left:6px}
.empty{color:#555;font-style:italic}
"""
# Nothing may be fetched or run: inline styles only.
CSP = "default-src 'none'; style-src 'unsafe-inline'"


def _text(value: Any) -> str:
    """A value from the scanned repository, on one visible line, safe inside HTML."""
    return html.escape(visible(str(value)), quote=True)


def _active(report: Any) -> list[Any]:
    return [finding for finding in report.findings if not finding.suppressed]


def _table(headers: list[str], rows: list[list[str]], numeric_from: int = 99) -> str:
    head = "".join(f"<th>{header}</th>" for header in headers)
    body = "".join(
        "<tr>" + "".join(f'<td class="n">{cell}</td>' if index >= numeric_from else
                         f"<td>{cell}</td>" for index, cell in enumerate(row)) + "</tr>"
        for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _header(report: Any, options: RenderOptions) -> str:
    verdict = "failed" if options.gate.failed(report) else "passed"
    gate = options.gate.describe()
    scanned = ", ".join(_text(path) for path in report.paths) or "the given paths"
    nothing_read = ""
    if not report.files_scanned and not report.errors:
        nothing_read = (f'<p class="verdict review">No file dicomguard reads was found in '
                        f"{scanned}; it reads {_text(READS)}.</p>")
    return (f"<h1>dicomguard report</h1>"
            f'<p><span class="verdict {verdict}">{verdict}</span> '
            f"<span class=\"meta\">gate {_text(gate)} · {report.files_scanned} files scanned "
            f"in {scanned} · dicomguard {_text(report.version)}</span></p>{nothing_read}")


def _summary(report: Any) -> str:
    active = _active(report)
    counts = Counter((finding.category, finding.severity) for finding in active)
    categories = list(CATEGORIES) + sorted({f.category for f in active} - set(CATEGORIES))
    rows = [[_text(category), *(str(counts[(category, severity)]) for severity in SEVERITIES),
             str(sum(counts[(category, severity)] for severity in SEVERITIES))]
            for category in categories]
    rows.append(["<b>all</b>", *(str(sum(counts[(c, s)] for c in categories))
                                 for s in SEVERITIES), f"<b>{len(active)}</b>"])
    totals = summary(report)
    facts = (f'<p class="meta">findings: {totals["findings"]} ({totals["unresolved"]} '
             f'unresolved) · suppressed: {totals["suppressed"]} · errors: {totals["errors"]} · '
             f"notes: {len(report.notes)}</p>")
    return ("<h2>Summary</h2>" + facts
            + _table(["Category", *SEVERITIES, "total"], rows, numeric_from=1))


def _controls(report: Any) -> dict[str, set[str]]:
    """Each HIPAA / DICOM reference -> the ids of the rules that check it."""
    controls: dict[str, set[str]] = {}
    sources = [(rule.id, rule.references) for rule in report.rules]
    sources += [(finding.rule_id, finding.references) for finding in report.findings]
    for rule_id, references in sources:
        for reference in references:
            if reference.startswith(CONTROL_FAMILIES):
                controls.setdefault(reference, set()).add(rule_id)
    return controls


def _control_matrix(report: Any) -> str:
    controls = _controls(report)
    active = _active(report)
    rows, failed = [], 0
    for control in sorted(controls, key=lambda c: (CONTROL_FAMILIES.index(c.split()[0]), c)):
        rule_ids = controls[control]
        open_findings = [f for f in active if f.rule_id in rule_ids]
        confirmed = [f for f in open_findings if f.confidence == "confirmed"]
        suppressed = sum(1 for f in report.findings if f.suppressed and f.rule_id in rule_ids)
        status = "failed" if confirmed else "review" if open_findings else "passed"
        failed += status == "failed"
        rows.append([_text(control), _text(", ".join(sorted(rule_ids))),
                     str(len(confirmed)), str(len(open_findings) - len(confirmed)),
                     str(suppressed), f'<span class="verdict {status}">{status}</span>'])
    passed = sum(1 for row in rows if "passed" in row[-1])
    heading = (f'<h2>Control matrix</h2><p class="meta">{len(rows)} controls checked: {passed} '
               f"passed, {failed} failed, {len(rows) - passed - failed} to review (only "
               "unresolved findings). HIPAA 45 CFR 164.312 and DICOM PS3.15 references come "
               "from each rule's metadata.</p>")
    if not rows:
        return heading + '<p class="empty">No loaded rule names a control.</p>'
    return heading + _table(["Control", "Rules", "Findings", "Unresolved", "Suppressed",
                             "Status"], rows, numeric_from=2)


def _finding(finding: Any) -> str:
    tags = ""
    if finding.confidence == "unresolved":
        tags += '<span class="tag">unresolved</span>'
    if finding.baseline:
        tags += f'<span class="tag">baseline: {_text(finding.baseline)}</span>'
    where = f"line {finding.line}" if finding.file else ""
    location = " · ".join(part for part in (where, _text(finding.resource)) if part)
    parts = [f'<article class="finding {_text(finding.severity)}">',
             f'<div><span class="sev">{_text(finding.severity)}</span>'
             f"<b>{_text(finding.rule_id)}</b> {_text(finding.title)}{tags}</div>",
             f'<div class="meta">{location}</div>' if location else "",
             f"<p>{_text(finding.message)}</p>"]
    if finding.snippet:
        parts.append(f"<pre>{finding.line} | {_text(finding.snippet)}</pre>")
    if finding.confidence == "unresolved":
        reasons = "; ".join(finding.unknown) or "a value could not be known statically"
        parts.append(f"<p><b>Unresolved:</b> {_text(reasons)}</p>")
    if finding.remediation:
        parts.append(f"<p><b>Fix:</b> {_text(finding.remediation)}</p>")
    if finding.path:
        parts.append(f'<p class="meta">path: {_text(finding.path)}</p>')
    return "".join(parts) + "</article>"


def _findings(report: Any) -> str:
    by_file: dict[str, list[Any]] = {}
    ordered = sorted(_active(report), key=lambda f: (f.file, f.line, -SEVERITY_RANK[f.severity]))
    for finding in ordered:
        by_file.setdefault(finding.file or NO_FILE, []).append(finding)
    if not by_file:
        return '<h2>Findings</h2><p class="empty">No findings.</p>'
    sections = "".join(f"<section><h3>{_text(file)}</h3>{''.join(map(_finding, findings))}"
                       "</section>" for file, findings in by_file.items())
    return "<h2>Findings</h2>" + sections


def _suppressions(report: Any) -> str:
    rows = [[_text(f.rule_id), _text(f"{f.file}:{f.line}"), _text(f.resource),
             _text(f.suppression_reason or ""), _text(f.suppression_until or "no expiry")]
            for f in report.findings if f.suppressed]
    if not rows:
        return '<h2>Suppressions</h2><p class="empty">No finding is suppressed.</p>'
    return "<h2>Suppressions</h2>" + _table(["Rule", "Where", "Resource", "Reason", "Until"], rows)


def _errors_and_notes(report: Any) -> str:
    errors = "".join(f"<li><code>{_text(error)}</code></li>" for error in report.errors)
    notes = "".join(f"<li><code>{_text(note_location(item.get('origin', {})))}</code> "
                    f"{_text(item.get('message', ''))}</li>" for item in report.notes)
    return ("<h2>Errors</h2>" + (f"<p>Input that could not be read or parsed; any error fails the "
                                 f"scan.</p><ul>{errors}</ul>" if errors else
                                 '<p class="empty">No errors.</p>')
            + "<h2>Notes</h2>" + (f"<ul>{notes}</ul>" if notes else
                                  '<p class="empty">No notes.</p>'))


def render(report: Any, options: RenderOptions) -> str:
    body = "".join((_header(report, options), _summary(report), _control_matrix(report),
                    _findings(report), _suppressions(report), _errors_and_notes(report)))
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>dicomguard report</title><style>{STYLE}</style></head>"
            f"<body><main>{body}</main></body></html>\n")


FORMAT = Format("html", render)
