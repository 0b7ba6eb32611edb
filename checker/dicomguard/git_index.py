"""The repository's index (what `git commit` records) written out as a temporary tree to scan.

Only tracked files count, at their staged content: untracked and ignored files, and unstaged
edits, never do. git is the user's own tool on their own repository, invoked by their hook; nothing
of the repository runs: hooks and fsmonitor are off, and blobs are read raw with
`git cat-file --batch` (no filters, no textconv). Symbolic links in the index are not followed.
"""

from __future__ import annotations

import os
import subprocess
import threading
from collections.abc import Callable, Iterator
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

from dicomguard.facts import note
from dicomguard.model import Origin
from dicomguard.records import field, record

GIT = ("git", "-c", "core.hooksPath=/dev/null", "-c", "core.fsmonitor=false")
REGULAR_MODES = frozenset({"100644", "100755"})
SYMLINK_MODE = "120000"
SUBMODULE_MODE = "160000"


class GitError(Exception):
    """git could not answer (not a repository, git missing): a usage error, exit 2."""


def _git(repository: Path, *args: str) -> bytes:
    try:
        result = subprocess.run([*GIT, *args], cwd=repository, capture_output=True, check=False)
    except OSError as error:
        raise GitError(f"cannot run git: {error.strerror or error}") from error
    if result.returncode:
        message = result.stderr.decode("utf-8", "replace").strip() or f"exit {result.returncode}"
        raise GitError(f"git {args[0]}: {message}")
    return result.stdout


def repository_root(start: Path) -> Path:
    """The top of the work tree that start lies in."""
    try:
        output = _git(start, "rev-parse", "--show-toplevel")
    except GitError as error:
        raise GitError(f"--staged reads a git repository's index: {error}") from error
    return Path(os.fsdecode(output.rstrip(b"\n")))


@record(frozen=True)
class IndexEntry:
    mode: str
    object_id: str
    path: str  # relative to the repository root, with forward slashes


def index_entries(repository: Path) -> list[IndexEntry]:
    """Every tracked file as staged (merged entries only: git refuses to commit a conflict)."""
    entries = []
    for line in _git(repository, "ls-files", "-z", "--cached", "--stage").split(b"\0"):
        if not line:
            continue
        meta, _, path = line.partition(b"\t")
        mode, object_id, stage = meta.decode("ascii").split()
        if stage == "0":
            entries.append(IndexEntry(mode, object_id, os.fsdecode(path)))
    return entries


def staged_changes(repository: Path) -> list[str]:
    """Paths whose staged content differs from HEAD (added, changed, deleted; a rename as both
    of its paths). Before the first commit, every staged path."""
    output = _git(repository, "diff", "--cached", "--name-only", "-z", "--no-renames",
                  "--no-ext-diff", "--no-textconv")
    return [os.fsdecode(path) for path in output.split(b"\0") if path]


def _blobs(repository: Path, object_ids: list[str]) -> Iterator[bytes]:
    """The raw content of each blob, in order, from one `git cat-file --batch`."""
    process = subprocess.Popen([*GIT, "cat-file", "--batch"], cwd=repository,
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL)
    assert process.stdin is not None and process.stdout is not None

    def request(stream: BinaryIO) -> None:
        try:
            for object_id in object_ids:
                stream.write(object_id.encode("ascii") + b"\n")
        except BrokenPipeError:
            pass
        finally:
            stream.close()

    writer = threading.Thread(target=request, args=(process.stdin,), daemon=True)
    writer.start()
    try:
        for object_id in object_ids:
            header = process.stdout.readline().split()
            if len(header) != 3 or header[1] != b"blob":
                raise GitError(f"git cat-file: cannot read object {object_id}")
            content = process.stdout.read(int(header[2]))
            process.stdout.read(1)  # the newline after each object
            yield content
    finally:
        process.stdout.close()
        process.wait()
        writer.join()


Wanted = Callable[[PurePosixPath, bytes], bool]


@record
class StagedFiles:
    """The staged content of the files a scan may read, by repository path, and notes."""

    content: dict[str, bytes] = field(default_factory=dict)
    notes: list[dict[str, Any]] = field(default_factory=list)


def read_staged_files(repository: Path, choose: Callable[[list[IndexEntry]], Wanted]
                      ) -> StagedFiles:
    """The staged content of every regular file that choose(entries) accepts."""
    staged = StagedFiles()
    regular = []
    entries = index_entries(repository)
    wanted = choose(entries)
    for entry in entries:
        if entry.mode in REGULAR_MODES:
            regular.append(entry)
        elif entry.mode == SYMLINK_MODE:
            staged.notes.append(note(Origin(entry.path, 1, 1),
                                     "symbolic link in the index; not followed"))
    for entry, content in zip(regular, _blobs(repository, [e.object_id for e in regular]),
                              strict=True):
        if wanted(PurePosixPath(entry.path), content):
            staged.content[entry.path] = content
    return staged


def write_tree(destination: Path, files: dict[str, bytes]) -> None:
    """Each file at its repository path under destination."""
    for path, content in files.items():
        target = destination.joinpath(*PurePosixPath(path).parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
