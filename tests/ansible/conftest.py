"""Fixtures for the Ansible family: write a project into a temporary tree and collect it."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from dicomguard.ansible.collect import collect
from dicomguard.discover import discover
from dicomguard.model import CollectResult
from dicomguard.sources import ScanContext

CATALOGUE = [{"port": 104, "protocol": "tcp", "service": "DICOM", "severity": "critical"},
             {"port": 4242, "protocol": "tcp", "service": "Orthanc DICOM", "severity": "critical"},
             {"port": 8042, "protocol": "tcp", "service": "Orthanc HTTP", "severity": "high"}]


def write_tree(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


@pytest.fixture
def project(tmp_path: Path) -> Callable[..., CollectResult]:
    """project({"site.yml": "...", ...}, settings={...}) -> what the Ansible collector found."""

    def build(files: dict[str, str], settings: dict[str, Any] | None = None) -> CollectResult:
        write_tree(tmp_path, files)
        grouped = discover([str(tmp_path)]).grouped
        context = ScanContext(roots=[str(tmp_path)], catalogue=CATALOGUE,
                              settings=settings or {})
        return collect(grouped.get("ansible", []), context)

    return build
