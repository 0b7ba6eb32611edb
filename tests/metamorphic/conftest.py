"""Scanning helpers for the metamorphic tests: the real pipeline in-process (what
`dicomguard scan --format json` runs), with policies and engine loaded once."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.metamorphic.pairs import plan
from tests.metamorphic.tree import Tree, unchanged, write_tree

# rule id, category, ports, resource address, confidence
FindingKey = tuple[str, str, tuple[int, ...] | None, str, str]


class Scanner:
    def __init__(self) -> None:
        from dicomguard.engines import make_engine
        from dicomguard.policies import load_policies

        self.policies = load_policies([])
        self.engine = make_engine("auto")

    def scan(self, root: Path) -> Any:
        from dicomguard.scan import run_scan
        from dicomguard.sources import ScanContext

        context = ScanContext(roots=[str(root)], catalogue=self.policies.catalogue())
        return run_scan([str(root)], self.policies, self.engine, context)


def finding_keys(report: Any, rename: Callable[[str], str] = unchanged) -> Counter[FindingKey]:
    return Counter((finding.rule_id, finding.category,
                    tuple(sorted(finding.ports)) if finding.ports is not None else None,
                    rename(finding.resource), finding.confidence)
                   for finding in report.findings)


@pytest.fixture(scope="session")
def scanner() -> Scanner:
    return Scanner()


@pytest.fixture(scope="session")
def baseline(scanner: Scanner, tmp_path_factory: pytest.TempPathFactory
             ) -> Callable[[str, Tree], Any]:
    """The report for an input as it is (copied, so that every scan sees the same layout)."""
    reports: dict[str, Any] = {}

    def report(input_id: str, tree: Tree) -> Any:
        if input_id not in reports:
            root = write_tree(tree, tmp_path_factory.mktemp("baseline"))
            reports[input_id] = scanner.scan(root)
        return reports[input_id]

    return report


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not plan.cache_info().currsize:
        return
    planned = plan()
    by_transformation = Counter(name for name, _ in planned.pairs)
    terminalreporter.write_line(
        f"metamorphic: {len(planned.pairs)} (transformation, input) pairs over "
        f"{len(planned.inputs)} inputs: " + ", ".join(
            f"{name} {count}" for name, count in sorted(by_transformation.items())))
    for reason, count in sorted(planned.not_convertible.items()):
        terminalreporter.write_line(f"metamorphic: skipped {count} input(s), {reason}")
