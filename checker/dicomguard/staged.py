"""`dicomguard scan --staged`: scan what the commit records, not the work tree.

The index is written to a temporary tree, the commit as a checkout of it would be, and the scan
runs there, so findings name repository paths and a compose file finds the configs it mounts.
With changed paths (given, or `--changed`: those staged), the source files of the units they do
not touch are left out of that tree, so that only the touched units are scanned (see units.py).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from dicomguard.changed_units import ANSIBLE_DIRECTORIES, Grouped, affected_units
from dicomguard.config import CONFIG_NAMES
from dicomguard.discover import HEAD_BYTES
from dicomguard.git_index import (
    StagedFiles,
    TreeTooLarge,
    copy_staged_files,
    remove_files,
    staged_changes,
)
from dicomguard.model import SourceFile
from dicomguard.regular_files import read_head
from dicomguard.sources import FAMILIES

if TYPE_CHECKING:
    from dicomguard.scan import ScanReport
    from dicomguard.settings import Settings


# A staged file larger than this is copied as a stand-in of its size (see copy_staged_files),
# unless --max-file-size lets the scan read larger files.
STAND_IN_ABOVE = 256 * 1024 * 1024
SHARED_MEMORY = "/dev/shm"
MEMORY_TREE_BYTES = 64 * 1024 * 1024  # the most a staged tree may take in /dev/shm


def _head_text(head: bytes) -> str | None:
    """A file's first HEAD_BYTES as discovery reads them; None for binary content."""
    return None if b"\x00" in head else head.decode("utf-8", "replace")


def _is_context(path: PurePosixPath, terraform_directories: set[PurePosixPath],
                ansible: bool) -> bool:
    """A configuration file, or a file that Terraform's file(), an Ansible task, helm or
    kustomize (in a chart's or kustomization's directory) may read."""
    return (path.name in CONFIG_NAMES
            or (ansible and not ANSIBLE_DIRECTORIES.isdisjoint(path.parts[:-1]))
            or not terraform_directories.isdisjoint(path.parents))


def _grouped(root: Path, paths: list[str]) -> Grouped:
    """The files as discovery would group them, by the first family that claims each."""
    grouped: Grouped = {family.name: [] for family in FAMILIES}
    for path in paths:
        text = _head_text(read_head(os.path.join(root, path), HEAD_BYTES))
        if text is None:
            continue
        for family in FAMILIES:
            kind = family.classify(Path(path), text)
            if kind:
                grouped[family.name].append(SourceFile(path, kind))
                break
    return grouped


def units_touched(root: Path, grouped: Grouped, paths: list[str], changed: list[str]
                  ) -> list[str]:
    """Of the files copied under root, those of the units the changed paths touch, with their
    context files (see units.py): what a baseline entry must lie in to be called fixed."""
    affected = affected_units(grouped, changed,
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


def scan_staged(repository: Path, changed: list[str] | None, scan: Scan,
                largest_file_mib: float | None = None) -> tuple[ScanReport, Settings]:
    """Run scan() inside a tree of the staged files of repository. changed: repository paths
    whose units alone are scanned (None: every unit). largest_file_mib: --max-file-size."""
    stand_in_above = max(STAND_IN_ABOVE, int((largest_file_mib or 0) * 1024 * 1024))
    with _staged_tree(repository, stand_in_above) as (root, staged):
        touched = staged.paths
        if changed is not None:
            grouped = _grouped(root, staged.paths)
            touched = units_touched(root, grouped, staged.paths, changed)
            kept = set(touched)
            remove_files(root, [source.path for sources in grouped.values()
                                for source in sources if source.path not in kept])
        with _working_directory(root):
            report, settings = scan()
    report.notes[:0] = staged.notes
    report.root = repository  # the temporary tree is gone; paths in the report are the same
    report.paths = [str(repository / path) for path in touched] if changed is not None \
        else [str(repository)]  # what a baseline entry must lie in to be called fixed
    return report, settings


@contextmanager
def _staged_tree(repository: Path, stand_in_above: int) -> Iterator[tuple[Path, StagedFiles]]:
    """A temporary directory holding the staged files, removed afterwards: in memory
    (/dev/shm) when the commit fits there, since a disk creates a file far more slowly than
    tmpfs; else in the temporary directory."""
    if _memory_tree_allowed():
        with tempfile.TemporaryDirectory(prefix="dicomguard-staged-",
                                         dir=SHARED_MEMORY) as temporary:
            try:
                staged = copy_staged_files(repository, Path(temporary), HEAD_BYTES,
                                           stand_in_above, MEMORY_TREE_BYTES)
            except (TreeTooLarge, OSError):
                pass  # too large for memory, or no room left there
            else:
                yield Path(temporary), staged
                return
    with tempfile.TemporaryDirectory(prefix="dicomguard-staged-") as temporary:
        yield Path(temporary), copy_staged_files(repository, Path(temporary), HEAD_BYTES,
                                                 stand_in_above)


def _memory_tree_allowed() -> bool:
    """/dev/shm is writable with room to spare, and TMPDIR does not name another place."""
    if "TMPDIR" in os.environ or not os.path.isdir(SHARED_MEMORY):
        return False
    try:
        status = os.statvfs(SHARED_MEMORY)
    except OSError:
        return False
    return (status.f_bavail * status.f_frsize >= 4 * MEMORY_TREE_BYTES
            and os.access(SHARED_MEMORY, os.W_OK))


def changed_paths(repository: Path, given: list[str], staged: bool) -> list[str]:
    """Repository paths of the given files (relative to the working directory), with what is
    staged when asked."""
    cwd = Path.cwd().resolve()
    paths = [os.path.relpath(os.path.normpath(cwd / path), repository.resolve()) for path in given]
    return [*paths, *staged_changes(repository)] if staged else paths
