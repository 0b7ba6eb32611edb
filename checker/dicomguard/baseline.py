"""Baselines: today's findings recorded in a file, so that only new ones fail the gate.

The file is JSON: `{"version": 1, "findings": [identity, ...]}`, each identity as
`identity.FindingIdentity.to_json` gives it, sorted and deduplicated, so that it diffs well in
review. Entries are matched by fingerprint. An entry whose file lies inside what was scanned and
that no finding matches any more is *fixed*: reported, so the file can be pruned.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from dicomguard.identity import FindingIdentity, identify, relative_path
from dicomguard.records import record

VERSION = 1
DEFAULT_FILE = ".dicomguard-baseline.json"
_FIELDS = ("file", "rule_id", "resource", "detail")


class BaselineError(Exception):
    """The baseline file is unreadable or malformed; the message names it: exit 2."""


@record(frozen=True)
class Baseline:
    path: str
    entries: list[FindingIdentity]

    def fingerprints(self) -> set[str]:
        return {entry.fingerprint for entry in self.entries}


def load(path: str) -> Baseline:
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise BaselineError(f"{path}: cannot read the baseline: {error.strerror}") from error
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        where = f"{path}:{error.lineno}" if isinstance(error, json.JSONDecodeError) else path
        raise BaselineError(f"{where}: the baseline is not valid JSON: {error}") from error
    if not isinstance(document, dict) or document.get("version") != VERSION:
        raise BaselineError(f"{path}: not a dicomguard baseline (expected an object with "
                            f'"version": {VERSION}); recreate it with `dicomguard baseline '
                            "create`")
    findings = document.get("findings")
    if not isinstance(findings, list):
        raise BaselineError(f'{path}: "findings" must be a list of recorded findings')
    return Baseline(path, [_entry(item, path, index) for index, item in enumerate(findings)])


def _entry(item: Any, path: str, index: int) -> FindingIdentity:
    if not isinstance(item, dict) or not all(isinstance(item.get(key), str) for key in _FIELDS):
        raise BaselineError(f"{path}: findings[{index}]: expected an object with the strings "
                            f"{', '.join(_FIELDS)}")
    return FindingIdentity(**{key: item[key] for key in _FIELDS})


def write(path: str, entries: list[FindingIdentity]) -> None:
    document = {"version": VERSION,
                "findings": [entry.to_json() for entry in sorted(set(entries))]}
    try:
        Path(path).write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    except OSError as error:
        raise BaselineError(f"{path}: cannot write the baseline: {error.strerror}") from error


def current_entries(report: Any) -> list[FindingIdentity]:
    """The identities of the findings a baseline would record: every one not suppressed."""
    return [identify(finding, report.root) for finding in report.findings
            if not finding.suppressed]


def in_scope(entry: FindingIdentity, scanned: list[str], root: Path) -> bool:
    """Whether `entry`'s file lies inside the scanned paths: only then can it be called fixed
    (a pre-commit run that scans two files says nothing of the others)."""
    for path in scanned:
        prefix = relative_path(path, root)
        if prefix in {"", "."} or entry.file == prefix or entry.file.startswith(prefix + "/"):
            return True
    return False


def apply_baseline(report: Any, baseline: Baseline, scanned: list[str]) -> None:
    """Mark each finding "unchanged" (in the baseline) or "new"; record fixed entries."""
    known = baseline.fingerprints()
    for finding in report.findings:
        if not finding.suppressed:
            finding.baseline = "unchanged" if finding.fingerprint in known else "new"
    present = {finding.fingerprint for finding in report.findings}
    fixed = [entry for entry in baseline.entries
             if entry.fingerprint not in present and in_scope(entry, scanned, report.root)]
    report.baseline = {
        "file": baseline.path,
        "unchanged": sum(1 for finding in report.findings if finding.baseline == "unchanged"),
        "new": sum(1 for finding in report.findings if finding.baseline == "new"),
        "fixed": [entry.to_json() for entry in sorted(set(fixed))],
    }


def updated_entries(report: Any, baseline: Baseline, scanned: list[str],
                    add_new: bool) -> list[FindingIdentity]:
    """The baseline without its fixed entries, with today's new findings when `add_new`."""
    current = current_entries(report)
    present = {entry.fingerprint for entry in current}
    kept = [entry for entry in baseline.entries
            if entry.fingerprint in present or not in_scope(entry, scanned, report.root)]
    if add_new:
        known = baseline.fingerprints()
        kept += [entry for entry in current if entry.fingerprint not in known]
    return kept
