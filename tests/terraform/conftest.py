"""Helpers for the Terraform tests: write a tree of files, load it as the scanner does, or
scan it through the whole pipeline."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from dicomguard.discover import discover
from dicomguard.findings import Finding
from dicomguard.sources import ScanContext
from dicomguard.terraform.configuration import load
from dicomguard.terraform.evaluated import Configuration


def write_tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def load_tree(root: Path, **context: object) -> Configuration:
    grouped = discover([str(root)]).grouped
    scan_context = ScanContext(roots=[str(root)], catalogue=[], **context)  # type: ignore[arg-type]
    return load(grouped.get("terraform", []), scan_context)


@pytest.fixture
def configuration(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                  ) -> Callable[..., Configuration]:
    """configuration({"main.tf": "..."}, terraform_vars={...}) -> the loaded Configuration."""
    monkeypatch.chdir(tmp_path)

    def build(files: dict[str, str], **context: object) -> Configuration:
        write_tree(tmp_path, files)
        return load_tree(tmp_path, **context)

    return build


@pytest.fixture
def value(configuration: Callable[..., Configuration]) -> Callable[..., object]:
    """value("expression", **files) -> the evaluated value of one expression."""

    def evaluate(expression: str, extra: str = "", files: dict[str, str] | None = None,
                 **context: object) -> object:
        main = f'resource "test" "probe" {{\n  value = {expression}\n}}\n{extra}'
        loaded = configuration({"main.tf": main, **(files or {})}, **context)
        assert not loaded.errors, loaded.errors
        probe = loaded.by_address("test.probe")
        assert probe is not None
        return probe.body.attr("value")

    return evaluate


@dataclass(slots=True)
class Scan:
    findings: list[Finding]
    facts: Any
    errors: list[Any]

    def of(self, rule_id: str, confidence: str = "confirmed") -> list[Finding]:
        return [finding for finding in self.findings
                if finding.rule_id == rule_id and finding.confidence == confidence]

    def resources(self, rule_id: str, confidence: str = "confirmed") -> set[str]:
        return {finding.resource for finding in self.of(rule_id, confidence)}


@pytest.fixture(scope="session")
def _pipeline() -> tuple[Any, Any]:
    from dicomguard.engines import make_engine
    from dicomguard.policies import load_policies

    return load_policies([]), make_engine("auto")


@pytest.fixture
def scan_tf(tmp_path: Path, _pipeline: tuple[Any, Any]) -> Callable[..., Scan]:
    """Write `main.tf` (and any other files given by name) into a fresh module and scan it."""
    from dicomguard.scan import run_scan
    from dicomguard.sources import ScanContext

    policies, engine = _pipeline

    def scan(main: str = "", **files: str) -> Scan:
        for name, text in {"main.tf": main, **files}.items():
            if text:
                (tmp_path / name.replace("__", ".")).write_text(textwrap.dedent(text))
        context = ScanContext(roots=[str(tmp_path)], catalogue=policies.catalogue())
        report = run_scan([str(tmp_path)], policies, engine, context)
        return Scan(report.findings, report.facts, report.errors)

    return scan
