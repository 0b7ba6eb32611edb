"""A scan unit by unit: each unit's findings, errors and notes are merged into the report as it
is done, and nothing else of it is kept (syntax trees, values, the engine's input), so that the
scan's memory is that of its largest unit plus the findings. The report is the one a scan of
the whole tree at once gives: same findings, errors and notes, in the same order."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from dicomguard.discover import Discovery
from dicomguard.engines import Engine
from dicomguard.findings import Finding, report_order
from dicomguard.model import Facts, ScanError
from dicomguard.plan import plan_units
from dicomguard.policies import PolicySet
from dicomguard.real_paths import real_directory
from dicomguard.records import field, record
from dicomguard.sources import FAMILIES, ScanContext
from dicomguard.unit_scan import UnitResult, UnitSetup, add_sections, evaluate_batch

# Families whose units share files (a module called from several roots): what two units say
# alike about a shared file is said once, as the whole tree's single reading says it once.
SHARED_FILES = frozenset({"terraform"})


@record
class _Merge:
    keep_facts: bool
    findings: list[tuple[Finding, str]] = field(default_factory=list)
    errors: dict[str, list[list[ScanError]]] = field(default_factory=dict)  # family, section
    notes: dict[str, list[list[dict[str, Any]]]] = field(default_factory=dict)
    identity_errors: list[ScanError] = field(default_factory=list)
    unicode_errors: list[ScanError] = field(default_factory=list)
    facts: Facts = field(default_factory=Facts)
    # Every fact's digest by a digest of its kind and id: 16 + 16 bytes, not its id, which is
    # a path and an address (the 32k-instance tree copied 16 times has 300k facts).
    digests: dict[bytes, bytes] = field(default_factory=dict)
    said: set[Any] = field(default_factory=set)

    def add(self, family: str, result: UnitResult) -> None:
        repeated = self._repeated_facts(result)
        produced = {fact.id for fact in result.facts}
        # A rule that denies without a fact (a user policy may) does so in every batch: once.
        self.findings.extend(item for item in result.findings if item[1] not in repeated and (
            item[1] in produced or self._first(repr(item[0].to_json()))))
        shared = family in SHARED_FILES
        errors = self.errors.setdefault(family, [])
        add_sections(errors, [[error for error in section
                               if not shared or self._first((error.file, error.line,
                                                              error.message))]
                              for section in result.errors])
        notes = self.notes.setdefault(family, [])
        add_sections(notes, [[note for note in section
                              if not shared or self._first(_note_key(note))]
                             for section in result.notes])
        self.unicode_errors.extend(result.unicode_errors)
        if result.kept_facts is None:
            self.identity_errors.extend(result.identity_errors)
        else:  # unique_facts over every kept fact reports each clash
            self.facts.extend(result.kept_facts)

    def _first(self, key: Any) -> bool:
        if key in self.said:
            return False
        self.said.add(key)
        return True

    def _repeated_facts(self, result: UnitResult) -> set[str]:
        """Ids of facts an earlier unit produced alike: their findings are reported already.
        A different fact under a known id is the error unique_facts reports."""
        repeated = set()
        for fact in result.facts:
            known = self.digests.get(fact.key)
            if known is None:
                self.digests[fact.key] = fact.digest
            elif known == fact.digest:
                repeated.add(fact.id)
            elif not self.keep_facts:  # with every fact kept, unique_facts reports it
                self.identity_errors.append(ScanError(
                    fact.file, fact.line, f"internal error: two different {fact.kind} facts "
                    f"share the id {fact.id!r}; both are evaluated, but please report it"))
        return repeated

    def family_errors(self, family: str, file_order: dict[str, int]) -> list[ScanError]:
        sections = self.errors.get(family, [])
        if family == "terraform" and sections:  # files are read in discovery order
            sections[0].sort(key=lambda error: file_order.get(error.file, len(file_order)))
        return [error for section in sections for error in section]

    def family_notes(self, family: str) -> list[dict[str, Any]]:
        sections = self.notes.get(family, [])
        if family == "terraform" and len(sections) > 1:  # modules are formed by directory
            sections[1].sort(key=_directory_of_note)
        return [note for section in sections for note in section]


def _note_key(note: dict[str, Any]) -> tuple[Any, ...]:
    origin = note.get("origin") or {}
    return origin.get("file"), origin.get("line"), note.get("message")


def _directory_of_note(note: dict[str, Any]) -> Path:
    file = str((note.get("origin") or {}).get("file", ""))
    return Path(real_directory(os.path.dirname(file)))


def run_streamed_scan(discovery: Discovery, policies: PolicySet, engine: Engine,
                      context: ScanContext, jobs: int, root: Path, started: float,
                      keep_facts: bool = False, progress: Any = None) -> Any:
    from dicomguard.scan import finished_report, unique_facts
    from dicomguard.workers import evaluated_batches

    units = plan_units(discovery.grouped)
    if progress:
        progress(f"reading and evaluating {len(units)} unit(s)")
    merge = _Merge(keep_facts)
    setup = UnitSetup(policies, context, keep_facts)
    evaluated = 0
    for batch, result in evaluated_batches(units, setup, engine, jobs):
        merge.add(batch[0].family, result)
        evaluated += len(batch)
        if progress:
            progress(f"read and evaluated {evaluated} of {len(units)} units")
    if not units:  # rules that deny without facts still speak
        merge.add("", evaluate_batch([], setup, engine))
    facts = Facts()
    if keep_facts:
        facts, identity_errors = unique_facts(merge.facts)
        merge.identity_errors.extend(identity_errors)
    facts.notes = [*discovery.notes, *(note for family in FAMILIES
                                       for note in merge.family_notes(family.name))]
    merge.findings.sort(key=report_order)
    findings = [finding for finding, _ in merge.findings]
    scanned_files = [source.path for source in context.all_files]
    file_order = {path: index for index, path in enumerate(scanned_files)}
    errors = [*discovery.errors, *(error for family in FAMILIES
                                   for error in merge.family_errors(family.name, file_order))]
    return finished_report(findings, [*errors, *merge.identity_errors, *merge.unicode_errors],
                           facts, policies, scanned_files, started, root)
