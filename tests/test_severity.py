"""Severities are defined once (dicomguard.severity); every schema shipped lists exactly
those, worst first, so a schema cannot drift from what the scan reports."""

from __future__ import annotations

import json
from collections.abc import Iterator
from importlib import resources
from typing import Any

import pytest

from dicomguard.severity import SEVERITIES, Severity

SCHEMAS = ("config.schema.json", "facts.schema.json", "report.schema.json")


def _severity_enums(node: Any) -> Iterator[list[Any]]:
    """Every `enum` in a schema that names a severity."""
    if isinstance(node, dict):
        enum = node.get("enum")
        if isinstance(enum, list) and set(enum) & set(SEVERITIES):
            yield enum
        for value in node.values():
            yield from _severity_enums(value)
    elif isinstance(node, list):
        for value in node:
            yield from _severity_enums(value)


@pytest.mark.parametrize("name", SCHEMAS)
def test_every_schema_lists_the_severities_as_defined(name: str) -> None:
    schema = json.loads(resources.files("dicomguard").joinpath(f"schemas/{name}").read_text())
    enums = list(_severity_enums(schema))
    assert enums, f"{name} names no severity"
    assert all(enum == list(SEVERITIES) for enum in enums), enums


def test_severities_are_ordered_worst_first_with_a_sarif_level_each() -> None:
    ranks = [severity.rank for severity in Severity]
    assert ranks == sorted(ranks, reverse=True)
    assert [severity.sarif_level for severity in Severity] == ["error", "error", "warning", "note"]

