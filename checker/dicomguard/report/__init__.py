"""Report formats: one module per format (NAME_format.py in this package), each defining
`FORMAT`, a `ReportFormat` named NAME. Formats are found by listing the package, so adding one
touches only its module and its test; a format's module is imported when it is first drawn."""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import cache
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from dicomguard.gate import Gate
from dicomguard.records import field, record

if TYPE_CHECKING:
    from dicomguard.scan import ScanReport

DEFAULT_FORMAT = "text"


@record(frozen=True)
class RenderOptions:
    """How a report is drawn. `fail_on` and `strict` are a shorthand for `gate=Gate(...)`."""

    color: bool = False
    quiet: bool = False
    gate: Gate = field(default_factory=Gate)
    docs_url: str = ""  # absolute base URL of the rule pages (docs/rules), for SARIF helpUri
    width: int = 100  # text: the column lines are wrapped at
    compact: bool = False  # text: each rule's fix printed once
    fail_on: str | None = field(default=None, compare=False)
    strict: bool | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if self.fail_on is not None or self.strict is not None:
            gate = Gate(self.fail_on or self.gate.fail_on,
                        self.gate.strict if self.strict is None else self.strict,
                        self.gate.soft_fail)
            object.__setattr__(self, "gate", gate)


class ReportFormat(Protocol):
    """A report format: its name for --format, and how it draws a scan's report."""

    @property
    def name(self) -> str: ...

    def render(self, report: ScanReport, options: RenderOptions) -> str: ...


@record(frozen=True)
class Format:
    """The usual ReportFormat: a name and the module's render function."""

    name: str
    render: Callable[[ScanReport, RenderOptions], str]


@record(frozen=True)
class _Listed:
    """A format module of this package, imported when the format is first drawn."""

    name: str

    def render(self, report: ScanReport, options: RenderOptions) -> str:
        report_format: ReportFormat = import_module(f"{__name__}.{self.name}_format").FORMAT
        return report_format.render(report, options)


@cache
def registry() -> dict[str, ReportFormat]:
    """Every format in this package by name, the default first, then by name."""
    names = [name.removesuffix("_format.py") for name in os.listdir(__path__[0])
             if name.endswith("_format.py")]
    return {name: _Listed(name)
            for name in sorted(names, key=lambda name: (name != DEFAULT_FORMAT, name))}


def summaries() -> dict[str, str]:
    """What each format is for, in the order of the registry: the first sentence of its
    module's docstring, read from the source without importing the module (for --help)."""
    return {name: _first_sentence(Path(__file__).with_name(f"{name}_format.py"))
            for name in registry()}


def _first_sentence(source: Path) -> str:
    with source.open(encoding="utf-8") as file:
        head = file.read(1000)
    opening = head.find('"""')
    paragraph = head[opening + 3:].split('"""', 1)[0].split("\n\n", 1)[0] if opening >= 0 else ""
    text = " ".join(paragraph.split())
    end = text.find(". ")
    return text[:end + 1] if end >= 0 else text


def formats_help() -> str:
    """The report formats and what each is for, as `dicomguard scan --help` ends."""
    import textwrap

    summaries_by_name = summaries()
    width = max(map(len, summaries_by_name))
    lines = ["report formats (--format):"]
    for name, summary in summaries_by_name.items():
        wrapped = textwrap.wrap(summary, 80 - width - 4) or [""]
        lines.append(f"  {name:<{width}}  {wrapped[0]}")
        lines += [f"  {'':<{width}}  {more}" for more in wrapped[1:]]
    return "\n".join(lines) + "\n"


def __getattr__(name: str) -> Any:
    if name == "FORMATS":  # the format names, listed when first asked for
        return tuple(registry())
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def note_location(origin: dict[str, Any]) -> str:
    """`file:line` of a note or error origin, as every human-readable format shows it."""
    file, line = origin.get("file", ""), origin.get("line")
    return f"{file}:{line}" if file and line else file or "(unknown location)"


def render(report: ScanReport, format_name: str, options: RenderOptions) -> str:
    formats = registry()
    if format_name not in formats:
        raise ValueError(f"unknown format {format_name!r}; choose one of {', '.join(formats)}")
    from dicomguard.report.rooted import rooted

    return formats[format_name].render(rooted(report), options)
