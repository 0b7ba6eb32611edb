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
from typing import Any

from dicomguard.config import CONFIG_NAMES
from dicomguard.discover import HEAD_BYTES
from dicomguard.git_index import IndexEntry, Wanted, staged_changes, write_staged_tree
from dicomguard.sources import available_families
from dicomguard.terraform import detect as terraform_detect
from dicomguard.units import ANSIBLE_DIRECTORIES, Grouped, affected_units


def files_a_scan_reads(entries: list[IndexEntry]) -> Wanted:
    """Which staged files to write: those a family claims by name or by their first 4 KiB,
    configuration files, and anything inside a Terraform module or an Ansible directory."""
    detectors = [detector for _, detector in available_families()]
    terraform_directories = {PurePosixPath(entry.path).parent for entry in entries
                             if terraform_detect.named(Path(entry.path))}

    def wanted(path: PurePosixPath, content: bytes) -> bool:
        if path.name in CONFIG_NAMES or not ANSIBLE_DIRECTORIES.isdisjoint(path.parts[:-1]):
            return True
        if not terraform_directories.isdisjoint(path.parents):
            return True
        native = Path(path)
        if any(detector.named(native) for detector in detectors):
            return True
        head = content[:HEAD_BYTES]
        if b"\x00" in head:
            return False
        text = head.decode("utf-8", "replace")
        return any(detector.classify(native, text) for detector in detectors)

    return wanted


@contextmanager
def _working_directory(directory: Path) -> Iterator[None]:
    previous = Path.cwd()
    os.chdir(directory)
    try:
        yield
    finally:
        os.chdir(previous)


Selection = Callable[[Grouped], Grouped]
Scan = Callable[[Selection | None], tuple[Any, dict[str, Any]]]


def scan_staged(repository: Path, changed: list[str] | None, scan: Scan
                ) -> tuple[Any, dict[str, Any]]:
    """Run scan(selection) inside a tree of the staged files of repository. changed: repository
    paths whose units alone are scanned (None: every unit)."""
    with tempfile.TemporaryDirectory(prefix="dicomguard-staged-") as temporary:
        root = Path(temporary)
        tree = write_staged_tree(repository, root, files_a_scan_reads)
        selection = None if changed is None else (
            lambda grouped: affected_units(grouped, changed))
        with _working_directory(root):
            report, settings = scan(selection)
    report.notes[:0] = tree.notes
    return report, settings


def changed_paths(repository: Path, given: list[str], staged: bool) -> list[str]:
    """Repository paths of the given files (relative to the working directory), with what is
    staged when asked."""
    cwd = Path.cwd().resolve()
    paths = [os.path.relpath(os.path.normpath(cwd / path), repository.resolve()) for path in given]
    return [*paths, *staged_changes(repository)] if staged else paths
