"""JUnit XML for CI test views (GitLab, Jenkins): one test case per rule and resource."""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import quoteattr

from dicomguard.report import RenderOptions
from dicomguard.report.gate import fails_gate

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


def _case_name(finding: Any) -> str:
    return finding.resource or (f"{finding.file}:{finding.line}" if finding.file else "scan")


def _testcase(classname: str, name: str, file: str, inner: str = "") -> str:
    opening = f"    <testcase classname={_attr(classname)} name={_attr(name)}"
    if file:
        opening += f" file={_attr(file)}"
    return f"{opening}>\n{inner}    </testcase>" if inner else f"{opening}/>"


def _finding_case(rule_id: str, name: str, findings: list[Any], options: RenderOptions
                  ) -> tuple[str, str]:
    """The test case for one rule and resource, and its outcome: failure, skipped or pass."""
    active = [finding for finding in findings if not finding.suppressed]
    text = "\n\n".join(_describe(finding) for finding in findings)
    first = findings[0]
    failing = [finding for finding in active if fails_gate(finding, options)]
    if failing:
        worst = failing[0]
        inner = (f"      <failure message={_attr(worst.message)} type={_attr(worst.severity)}>"
                 f"{_body(text)}</failure>\n")
        return _testcase(rule_id, name, first.file, inner), "failure"
    if not active:
        reasons = "; ".join(sorted({f.suppression_reason or "" for f in findings}))
        inner = f"      <skipped message={_attr('suppressed: ' + reasons)}/>\n"
        return _testcase(rule_id, name, first.file, inner), "skipped"
    inner = f"      <system-out>{_body('not failing the gate: ' + text)}</system-out>\n"
    return _testcase(rule_id, name, first.file, inner), "pass"


def render(report: Any, options: RenderOptions) -> str:
    groups: dict[tuple[str, str], list[Any]] = {}
    for finding in sorted(report.findings, key=lambda f: f.sort_key()):
        groups.setdefault((finding.rule_id, _case_name(finding)), []).append(finding)
    cases: list[str] = []
    outcomes: list[str] = []
    for (rule_id, name), findings in sorted(groups.items()):
        case, outcome = _finding_case(rule_id, name, findings, options)
        cases.append(case)
        outcomes.append(outcome)
    rules_with_findings = {rule_id for rule_id, _ in groups}
    for rule in report.rules:
        if rule.id not in rules_with_findings:
            cases.append(_testcase(rule.id, f"{rule.title}: no findings", ""))
            outcomes.append("pass")
    for error in report.errors:
        where = f"{error.file}:{error.line}" if error.line else error.file
        inner = (f"      <error message={_attr(error.message)} type=\"scan-error\">"
                 f"{_body(f'{where}: {error.message}')}</error>\n")
        cases.append(_testcase("scan-error", where, error.file, inner))
        outcomes.append("error")
    counts = (f'tests="{len(cases)}" failures="{outcomes.count("failure")}" '
              f'errors="{outcomes.count("error")}" skipped="{outcomes.count("skipped")}" '
              f'time="{report.duration_seconds:.3f}"')
    return "\n".join([
        '<?xml version="1.0" encoding="UTF-8"?>',
        f"<testsuites name={_attr(SUITE)} {counts}>",
        f"  <testsuite name={_attr(SUITE)} {counts}>",
        *cases,
        "  </testsuite>",
        "</testsuites>",
    ]) + "\n"
