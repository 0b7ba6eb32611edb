"""One unit's part of a scan: collect its facts, evaluate the policies on them in one engine
call, and keep only what the report needs (findings, errors, notes, and each fact's id and a
digest of it, to merge facts that several units produce)."""

from __future__ import annotations

import gc
import hashlib
import json
from itertools import pairwise
from typing import Any, TypeVar

from dicomguard.engines import Engine
from dicomguard.findings import Finding, findings_of_facts
from dicomguard.model import Facts, ScanError
from dicomguard.plan import Unit
from dicomguard.policies import PolicySet
from dicomguard.records import field, record, replace
from dicomguard.sources import FAMILIES, Family, ScanContext

Item = TypeVar("Item")


@record
class UnitSetup:
    """What every unit of a scan is evaluated with."""

    policies: PolicySet
    context: ScanContext
    keep_facts: bool = False  # --dump-facts: the report holds every fact


@record
class FactDigest:
    kind: str
    id: str
    key: bytes  # a digest of kind and id: what the scan keeps for every fact, with `digest`
    digest: bytes
    file: str
    line: int | None


@record
class UnitResult:
    findings: list[tuple[Finding, str]] = field(default_factory=list)  # with their fact's id
    facts: list[FactDigest] = field(default_factory=list)
    # The collector's errors and notes, by section (CollectResult.error_sections)
    errors: list[list[ScanError]] = field(default_factory=list)
    notes: list[list[dict[str, Any]]] = field(default_factory=list)
    identity_errors: list[ScanError] = field(default_factory=list)
    unicode_errors: list[ScanError] = field(default_factory=list)
    kept_facts: Facts | None = None  # the unit's facts, when the scan keeps them


def evaluate_batch(batch: list[Unit], setup: UnitSetup, engine: Engine) -> UnitResult:
    """The units of `batch` (of one family) collected one after the other, their facts
    evaluated in one engine call: a call costs about 0.1 s whatever its size, which a unit of a
    few facts would otherwise pay alone."""
    from dicomguard.scan import collect_family, policy_input, unique_facts
    from dicomguard.surrogates import sanitized_facts

    result = UnitResult()
    encodable = Facts()
    for unit in batch:
        context = replace(setup.context, terraform_unit=unit.terraform)
        found = collect_family(family_named(unit.family), unit.files, context)
        clean, unicode_errors = sanitized_facts(found.facts)
        result.unicode_errors.extend(unicode_errors)
        add_sections(result.errors, split(found.errors, found.error_sections))
        add_sections(result.notes, split(clean.notes, found.note_sections))
        clean.notes = []
        encodable.extend(clean)
    facts, result.identity_errors = unique_facts(encodable)
    settings = setup.context.settings
    denials = engine.evaluate(setup.policies, policy_input(facts, settings))
    result.findings = findings_of_facts(
        denials, setup.policies, {fact["id"]: fact for fact in facts.all_facts()},
        severity_overrides=settings.severity,
        disabled=set(settings.disabled_rules),
        enabled=None if settings.rules is None else set(settings.rules))
    result.facts = fact_digests(facts)
    result.kept_facts = encodable if setup.keep_facts else None
    return result


def collect_garbage() -> None:
    """Free what the last batch's units loaded, much of it in reference cycles, and freeze
    what survives (parsed files kept for the next unit, compiled policies), so that the next
    collection walks only the next batch's objects. Called between batches, never after the
    last one: a whole collection costs a small scan more than the scan itself."""
    gc.collect()
    gc.freeze()


def split(items: list[Item], starts: list[int]) -> list[list[Item]]:
    bounds = [0, *starts, len(items)]
    return [items[begin:end] for begin, end in pairwise(bounds)]


def add_sections(total: list[list[Item]], sections: list[list[Item]]) -> None:
    while len(total) < len(sections):
        total.append([])
    for kept, section in zip(total, sections, strict=False):
        kept.extend(section)


def family_named(name: str) -> Family:
    return next(family for family in FAMILIES if family.name == name)


def fact_digests(facts: Facts) -> list[FactDigest]:
    from dicomguard.scan import FACT_KINDS

    return [FactDigest(kind, fact["id"], _key(kind, fact["id"]), _digest(fact),
                       fact["origin"]["file"], fact["origin"]["line"])
            for kind in FACT_KINDS for fact in getattr(facts, kind)]


def _digest(fact: dict[str, Any]) -> bytes:
    return _blake2b(json.dumps(fact, sort_keys=True, ensure_ascii=False, default=str))


def _key(kind: str, fact_id: str) -> bytes:
    return _blake2b(f"{kind}\0{fact_id}")


def _blake2b(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()
