"""The pipeline: discover -> collect facts -> evaluate policies -> findings -> suppress."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from dicomguard import __version__
from dicomguard.discover import discover
from dicomguard.engines import Engine
from dicomguard.findings import Finding, build_findings
from dicomguard.model import CollectResult, Facts, ScanError, SourceFile
from dicomguard.policies import PolicySet, Rule
from dicomguard.sourcelines import SourceLines
from dicomguard.sources import FAMILIES, ScanContext, collector
from dicomguard.suppress import apply_suppressions
from dicomguard.surrogates import sanitized_errors, sanitized_facts


@dataclass(slots=True)
class ScanReport:
    """Everything a report format needs."""

    findings: list[Finding]
    errors: list[ScanError]
    notes: list[dict[str, Any]]
    rules: list[Rule]
    files_scanned: int
    duration_seconds: float
    version: str = __version__
    facts: Facts = field(default_factory=Facts)


Progress = Callable[[str], None]


def collect_facts(grouped: dict[str, list[SourceFile]], context: ScanContext,
                  progress: Progress | None = None) -> CollectResult:
    """Run each family's collector over its files. A defect in one family is reported as an
    error (exit 2) and the other families' findings are still reported."""
    total = CollectResult()
    for family in FAMILIES:
        files = grouped.get(family.name)
        if not files:
            continue
        if progress:
            progress(f"reading {len(files)} {family.name} file(s)")
        try:
            result: CollectResult = collector(family).collect(files, context)
        except Exception as error:  # a defect must not hide the other families' findings
            total.errors.append(ScanError(
                files[0].path, None,
                f"internal error while reading {family.name} files "
                f"({type(error).__name__}: {error}); please report it",
            ))
            continue
        total.facts.extend(result.facts)
        total.errors.extend(result.errors)
    return total


def _deduplicated(facts: Facts) -> Facts:
    unique = Facts(notes=facts.notes)
    for kind in ("ingress", "storage", "services", "grants"):
        seen: set[str] = set()
        kept = getattr(unique, kind)
        for fact in getattr(facts, kind):
            if fact["id"] not in seen:
                seen.add(fact["id"])
                kept.append(fact)
    return unique


def policy_input(facts: Facts, settings: dict[str, Any]) -> dict[str, Any]:
    document = facts.to_json()
    document["settings"] = {"extra_ports": settings.get("extra_ports", [])}
    return document


def run_scan(
    paths: list[str],
    policies: PolicySet,
    engine: Engine,
    context: ScanContext,
    excluded: list[str] | None = None,
    progress: Progress | None = None,
) -> ScanReport:
    started = time.perf_counter()
    unreadable: list[ScanError] = []
    grouped = discover(paths, excluded, unreadable)
    context.all_files = [source for files in grouped.values() for source in files]
    collected = collect_facts(grouped, context, progress)
    collected.errors[:0] = unreadable
    if progress:
        progress("evaluating policies")
    return report_from_facts(collected, policies, engine, context.settings,
                             scanned_files=[source.path for source in context.all_files],
                             started=started)


def report_from_facts(
    collected: CollectResult,
    policies: PolicySet,
    engine: Engine,
    settings: dict[str, Any],
    scanned_files: list[str],
    started: float,
) -> ScanReport:
    """Evaluate collected facts, build findings, apply suppressions: the scan after collection."""
    encodable, unicode_errors = sanitized_facts(collected.facts)
    facts = _deduplicated(encodable)
    denials = engine.evaluate(policies, policy_input(facts, settings))
    facts_by_id = {fact["id"]: fact for fact in facts.all_facts()}
    findings = build_findings(
        denials,
        policies,
        facts_by_id,
        severity_overrides=settings.get("severity", {}),
        disabled=set(settings.get("disabled_rules", [])),
    )
    lines = SourceLines()
    for finding in findings:
        finding.snippet = lines.snippet(finding.file, finding.line)
    suppression = apply_suppressions(findings, lines, scanned_files=scanned_files)
    return ScanReport(
        findings=findings,
        errors=sanitized_errors([*collected.errors, *unicode_errors, *suppression.errors]),
        notes=[*facts.notes, *suppression.notes],
        rules=sorted(policies.rules.values(), key=lambda rule: rule.id),
        files_scanned=len(scanned_files),
        duration_seconds=time.perf_counter() - started,
        facts=facts,
    )
