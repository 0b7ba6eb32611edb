"""The source families dicomguard reads, and how each plugs into the pipeline.

A family has two modules, imported only when needed:
- a *detect* module with `classify(path: Path, head: str) -> str | None`, cheap, run on every
  file during discovery (head is the first 4 KiB of text); it returns a kind or None;
  and `named(path: Path) -> bool`, true when the name alone says the family reads the file
  (then a file that cannot be read, or holds binary content, is an input error);
- a *collect* module with `collect(files: list[SourceFile], context: ScanContext) -> CollectResult`,
  run once per scan with every file of the family, which parses, evaluates and adapts them to facts.
The first family whose classify claims a file owns it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import import_module
from typing import Any


@dataclass(frozen=True, slots=True)
class Family:
    name: str
    detect_module: str
    collect_module: str


FAMILIES: tuple[Family, ...] = (
    Family("terraform", "dicomguard.terraform.detect", "dicomguard.terraform.collect"),
    Family("firewall", "dicomguard.firewall.detect", "dicomguard.firewall.collect"),
    Family("apps", "dicomguard.apps.detect", "dicomguard.apps.collect"),
    Family("ansible", "dicomguard.ansible.detect", "dicomguard.ansible.collect"),
)


@dataclass(slots=True)
class ScanContext:
    """What every collector may read besides its own files."""

    roots: list[str]
    catalogue: list[dict[str, Any]]  # the DICOM/PACS port catalogue, config extras included
    settings: dict[str, Any] = field(default_factory=dict)  # the validated user configuration
    terraform_var_files: list[str] = field(default_factory=list)
    terraform_vars: dict[str, str] = field(default_factory=dict)
    terraform_env_vars: bool = False
    all_files: list[Any] = field(default_factory=list)  # every discovered SourceFile


def available_families() -> list[tuple[Family, Any]]:
    """Families whose detect module exists in this installation, with that module."""
    found = []
    for family in FAMILIES:
        try:
            found.append((family, import_module(family.detect_module)))
        except ModuleNotFoundError as error:
            if error.name is None or not family.detect_module.startswith(error.name):
                raise
    return found


def collector(family: Family) -> Any:
    return import_module(family.collect_module)
