"""Units: what must be read together. A Terraform root module with the modules it calls, a
firewall rule set, the application configs (compose files name the Orthanc configs they mount),
the Ansible tree (plays reach roles, inventories and templates anywhere in it). A scan collects,
evaluates and reports one unit at a time, so that its memory is that of its largest unit."""

from __future__ import annotations

from typing import Any

from dicomguard.model import SourceFile
from dicomguard.records import record
from dicomguard.sources import FAMILIES


@record
class Unit:
    family: str
    files: list[SourceFile]
    terraform: Any = None  # terraform.roots.RootPlan: the roots this unit evaluates

    @property
    def name(self) -> str:
        """The file an error about the whole unit names."""
        return self.files[0].path

    @property
    def weight(self) -> int:
        return len(self.files)


def plan_units(grouped: dict[str, list[SourceFile]]) -> list[Unit]:
    """Every unit of a discovery, in the order a whole-tree scan reports their results."""
    units: list[Unit] = []
    for family in FAMILIES:
        files = grouped.get(family.name)
        if not files:
            continue
        if family.name == "terraform":
            from dicomguard.terraform.roots import plan_roots

            units.extend(Unit(family.name, plan.files, plan) for plan in plan_roots(files))
        elif family.name == "firewall":
            from dicomguard.firewall.collect import rule_sets

            units.extend(Unit(family.name, group) for group in rule_sets(files))
        else:
            units.append(Unit(family.name, files))
    return units


FILES_PER_BATCH = 100
# Below this many files a scan reads its tree at once, in one process: planning units and
# starting workers cost more than such a scan takes (measured in docs/decisions.md).
SMALL_SCAN_FILES = 300


def batches(units: list[Unit], files_per_batch: int = FILES_PER_BATCH) -> list[list[Unit]]:
    """Consecutive units of one family, about `files_per_batch` files together: what one
    engine call evaluates."""
    found: list[list[Unit]] = []
    size = 0
    for unit in units:
        if not found or found[-1][0].family != unit.family or size >= files_per_batch:
            found.append([])
            size = 0
        found[-1].append(unit)
        size += len(unit.files)
    return found
