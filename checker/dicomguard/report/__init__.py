"""Report formats: one module per format, each with `render(report, options) -> str`."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from typing import Any

FORMATS = ("text", "json", "sarif", "junit", "github", "html")


@dataclass(frozen=True, slots=True)
class RenderOptions:
    color: bool = False
    quiet: bool = False
    fail_on: str = "low"
    strict: bool = False
    docs_url: str = ""  # absolute base URL of the rule pages (docs/rules), for SARIF helpUri
    width: int = 100  # text: the column lines are wrapped at
    compact: bool = False  # text: each rule's fix printed once


def note_location(origin: dict[str, Any]) -> str:
    """`file:line` of a note or error origin, as every human-readable format shows it."""
    file, line = origin.get("file", ""), origin.get("line")
    return f"{file}:{line}" if file and line else file or "(unknown location)"


def render(report: object, format_name: str, options: RenderOptions) -> str:
    if format_name not in FORMATS:
        raise ValueError(f"unknown format {format_name!r}; choose one of {', '.join(FORMATS)}")
    from dicomguard.report.rooted import rooted

    module = import_module(f"dicomguard.report.{format_name}_format")
    rendered: str = module.render(rooted(report), options)
    return rendered
