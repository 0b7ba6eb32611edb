"""The source families dicomguard reads, and how each plugs into the pipeline.

A family (the `SourceFamily` protocol) has a name and
- `classify(path, head) -> str | None`, cheap, run on every file during discovery (head is the
  first 4 KiB of text); it returns a kind or None;
- `named(path) -> bool`, true when the name alone says the family reads the file (then a file
  that cannot be read, or holds binary content, is an input error);
- `collect(files, context) -> CollectResult`, run once per scan with every file of the family,
  which parses, evaluates and adapts them to facts.
The first family in FAMILIES whose classify claims a file owns it. A family's detect module is
imported when a file first reaches it, and its collector, with the parsers behind it, only when
the family has files: a scan of Terraform files alone loads nothing of the other families.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from importlib import import_module
from pathlib import Path
from typing import Any, Protocol, cast

from dicomguard.model import CollectResult, SourceFile
from dicomguard.records import field, record
from dicomguard.settings import Settings

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


@record(frozen=True)
class Family:
    """A family whose detect module and collector are loaded on first use."""

    name: str
    detect_module: str
    load_collector: Callable[[], Collect]

    @property
    def detector(self) -> Detector:
        return _detector(self.detect_module)

    def classify(self, path: Path, head: str) -> str | None:
        return self.detector.classify(path, head)

    def named(self, path: Path) -> bool:
        return self.detector.named(path)

    def collect(self, files: list[SourceFile], context: ScanContext) -> CollectResult:
        return self.load_collector()(files, context)


@cache
def _detector(module: str) -> Detector:
    return cast(Detector, import_module(module))


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
    Family("terraform", "dicomguard.terraform.detect", _terraform),
    Family("firewall", "dicomguard.firewall.detect", _firewall),
    Family("apps", "dicomguard.apps.detect", _apps),
    Family("ansible", "dicomguard.ansible.detect", _ansible),
)


@record
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
