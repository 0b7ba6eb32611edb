"""Report formats: one module per format, each with `render(report, options) -> str`."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module

FORMATS = ("text", "json", "sarif", "junit", "github")


@dataclass(frozen=True, slots=True)
class RenderOptions:
    color: bool = False
    quiet: bool = False
    fail_on: str = "low"
    strict: bool = False
    width: int = 100  # text: the column lines are wrapped at
    compact: bool = False  # text: each rule's fix printed once


def render(report: object, format_name: str, options: RenderOptions) -> str:
    if format_name not in FORMATS:
        raise ValueError(f"unknown format {format_name!r}; choose one of {', '.join(FORMATS)}")
    from dicomguard.report.rooted import rooted

    module = import_module(f"dicomguard.report.{format_name}_format")
    return module.render(rooted(report), options)
