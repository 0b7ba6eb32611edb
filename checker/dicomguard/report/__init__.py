"""Report formats: one module per format, each with `render(report, options) -> str`."""

from __future__ import annotations

from dataclasses import InitVar, dataclass, field
from importlib import import_module
from typing import Any

from dicomguard.gate import Gate

FORMATS = ("text", "json", "sarif", "junit", "github", "html")


@dataclass(frozen=True)
class RenderOptions:
    """How a report is drawn. `fail_on` and `strict` are a shorthand for `gate=Gate(...)`."""

    color: bool = False
    quiet: bool = False
    gate: Gate = field(default_factory=Gate)
    docs_url: str = ""  # absolute base URL of the rule pages (docs/rules), for SARIF helpUri
    width: int = 100  # text: the column lines are wrapped at
    compact: bool = False  # text: each rule's fix printed once
    fail_on: InitVar[str | None] = None
    strict: InitVar[bool | None] = None

    def __post_init__(self, fail_on: str | None, strict: bool | None) -> None:
        if fail_on is not None or strict is not None:
            gate = Gate(fail_on or self.gate.fail_on,
                        self.gate.strict if strict is None else strict, self.gate.soft_fail)
            object.__setattr__(self, "gate", gate)


def note_location(origin: dict[str, Any]) -> str:
    """`file:line` of a note or error origin, as every human-readable format shows it."""
    file, line = origin.get("file", ""), origin.get("line")
    return f"{file}:{line}" if file and line else file or "(unknown location)"


def render(report: object, format_name: str, options: RenderOptions) -> str:
    if format_name not in FORMATS:
        raise ValueError(f"unknown format {format_name!r}; choose one of {', '.join(FORMATS)}")
    from dicomguard.report.rooted import rooted

    module = import_module(f"dicomguard.report.{format_name}_format")
    return module.render(rooted(report), options)
