"""`dicomguard scan --staged`: scan what the commit records, not the work tree.

The index is written to a temporary tree that mirrors the repository (only the files a family
would read, and what Terraform's `file()` or an Ansible task might read beside them), and the scan
runs there, so findings name repository paths. With changed paths (given, or `--changed`: those
staged), only the units they touch are scanned (see units.py).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from dicomguard.apps.detect import HELM_CHART, KUSTOMIZATIONS
from dicomguard.changed_units import ANSIBLE_DIRECTORIES, Grouped, affected_units
from dicomguard.config import CONFIG_NAMES
from dicomguard.discover import HEAD_BYTES
from dicomguard.git_index import (
    IndexEntry,
    Wanted,
    copy_staged_files,
    remove_files,
    staged_changes,
)
from dicomguard.model import SourceFile
from dicomguard.regular_files import read_head
from dicomguard.sources import FAMILIES
from dicomguard.terraform import detect as terraform_detect

if TYPE_CHECKING:
    from dicomguard.scan import ScanReport
    from dicomguard.settings import Settings


def _head_text(head: bytes) -> str | None:
    """A file's first HEAD_BYTES as discovery reads them; None for binary content."""
    return None if b"\x00" in head else head.decode("utf-8", "replace")


READ_WHOLE = frozenset({HELM_CHART, *KUSTOMIZATIONS})  # their directories are read whole


def _is_context(path: PurePosixPath, terraform_directories: set[PurePosixPath],
                ansible: bool = True) -> bool:
    """A configuration file, or a file that Terraform's file(), an Ansible task, helm or
    kustomize (in a chart's or kustomization's directory) may read."""
    return (path.name in CONFIG_NAMES
            or (ansible and not ANSIBLE_DIRECTORIES.isdisjoint(path.parts[:-1]))
            or not terraform_directories.isdisjoint(path.parents))


def files_a_scan_reads(entries: list[IndexEntry]) -> Wanted:
    """Which staged files to read: those a family claims by name or by their first 4 KiB,
    configuration files, and anything inside a Terraform module or an Ansible directory."""
    terraform_directories = {PurePosixPath(entry.path).parent for entry in entries
                             if terraform_detect.named(Path(entry.path))
                             or PurePosixPath(entry.path).name in READ_WHOLE}

    def wanted(path: PurePosixPath, head: bytes) -> bool:
        if _is_context(path, terraform_directories):
            return True
        native = Path(path)
        if any(family.named(native) for family in FAMILIES):
            return True
        text = _head_text(head)
        return text is not None and any(family.classify(native, text) for family in FAMILIES)

    return wanted


def _grouped(root: Path, paths: list[str]) -> Grouped:
    """The files as discovery would group them, by the first family that claims each."""
    grouped: Grouped = {family.name: [] for family in FAMILIES}
    for path in paths:
        text = _head_text(read_head(root / path, HEAD_BYTES))
        if text is None:
            continue
        for family in FAMILIES:
            kind = family.classify(Path(path), text)
            if kind:
                grouped[family.name].append(SourceFile(path, kind))
                break
    return grouped


def units_touched(root: Path, paths: list[str], changed: list[str]) -> list[str]:
    """Of the files copied under root, those of the units the changed paths touch, with their
    context files (see units.py); a file that no unit holds is left out."""
    affected = affected_units(_grouped(root, paths), changed,
                              lambda source: (root / source.path).read_bytes().decode(
                                  "utf-8", "replace"))
    kept = {source.path for sources in affected.values() for source in sources}
    terraform_directories = {PurePosixPath(source.path).parent
                             for source in affected.get("terraform", [])}
    terraform_directories |= {PurePosixPath(source.path).parent
                              for source in affected.get("apps", [])
                              if source.kind in {"helm-chart", "kustomization"}}
    ansible = bool(affected.get("ansible"))
    return [path for path in paths
            if path in kept or _is_context(PurePosixPath(path), terraform_directories, ansible)]


@contextmanager
def _working_directory(directory: Path) -> Iterator[None]:
    previous = Path.cwd()
    os.chdir(directory)
    try:
        yield
    finally:
        os.chdir(previous)


Scan = Callable[[], tuple["ScanReport", "Settings"]]


def scan_staged(repository: Path, changed: list[str] | None, scan: Scan
                ) -> tuple[ScanReport, Settings]:
    """Run scan() inside a tree of the staged files of repository. changed: repository paths
    whose units alone are scanned (None: every unit)."""
    with tempfile.TemporaryDirectory(prefix="dicomguard-staged-") as temporary:
        root = Path(temporary)
        staged = copy_staged_files(repository, root, files_a_scan_reads, HEAD_BYTES)
        files = staged.paths
        if changed is not None:
            files = units_touched(root, staged.paths, changed)
            kept = set(files)
            remove_files(root, [path for path in staged.paths if path not in kept])
        with _working_directory(root):
            report, settings = scan()
    report.notes[:0] = staged.notes
    report.root = repository  # the temporary tree is gone; paths in the report are the same
    report.paths = [str(repository / path) for path in files] if changed is not None \
        else [str(repository)]  # what a baseline entry must lie in to be called fixed
    return report, settings


def changed_paths(repository: Path, given: list[str], staged: bool) -> list[str]:
    """Repository paths of the given files (relative to the working directory), with what is
    staged when asked."""
    cwd = Path.cwd().resolve()
    paths = [os.path.relpath(os.path.normpath(cwd / path), repository.resolve()) for path in given]
    return [*paths, *staged_changes(repository)] if staged else paths
