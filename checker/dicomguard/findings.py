"""Findings: what the engine said, joined with rule metadata and the fact's origin."""

from __future__ import annotations

from typing import Any

from dicomguard.policies import PolicySet, Rule
from dicomguard.records import field, fields, record
from dicomguard.severity import SEVERITY_RANK


@record
class Finding:
    rule_id: str
    title: str
    category: str
    severity: str
    confidence: str  # confirmed | unresolved
    file: str
    line: int
    end_line: int
    resource: str
    message: str
    remediation: str
    platform: str = ""
    ports: list[int] | None = None
    references: list[str] = field(default_factory=list)
    path: str = ""  # how traffic gets in, for network findings (firewall packet path)
    unknown: list[str] = field(default_factory=list)
    suppressed: bool = False
    suppression_reason: str | None = None
    suppression_until: str | None = None  # YYYY-MM-DD the suppression expires, when it does
    snippet: str = ""  # the source line the finding points at
    fingerprint: str = ""  # identity.identify(...).fingerprint, set by the scan
    baseline: str | None = None  # "unchanged" or "new" when scanned with --baseline


    def to_json(self) -> dict[str, Any]:
        # Every field is a scalar or a list of scalars: copied one level deep, as asdict would
        # copy them, at a fraction of its cost.
        data = {name: list(value) if isinstance(value, list) else value
                for name in _FIELD_NAMES for value in (getattr(self, name),)}
        if self.ports is None:
            del data["ports"]
        if self.baseline is None:
            del data["baseline"]
        if self.suppression_until is None:
            del data["suppression_until"]
        return data

    @property
    def rank(self) -> int:
        return SEVERITY_RANK.get(self.severity, 0)

    def sort_key(self) -> tuple[Any, ...]:
        return (self.file, self.line, -self.rank, self.rule_id, self.message)


_FIELD_NAMES = fields(Finding)


def build_findings(
    denials: dict[str, list[Any]],
    policies: PolicySet,
    facts_by_id: dict[str, dict[str, Any]],
    severity_overrides: dict[str, str] | None = None,
    disabled: set[str] | frozenset[str] = frozenset(),
    enabled: set[str] | frozenset[str] | None = None,
) -> list[Finding]:
    """Turn each rule package's deny entries into findings; `enabled`, when given, keeps only
    those rules."""
    return [finding for finding, _ in findings_of_facts(
        denials, policies, facts_by_id, severity_overrides, disabled, enabled)]


def findings_of_facts(
    denials: dict[str, list[Any]],
    policies: PolicySet,
    facts_by_id: dict[str, dict[str, Any]],
    severity_overrides: dict[str, str] | None = None,
    disabled: set[str] | frozenset[str] = frozenset(),
    enabled: set[str] | frozenset[str] | None = None,
) -> list[tuple[Finding, str]]:
    """build_findings, each finding with the id of the fact it is about, in report order."""
    overrides = severity_overrides or {}
    findings: list[tuple[Finding, str]] = []
    for package, entries in denials.items():
        rule = policies.rules.get(package)
        if rule is None or rule.id in disabled or (enabled is not None and rule.id not in enabled):
            continue
        for entry in entries:
            finding = _finding(rule, entry, facts_by_id, overrides)
            if finding is not None:
                fact = entry.get("fact", "") if isinstance(entry, dict) else ""
                findings.append((finding, str(fact)))
    findings.sort(key=report_order)
    return findings


def report_order(item: tuple[Finding, str]) -> tuple[Any, ...]:
    """Findings by place, severity and rule; those alike in all of it by their fact's id, so
    that the order never depends on how the facts were split for evaluation."""
    finding, fact = item
    return (*finding.sort_key(), fact)


def _finding(rule: Rule, entry: Any, facts_by_id: dict[str, dict[str, Any]],
             overrides: dict[str, str]) -> Finding | None:
    if not isinstance(entry, dict):
        entry = {"message": str(entry)}
    fact = facts_by_id.get(str(entry.get("fact", "")), {})
    # A rule may point at the part of the fact it judges (a listener's TLS setting).
    origin = entry.get("origin") if isinstance(entry.get("origin"), dict) \
        else fact.get("origin", {})
    severity = overrides.get(rule.id) or entry.get("severity") or rule.severity
    if severity not in SEVERITY_RANK:
        severity = rule.severity
    ports = entry.get("ports")
    return Finding(
        rule_id=rule.id,
        title=rule.title,
        category=rule.category,
        severity=severity,
        confidence="unresolved" if entry.get("confidence") == "unresolved" else "confirmed",
        file=origin.get("file", ""),
        line=int(origin.get("line") or 1),
        end_line=int(origin.get("end_line") or origin.get("line") or 1),
        resource=origin.get("address", ""),
        message=str(entry.get("message", rule.title)),
        remediation=rule.remediation,
        platform=fact.get("platform", ""),
        ports=[int(port) for port in ports] if isinstance(ports, list) else None,
        references=rule.references,
        path=fact.get("path", "") or "",
        unknown=list(fact.get("unknown") or []),
    )
