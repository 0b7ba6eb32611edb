"""Verdict invariance: rewrites that cannot change what is deployed (reordering collections,
splitting lines, moving a value into a variable, a tfvars file or a module, renaming, adding
unrelated code) do not change the findings, on every example and every corpus sample."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import EXAMPLES
from tests.metamorphic.conftest import finding_keys
from tests.metamorphic.inputs import EXAMPLE_PROJECTS
from tests.metamorphic.known_differences import KNOWN_DIFFERENCES
from tests.metamorphic.pairs import plan
from tests.metamorphic.tree import write_tree


def _cases() -> list[Any]:
    cases = []
    for name, item in plan().pairs:
        reason = KNOWN_DIFFERENCES.get((name, item.id))
        marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
        cases.append(pytest.param(name, item, id=f"{name}:{item.id}", marks=marks))
    return cases


@pytest.mark.parametrize(("transformation", "item"), _cases())
def test_findings_do_not_change(transformation: str, item: Any, scanner: Any, baseline: Any,
                                tmp_path: Path) -> None:
    before = baseline(item.id, item.tree())
    variant = plan().variants[(transformation, item.id)]
    after = scanner.scan(write_tree(variant.files, tmp_path))

    expected = finding_keys(before, variant.rename)
    found = finding_keys(after)
    assert found == expected, (
        f"missing: {sorted((expected - found).elements())}\n"
        f"extra: {sorted((found - expected).elements())}")
    assert len(after.errors) == len(before.errors), [error.message for error in after.errors]


def test_every_example_is_an_input() -> None:
    covered = {path for pattern in EXAMPLE_PROJECTS for project in EXAMPLES.glob(pattern)
               for path in project.rglob("*") if path.is_file()}
    every = {path for path in EXAMPLES.rglob("*") if path.is_file() and path.name != "README.md"}
    assert every - covered == set()


def test_every_input_is_rewritten() -> None:
    rewritten = {item.id for _, item in plan().pairs}
    plan_inputs = {item.id for item in plan().inputs}
    assert plan_inputs - rewritten == set()
