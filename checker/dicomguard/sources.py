"""The source families dicomguard reads, and how each plugs into the pipeline.

A family (the `SourceFamily` protocol) has a name and
- `classify(path, head) -> str | None`, cheap, run on every file during discovery (head is the
  first 4 KiB of text); it returns a kind or None;
- `named(path) -> bool`, true when the name alone says the family reads the file (then a file
  that cannot be read, or holds binary content, is an input error);
- `collect(files, context) -> CollectResult`, run once per scan with every file of the family,
  which parses, evaluates and adapts them to facts.
The first family in FAMILIES whose classify claims a file owns it. Detection is imported with
this module; a collector, and the parsers behind it, only when its family has files.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from dicomguard.ansible import detect as ansible_detect
from dicomguard.apps import detect as apps_detect
from dicomguard.firewall import detect as firewall_detect
from dicomguard.model import CollectResult, SourceFile
from dicomguard.settings import Settings
from dicomguard.terraform import detect as terraform_detect

Collect = Callable[[list[SourceFile], "ScanContext"], CollectResult]


class Detector(Protocol):
    """A family's detect module."""

    __name__: str

    def classify(self, path: Path, head: str) -> str | None: ...

    def named(self, path: Path) -> bool: ...


class SourceFamily(Detector, Protocol):
    @property
    def name(self) -> str: ...

    def collect(self, files: list[SourceFile], context: ScanContext) -> CollectResult: ...


@dataclass(frozen=True, slots=True)
class Family:
    """A family whose detect module is loaded with it and whose collector on first use."""

    name: str
    detector: Detector
    load_collector: Callable[[], Collect]

    @property
    def detect_module(self) -> str:
        return self.detector.__name__

    def classify(self, path: Path, head: str) -> str | None:
        return self.detector.classify(path, head)

    def named(self, path: Path) -> bool:
        return self.detector.named(path)

    def collect(self, files: list[SourceFile], context: ScanContext) -> CollectResult:
        return self.load_collector()(files, context)


def _terraform() -> Collect:
    from dicomguard.terraform.collect import collect

    return collect


def _firewall() -> Collect:
    from dicomguard.firewall.collect import collect

    return collect


def _apps() -> Collect:
    from dicomguard.apps.collect import collect

    return collect


def _ansible() -> Collect:
    from dicomguard.ansible.collect import collect

    return collect


FAMILIES: tuple[Family, ...] = (
    Family("terraform", terraform_detect, _terraform),
    Family("firewall", firewall_detect, _firewall),
    Family("apps", apps_detect, _apps),
    Family("ansible", ansible_detect, _ansible),
)


@dataclass(slots=True)
class ScanContext:
    """What every collector may read besides its own files."""

    roots: list[str]
    catalogue: list[dict[str, Any]]  # the DICOM/PACS port catalogue, config extras included
    settings: Settings = field(default_factory=Settings)
    terraform_var_files: list[str] = field(default_factory=list)
    terraform_vars: dict[str, str] = field(default_factory=dict)
    terraform_env_vars: bool = False
    all_files: list[SourceFile] = field(default_factory=list)  # every discovered file
    terraform_unit: Any = None  # terraform.roots.RootPlan when the scan reads unit by unit

    def __post_init__(self) -> None:
        self.settings = Settings.of(self.settings)  # a library caller may give a mapping
