"""SARIF 2.1.0 for code-scanning services (GitHub, GitLab, Azure DevOps)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

from dicomguard.policies import Rule, builtin_policy_dir
from dicomguard.report import Format, RenderOptions
from dicomguard.rule_docs import page_name
from dicomguard.severity import Severity

SOURCE_ROOT = "%SRCROOT%"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
FINGERPRINT_KEY = "dicomguard/v2"  # identity.FindingIdentity.fingerprint
# Code scanning groups runs by the automation id up to its last slash.
AUTOMATION_CATEGORY = "dicomguard/scan"


def _artifact(path: str) -> dict[str, Any]:
    """A file inside the project root relative to %SRCROOT%, any other by its file URI."""
    if Path(path).is_absolute():
        return {"uri": Path(path).as_uri()}
    return {"uri": quote(Path(path).as_posix()), "uriBaseId": SOURCE_ROOT}


def _location(file: str, line: int | None, end_line: int | None = None,
              snippet: str = "") -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": _artifact(file)}
    if line:
        region: dict[str, Any] = {"startLine": line, "endLine": max(end_line or line, line)}
        if snippet:
            region["snippet"] = {"text": snippet}
        physical["region"] = region
    return {"physicalLocation": physical}


def _is_builtin(rule: Rule) -> bool:
    return bool(rule.path) and Path(rule.path).parent == builtin_policy_dir()


def _rule(rule: Any, docs_url: str) -> dict[str, Any]:
    references = "".join(f"\n- {reference}" for reference in rule.references)
    help_text = rule.remediation or rule.description
    described: dict[str, Any] = {
        "id": rule.id,
        "name": rule.package.rsplit(".", 1)[-1],
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.description or rule.title},
        "help": {
            "text": help_text + (f"\n\nReferences:{references}" if references else ""),
            "markdown": f"**Fix:** {help_text}" + (f"\n\n**References:**{references}"
                                                   if references else ""),
        },
        "defaultConfiguration": {"level": Severity(rule.severity).sarif_level},
        "properties": {
            "category": rule.category,
            "security-severity": Severity(rule.severity).security_severity,
            "precision": "high",
            "tags": ["security", rule.category],
        },
    }
    if docs_url and _is_builtin(rule):
        described["helpUri"] = f"{docs_url.rstrip('/')}/{page_name(rule)}"
    return described


def _result(finding: Any, rule_index: int) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "category": finding.category,
        "severity": finding.severity,
        "confidence": finding.confidence,
        "security-severity": Severity(finding.severity).security_severity,
    }
    if finding.ports is not None:
        properties["ports"] = finding.ports
    if finding.unknown:
        properties["unknown"] = finding.unknown
    location = _location(finding.file, finding.line, finding.end_line, finding.snippet) \
        if finding.file else None
    if location and finding.resource:
        location["logicalLocations"] = [{"fullyQualifiedName": finding.resource,
                                         "kind": "resource"}]
    result: dict[str, Any] = {
        "ruleId": finding.rule_id,
        "ruleIndex": rule_index,
        "level": Severity(finding.severity).sarif_level,
        "message": {"text": finding.message},
        "locations": [location] if location else [],
        "partialFingerprints": {FINGERPRINT_KEY: finding.fingerprint},
        "properties": properties,
    }
    if finding.baseline:
        result["baselineState"] = finding.baseline
    if finding.suppressed:
        result["suppressions"] = [{"kind": "inSource", "status": "accepted",
                                   "justification": finding.suppression_reason or ""}]
    return result


def _notification(message: str, level: str, file: str = "", line: int | None = None
                  ) -> dict[str, Any]:
    notification: dict[str, Any] = {"level": level, "message": {"text": message}}
    if file:
        notification["locations"] = [_location(file, line)]
    return notification


def _rules_with_findings(report: Any) -> list[Any]:
    """Every loaded rule, plus any a hand-built report names without loading it."""
    rules = {rule.id: rule for rule in report.rules}
    for finding in report.findings:
        if finding.rule_id not in rules:
            rules[finding.rule_id] = Rule(
                id=finding.rule_id, package=finding.rule_id, title=finding.title,
                description="", severity=finding.severity, category=finding.category,
                remediation=finding.remediation, references=finding.references, path="")
    return sorted(rules.values(), key=lambda rule: rule.id)


def _run_id(report: Any) -> str:
    """Derived from what the run found, so the same input gives the same SARIF."""
    content = json.dumps([report.version, sorted(rule.id for rule in report.rules),
                          sorted(finding.fingerprint for finding in report.findings),
                          sorted(error.message for error in report.errors)])
    return hashlib.sha256(content.encode()).hexdigest()[:16]


def render(report: Any, options: RenderOptions) -> str:
    rules = _rules_with_findings(report)
    index = {rule.id: position for position, rule in enumerate(rules)}
    notifications = [_notification(error.message, "error", error.file, error.line)
                     for error in report.errors]
    notifications += [
        _notification(item.get("message", ""), "warning", item.get("origin", {}).get("file", ""),
                      item.get("origin", {}).get("line"))
        for item in report.notes
    ]
    document = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "dicomguard",
                "version": report.version,
                "semanticVersion": report.version,
                "rules": [_rule(rule, options.docs_url) for rule in rules],
            }},
            "automationDetails": {"id": f"{AUTOMATION_CATEGORY}/{_run_id(report)}"},
            "invocations": [{
                "executionSuccessful": not report.errors,
                "toolExecutionNotifications": notifications,
            }],
            "originalUriBaseIds": {SOURCE_ROOT: {
                "uri": report.root.as_uri().rstrip("/") + "/",
                "description": {"text": "the project root every result's file is relative to"},
            }},
            "results": [_result(finding, index[finding.rule_id]) for finding in report.findings],
            "columnKind": "unicodeCodePoints",
        }],
    }
    return json.dumps(document, indent=2) + "\n"


FORMAT = Format("sarif", render)
