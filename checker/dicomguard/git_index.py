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
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import IO, Any, BinaryIO

from dicomguard.facts import note
from dicomguard.model import Origin
from dicomguard.records import field, record

GIT = ("git", "-c", "core.hooksPath=/dev/null", "-c", "core.fsmonitor=false")
REGULAR_MODES = frozenset({"100644", "100755"})
SYMLINK_MODE = "120000"
SUBMODULE_MODE = "160000"


class GitError(Exception):
    """git could not answer (not a repository, git missing): a usage error, exit 2."""


class TreeTooLarge(Exception):
    """The staged files take more bytes than the place they are copied to may hold."""


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


CHUNK_BYTES = 1 << 20
FILE_COST_BYTES = 4096


class _Blob:
    """One blob of a `git cat-file --batch` stream: its first bytes, and the rest to copy once
    or to skip, a chunk at a time, so that no blob is ever held whole in memory."""

    def __init__(self, stream: IO[bytes], size: int, head_bytes: int) -> None:
        self._stream = stream
        self.size = size
        self.head = stream.read(min(size, head_bytes))
        self._left = size - len(self.head)

    def chunks(self) -> Iterator[bytes]:
        while self._left > 0:
            chunk = self._stream.read(min(CHUNK_BYTES, self._left))
            if not chunk:
                raise GitError("git cat-file: the output ended inside an object")
            self._left -= len(chunk)
            yield chunk

    def write_to(self, output: BinaryIO, whole: bool) -> None:
        """The blob, or (not whole) a sparse stand-in of its size holding only its head."""
        output.write(self.head)
        if whole:
            for chunk in self.chunks():
                output.write(chunk)
        else:
            output.truncate(self.size)

    def skip(self) -> None:
        for _ in self.chunks():
            pass


def _blobs(repository: Path, object_ids: list[str], head_bytes: int) -> Iterator[_Blob]:
    """Each blob, in order, from one `git cat-file --batch`; what the caller has not copied of
    one is skipped before the next is read."""
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
            blob = _Blob(process.stdout, int(header[2]), head_bytes)
            yield blob
            blob.skip()
            process.stdout.read(1)  # the newline after each object
    finally:
        process.stdout.close()
        process.wait()
        writer.join()


@record
class StagedFiles:
    """The regular files of the index, copied: their repository paths, and notes."""

    paths: list[str] = field(default_factory=list)
    notes: list[dict[str, Any]] = field(default_factory=list)


def copy_staged_files(repository: Path, destination: Path, head_bytes: int,
                      stand_in_above: int, most_bytes: int | None = None) -> StagedFiles:
    """Every regular file of the index, at its staged content, copied to its repository path
    under destination: the commit's tree, as a checkout of it would be. A file larger than
    `stand_in_above` bytes is a stand-in of its size holding only its first `head_bytes` (a
    sparse file): discovery and Terraform's file() refuse a file that large by its size, and
    discovery classifies it by those bytes. Raises TreeTooLarge past `most_bytes` written (a
    file counting at least FILE_COST_BYTES, what it takes in tmpfs however small)."""
    staged = StagedFiles()
    written = 0
    regular = []
    for entry in index_entries(repository):
        if entry.mode in REGULAR_MODES:
            regular.append(entry)
        elif entry.mode == SYMLINK_MODE:
            staged.notes.append(note(Origin(entry.path, 1, 1),
                                     "symbolic link in the index; not followed"))
    if most_bytes is not None and len(regular) * FILE_COST_BYTES > most_bytes:
        raise TreeTooLarge(f"{len(regular)} files")
    made: set[str] = set()
    blobs = _blobs(repository, [entry.object_id for entry in regular], head_bytes)
    for entry, blob in zip(regular, blobs, strict=True):
        whole = blob.size <= stand_in_above
        written += max(blob.size if whole else len(blob.head), FILE_COST_BYTES)
        if most_bytes is not None and written > most_bytes:
            raise TreeTooLarge(f"more than {most_bytes} bytes")
        target = os.path.join(destination, *PurePosixPath(entry.path).parts)
        directory = os.path.dirname(target)
        if directory not in made:
            os.makedirs(directory, exist_ok=True)
            made.add(directory)
        with open(target, "wb") as output:
            blob.write_to(output, whole)
        staged.paths.append(entry.path)
    return staged


def remove_files(destination: Path, paths: list[str]) -> None:
    """Remove the files at these repository paths under destination, and the directories left
    empty: the tree is then the one the other files alone would have made."""
    emptied: set[str] = set()
    for path in paths:
        target = os.path.join(destination, *PurePosixPath(path).parts)
        os.unlink(target)
        emptied.add(os.path.dirname(target))
    top = os.fspath(destination)
    for directory in sorted(emptied, key=len, reverse=True):  # the deepest first
        while directory != top:
            try:
                os.rmdir(directory)  # only if empty
            except OSError:
                break
            directory = os.path.dirname(directory)
