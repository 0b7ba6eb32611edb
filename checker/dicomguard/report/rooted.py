"""Every path a report shows, relative to the project root whatever the working directory."""

from __future__ import annotations

from typing import Any

from dicomguard.identity import reported_path
from dicomguard.model import ScanError
from dicomguard.records import replace


def _note(note: dict[str, Any], root: Any) -> dict[str, Any]:
    origin = note.get("origin")
    if not isinstance(origin, dict) or not origin.get("file"):
        return note
    return {**note, "origin": {**origin, "file": reported_path(origin["file"], root)}}


def rooted(report: Any) -> Any:
    """A copy of `report` whose findings, errors and notes name files relative to its root."""
    root = report.root
    return replace(
        report,
        findings=[replace(finding, file=reported_path(finding.file, root))
                  for finding in report.findings],
        errors=[ScanError(reported_path(error.file, root), error.line, error.message)
                for error in report.errors],
        notes=[_note(note, root) for note in report.notes],
    )
