"""Helpers for the Terraform tests: write a tree of files, load it as the scanner does."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from dicomguard.discover import discover
from dicomguard.sources import ScanContext
from dicomguard.terraform.configuration import load
from dicomguard.terraform.model import Configuration


def write_tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def load_tree(root: Path, **context: object) -> Configuration:
    grouped = discover([str(root)])
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
