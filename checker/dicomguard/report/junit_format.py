"""JUnit XML for CI test views (GitLab, Jenkins): one test case per file and resource, valid
against the JUnit schema Jenkins publishes (no `file` attribute, `skipped` with text only)."""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import quoteattr

from dicomguard.report import Format, RenderOptions

SUITE = "dicomguard"
_XML_FORBIDDEN = {code: None for code in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20))}


def _clean(text: str) -> str:
    return text.translate(_XML_FORBIDDEN)


def _attr(text: str) -> str:
    return quoteattr(_clean(text))


def _body(text: str) -> str:
    """Element text in CDATA, with any `]]>` in it split so it cannot close the section."""
    return "<![CDATA[" + _clean(text).replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _describe(finding: Any) -> str:
    lines = [f"{finding.severity.upper()} {finding.rule_id} {finding.title}",
             f"{finding.file}:{finding.line}" if finding.file else "",
             finding.message]
    if finding.confidence == "unresolved":
        lines.append("unresolved: " + ("; ".join(finding.unknown) or "a value could not be known"))
    if finding.remediation:
        lines.append(f"fix: {finding.remediation}")
    return "\n".join(line for line in lines if line)


def _case_key(finding: Any) -> tuple[str, str]:
    """(classname, name): the file, and the resource in it, so that two files with the same
    resource address are two test cases."""
    if not finding.file:
        return SUITE, finding.resource or "scan"
    return finding.file, finding.resource or f"line {finding.line}"


def _testcase(classname: str, name: str, inner: str = "") -> str:
    opening = f"    <testcase classname={_attr(classname)} name={_attr(name)}"
    return f"{opening}>\n{inner}    </testcase>" if inner else f"{opening}/>"


def _finding_case(classname: str, name: str, findings: list[Any], options: RenderOptions
                  ) -> tuple[str, str]:
    """The test case for one file and resource, and its outcome: failure, skipped or pass.
    A failure's type is the worst severity among the case's findings."""
    active = [finding for finding in findings if not finding.suppressed]
    text = "\n\n".join(_describe(finding) for finding in findings)
    if any(options.gate.fails(finding) for finding in active):
        worst = max(active, key=lambda finding: finding.rank)
        inner = (f"      <failure message={_attr(worst.message)} type={_attr(worst.severity)}>"
                 f"{_body(text)}</failure>\n")
        return _testcase(classname, name, inner), "failure"
    if not active:
        reasons = "; ".join(sorted({f.suppression_reason or "" for f in findings}))
        inner = f"      <skipped>{_body('suppressed: ' + reasons)}</skipped>\n"
        return _testcase(classname, name, inner), "skipped"
    inner = f"      <system-out>{_body('not failing the gate: ' + text)}</system-out>\n"
    return _testcase(classname, name, inner), "pass"


def render(report: Any, options: RenderOptions) -> str:
    groups: dict[tuple[str, str], list[Any]] = {}
    for finding in sorted(report.findings, key=lambda f: f.sort_key()):
        groups.setdefault(_case_key(finding), []).append(finding)
    cases: list[str] = []
    outcomes: list[str] = []
    for (classname, name), findings in sorted(groups.items()):
        case, outcome = _finding_case(classname, name, findings, options)
        cases.append(case)
        outcomes.append(outcome)
    rules_with_findings = {finding.rule_id for finding in report.findings}
    for rule in report.rules:
        if rule.id not in rules_with_findings:
            cases.append(_testcase(rule.id, f"{rule.title}: no findings"))
            outcomes.append("pass")
    for error in report.errors:
        where = f"{error.file}:{error.line}" if error.line else error.file
        inner = (f"      <error message={_attr(error.message)} type=\"scan-error\">"
                 f"{_body(f'{where}: {error.message}')}</error>\n")
        cases.append(_testcase("scan-error", where, inner))
        outcomes.append("error")
    counts = (f'tests="{len(cases)}" failures="{outcomes.count("failure")}" '
              f'errors="{outcomes.count("error")}" time="{report.duration_seconds:.3f}"')
    skipped = f'skipped="{outcomes.count("skipped")}"'  # the schema has it on testsuite only
    return "\n".join([
        '<?xml version="1.0" encoding="UTF-8"?>',
        f"<testsuites name={_attr(SUITE)} {counts}>",
        f"  <testsuite name={_attr(SUITE)} {counts} {skipped}>",
        *cases,
        "  </testsuite>",
        "</testsuites>",
    ]) + "\n"


FORMAT = Format("junit", render)
