"""The pipeline: discover -> collect facts -> evaluate policies -> findings -> suppress."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from dicomguard import __version__, real_paths
from dicomguard.discover import LARGEST_FILE_MIB, discover
from dicomguard.engines import Engine
from dicomguard.findings import Finding, build_findings
from dicomguard.identity import identify, project_root
from dicomguard.model import CollectResult, Facts, ScanError, SourceFile
from dicomguard.plan import SMALL_SCAN_FILES
from dicomguard.policies import PolicySet, Rule
from dicomguard.records import field, record
from dicomguard.settings import Settings
from dicomguard.sourcelines import SourceLines
from dicomguard.sources import FAMILIES, Family, ScanContext
from dicomguard.suppress import SuppressionOutcome, apply_suppressions
from dicomguard.surrogates import sanitized_errors, sanitized_facts


@record
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
    paths: list[str] = field(default_factory=list)  # what was asked to be scanned
    root: Path = field(default_factory=Path.cwd)  # what finding identities are relative to
    baseline: dict[str, Any] | None = None  # set by baseline.apply_baseline


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
        result = collect_family(family, files, context)
        total.facts.extend(result.facts)
        total.errors.extend(result.errors)
    return total


def collect_family(family: Family, files: list[SourceFile], context: ScanContext
                   ) -> CollectResult:
    try:
        result: CollectResult = family.collect(files, context)
    except Exception as error:  # a defect must not hide the other families' findings
        return CollectResult(errors=[ScanError(
            files[0].path, None,
            f"internal error while reading {family.name} files "
            f"({type(error).__name__}: {error}); please report it",
        )])
    return result


FACT_KINDS = ("ingress", "storage", "services", "grants")


def unique_facts(facts: Facts) -> tuple[Facts, list[ScanError]]:
    """Facts with distinct ids. Identical facts (one file read by two families, a role applied
    twice) are merged. Two different facts with one id are a defect in dicomguard: both are
    kept, under distinct ids, and the clash is an error, so that no finding is ever lost."""
    unique = Facts(notes=facts.notes)
    errors: list[ScanError] = []
    for kind in FACT_KINDS:
        kept: dict[str, dict[str, Any]] = {}
        for fact in getattr(facts, kind):
            fact_id = fact["id"]
            if fact_id not in kept:
                kept[fact_id] = fact
                continue
            if kept[fact_id] == fact:
                continue
            clashes = sum(1 for known in kept if known == fact_id or
                          known.startswith(f"{fact_id}~"))
            renamed = {**fact, "id": f"{fact_id}~{clashes + 1}"}
            kept[renamed["id"]] = renamed
            origin = fact["origin"]
            errors.append(ScanError(
                origin["file"], origin["line"],
                f"internal error: two different {kind} facts share the id {fact_id!r}; both "
                "are evaluated, but please report it"))
        setattr(unique, kind, list(kept.values()))
    return unique, errors


def policy_input(facts: Facts, settings: Settings | Mapping[str, Any]) -> dict[str, Any]:
    document = facts.to_json()
    document["settings"] = {"extra_ports": Settings.of(settings).extra_ports}
    return document


def run_scan(
    paths: list[str],
    policies: PolicySet,
    engine: Engine,
    context: ScanContext,
    excluded: list[str] | None = None,
    progress: Progress | None = None,
    largest_file_mib: float = LARGEST_FILE_MIB,
    honour_gitignore: bool = True,
    whole_modules: bool = False,
    repo_root: str | None = None,
    jobs: int | None = None,
    keep_facts: bool = True,
    whole_tree_below: int = SMALL_SCAN_FILES,
) -> ScanReport:
    """The whole tree at once, or with `jobs` unit by unit in that many processes (see
    stream.py) when it has `whole_tree_below` files or more: a smaller tree is read at once,
    which costs it less; `keep_facts` False leaves a streamed report's facts empty."""
    started = time.perf_counter()
    real_paths.forget()
    if progress:
        progress("finding files")
    discovery = discover(paths, excluded, largest_file_mib, honour_gitignore, whole_modules)
    context.all_files = [source for files in discovery.grouped.values() for source in files]
    if jobs is not None and len(context.all_files) >= whole_tree_below:
        from dicomguard.stream import run_streamed_scan

        report: ScanReport = run_streamed_scan(discovery, policies, engine, context, jobs,
                                   project_root(paths, repo_root), started, keep_facts, progress)
        report.paths = list(paths)
        return report
    collected = collect_facts(discovery.grouped, context, progress)
    collected.errors[:0] = discovery.errors
    collected.facts.notes[:0] = discovery.notes
    if progress:
        progress("evaluating policies")
    report = report_from_facts(collected, policies, engine, context.settings,
                               scanned_files=[source.path for source in context.all_files],
                               started=started, root=project_root(paths, repo_root))
    report.paths = list(paths)
    return report


def finish_findings(findings: list[Finding], root: Path, scanned_files: list[str]
                    ) -> SuppressionOutcome:
    """Give findings their snippet and fingerprint, then apply the inline suppressions."""
    lines = SourceLines()
    for finding in findings:
        finding.snippet = lines.snippet(finding.file, finding.line)
        finding.fingerprint = identify(finding, root).fingerprint
    return apply_suppressions(findings, lines, scanned_files=scanned_files)


def report_from_facts(
    collected: CollectResult,
    policies: PolicySet,
    engine: Engine,
    settings: Settings | Mapping[str, Any],
    scanned_files: list[str],
    started: float,
    root: Path | None = None,
) -> ScanReport:
    """Evaluate collected facts, build findings, apply suppressions: the scan after collection."""
    settings = Settings.of(settings)
    encodable, unicode_errors = sanitized_facts(collected.facts)
    facts, identity_errors = unique_facts(encodable)
    denials = engine.evaluate(policies, policy_input(facts, settings))
    facts_by_id = {fact["id"]: fact for fact in facts.all_facts()}
    findings = build_findings(
        denials,
        policies,
        facts_by_id,
        severity_overrides=settings.severity,
        disabled=set(settings.disabled_rules),
        enabled=None if settings.rules is None else set(settings.rules),
    )
    root = root or Path.cwd()
    return finished_report(findings, [*collected.errors, *identity_errors, *unicode_errors],
                           facts, policies, scanned_files, started, root)


def finished_report(findings: list[Finding], errors: list[ScanError], facts: Facts,
                    policies: PolicySet, scanned_files: list[str], started: float, root: Path
                    ) -> ScanReport:
    """The report of a scan whose findings are in: suppressions applied, errors sanitised."""
    suppression = finish_findings(findings, root, scanned_files)
    return ScanReport(
        findings=findings,
        errors=sanitized_errors([*errors, *suppression.errors]),
        notes=[*facts.notes, *suppression.notes],
        rules=sorted(policies.rules.values(), key=lambda rule: rule.id),
        files_scanned=len(scanned_files),
        duration_seconds=time.perf_counter() - started,
        facts=facts,
        root=root,
    )
