"""dicomguard installs where regopy has no wheel: the regopy requirement's environment markers
leave it out there (pip evaluates them against the installing machine, which
`pip install --platform` cannot simulate, so the markers are evaluated here the way pip does)."""

from __future__ import annotations

import tomllib

import pytest
from packaging.requirements import Requirement

from tests.conftest import PROJECT


def regopy_requirement() -> Requirement:
    project = tomllib.loads((PROJECT / "pyproject.toml").read_text(encoding="utf-8"))
    (requirement,) = [Requirement(text) for text in project["project"]["dependencies"]
                      if Requirement(text).name == "regopy"]
    return requirement


@pytest.mark.parametrize(("system", "machine", "installed"), [
    ("Linux", "x86_64", True),
    ("Windows", "AMD64", True),
    ("Linux", "aarch64", True),
    ("Darwin", "arm64", False),
    ("Darwin", "x86_64", False),
])
def test_regopy_is_required_only_where_its_wheel_exists(system: str, machine: str,
                                                         installed: bool) -> None:
    marker = regopy_requirement().marker
    assert marker is not None
    assert marker.evaluate({"platform_system": system, "platform_machine": machine}) is installed


def test_the_opa_extra_brings_the_client() -> None:
    project = tomllib.loads((PROJECT / "pyproject.toml").read_text(encoding="utf-8"))
    extras = project["project"]["optional-dependencies"]
    for extra in ("opa", "test"):
        assert "opa-python-client" in {Requirement(text).name for text in extras[extra]}
