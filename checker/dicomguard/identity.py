"""A finding's identity across runs: what a baseline records and SARIF fingerprints hash.

It is made of what stays true while unrelated code changes: the rule, the file relative to the
project root, the resource address with positional parts taken out (a firewall rule's number in
its chain, an Ansible loop item's index), and the ports exposed, or else the message with
`file:line` references taken out. Line numbers never enter it.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from dicomguard.real_paths import real_directory, real_path
from dicomguard.records import record

_POSITION = re.compile(r"\b(rule|item) \d+\b")
_FILE_AND_LINE = re.compile(r"(\S+?):\d+\b")


@record(frozen=True, order=True)
class FindingIdentity:
    file: str
    rule_id: str
    resource: str
    detail: str

    @property
    def fingerprint(self) -> str:
        import hashlib  # only a scan with findings needs it

        joined = "\0".join((self.rule_id, self.file, self.resource, self.detail))
        return hashlib.sha256(joined.encode("utf-8")).hexdigest()

    def to_json(self) -> dict[str, str]:
        return {"file": self.file, "rule_id": self.rule_id, "resource": self.resource,
                "detail": self.detail, "fingerprint": self.fingerprint}


def without_positions(text: str) -> str:
    """`IPv4 INPUT rule 6` -> `IPv4 INPUT rule #`: a rule inserted above changes nothing."""
    return _POSITION.sub(r"\1 #", text)


def project_root(paths: list[str], given: str | None = None) -> Path:
    """The directory every reported path and every finding identity is relative to: `given`
    (--repo-root) when set, else the repository holding the first scanned path (the nearest
    directory above it with a `.git`), else the current directory when every path is inside
    it, else the first path's directory. Only the existence of `.git` is checked; nothing
    outside the scan is read."""
    if given:
        return Path(given).resolve()
    first = Path(paths[0] if paths else ".").resolve()
    start = first if first.is_dir() else first.parent
    for directory in (start, *start.parents):
        if (directory / ".git").exists():
            return directory
    cwd = Path.cwd().resolve()
    if all(Path(path).resolve().is_relative_to(cwd) for path in paths):
        return cwd
    return start


def relative_path(file: str, root: Path) -> str:
    """`file` relative to `root` in POSIX form; as given (POSIX) when outside it."""
    if not file:
        return ""
    inside = _inside(real_path(file), root)
    return inside if inside is not None else Path(file).as_posix()


def reported_path(file: str, root: Path) -> str:
    """`file` as reports show it: relative to `root` in POSIX form, else absolute, so that it
    reads the same from any working directory."""
    if not file:
        return ""
    directory, name = os.path.split(os.path.join(os.getcwd(), file))
    resolved = os.path.join(real_directory(directory), name)  # a link is shown where it lies
    inside = _inside(resolved, root)
    return inside if inside is not None else Path(resolved).as_posix()


def _inside(resolved: str, root: Path) -> str | None:
    """A real path relative to `root` in POSIX form, or None when it lies outside; strings,
    not Path objects: a report relates every finding, error and note to its root."""
    top = str(root)
    if resolved == top:
        return "."
    prefix = top if top.endswith(os.sep) else top + os.sep
    if not resolved.startswith(prefix):
        return None
    return Path(resolved[len(prefix):]).as_posix()


def identify(finding: Any, root: Path) -> FindingIdentity:
    if finding.ports is not None:
        detail = "ports " + ",".join(str(port) for port in sorted(set(finding.ports)))
    else:
        message = _FILE_AND_LINE.sub(r"\1", without_positions(finding.message))
        detail = " ".join(message.lower().split())
    return FindingIdentity(
        file=relative_path(finding.file, root),
        rule_id=finding.rule_id.upper(),
        resource=without_positions(finding.resource),
        detail=detail,
    )
