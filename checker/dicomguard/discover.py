"""Walk the given paths and classify each file by name and content.

The scanned tree is untrusted: only regular files inside it are opened. A symbolic link is never
read as such: its target is read at its own place when it lies inside a scanned path, and is a
note when it lies outside. Anything a family would read but cannot (unreadable, too large,
binary, a FIFO or device with a source's name) is an input error, never a silent skip.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from dicomguard.facts import note
from dicomguard.ignore_rules import (
    GITIGNORE,
    IgnoreRules,
    PatternError,
    compile_patterns,
    read_gitignore,
)
from dicomguard.model import Origin, ScanError, SourceFile
from dicomguard.records import field, record
from dicomguard.regular_files import kind_of, read_head
from dicomguard.sources import FAMILIES, Family
from dicomguard.terraform.detect import named as terraform_named

# "env" is not among them: env/prod, env/staging is a common Terraform layout. A virtualenv of
# any name is recognised by its pyvenv.cfg and interpreter.
SKIPPED_DIRECTORIES = frozenset({
    ".git", ".hg", ".svn", "node_modules", ".venv", "venv", "__pycache__",
    ".tox", ".nox", ".mypy_cache", ".pytest_cache", ".ruff_cache", "site-packages",
})
VIRTUALENV_INTERPRETERS = ("bin/python", "Scripts/python.exe")
HEAD_BYTES = 4096
MIB = 1024 * 1024
LARGEST_FILE_MIB = 32.0


def display_path(path: Path, cwd: Path | None = None) -> str:
    """A path as users see it: relative to the working directory (`cwd` when the caller knows
    it) when inside it."""
    if not path.is_absolute():  # already relative to the working directory
        return str(path)
    absolute = path.absolute()
    try:
        return str(absolute.relative_to(cwd or Path.cwd()))
    except ValueError:
        return str(absolute)


@record
class Discovery:
    """The recognised files, grouped by family name, and what could not be read or followed."""

    grouped: dict[str, list[SourceFile]]
    errors: list[ScanError] = field(default_factory=list)
    notes: list[dict[str, Any]] = field(default_factory=list)

    def error(self, path: Path | str, message: str) -> None:
        self.errors.append(ScanError(display_path(Path(path)), None, message))

    def note(self, path: Path, message: str) -> None:
        self.notes.append(note(Origin(display_path(path), 1, 1), message))


class _Walk:
    """One discovery over the scan roots."""

    def __init__(self, roots: list[str], excluded: list[str], largest_file_mib: float,
                 honour_gitignore: bool, whole_modules: bool) -> None:
        self.found = Discovery({family.name: [] for family in FAMILIES})
        try:
            self.excluded = compile_patterns(excluded) if excluded else None
        except PatternError as error:
            self.excluded = None
            self.found.errors.append(ScanError("exclude", error.line, str(error)))
        self.honour_gitignore = honour_gitignore
        self.rules = IgnoreRules(Path("."), None)
        self.largest_file_mib = largest_file_mib
        self.inside = [Path(root).resolve() for root in roots]
        self.seen: set[str] = set()  # real paths
        self.cwd = Path.cwd()
        self.whole_modules = whole_modules

    def contains(self, target: Path) -> bool:
        return any(target == root or root in target.parents for root in self.inside)

    def named(self, path: Path) -> bool:
        return any(family.named(path) for family in FAMILIES)

    def unreadable(self, path: Path, message: str) -> None:
        """A file that will not be read: an error when its name says it is a source, else a
        note."""
        if self.named(path):
            self.found.error(path, message)
        else:
            self.found.note(path, message)

    def root(self, root_text: str) -> None:
        root = Path(root_text)
        if os.path.isdir(root):
            for path, resolved in self.files(root):
                self.file(path, root_text, resolved)
            return
        try:
            mode = root.stat().st_mode
        except OSError as error:
            self.found.error(root, f"cannot read: {error.strerror}")
            return
        if stat.S_ISREG(mode):
            self.file(root, root_text)
            if self.whole_modules and terraform_named(root):
                self.module_beside(root, root_text)
        else:
            self.found.error(root, f"{kind_of(mode)}, not a regular file; not read")

    def module_beside(self, path: Path, root_text: str) -> None:
        """A Terraform file is read with its module: the other Terraform files of its directory
        (variables, their defaults, tfvars, locals), not its subdirectories."""
        directory = path.parent
        rules = IgnoreRules(directory, self.excluded)
        for sibling in sorted(directory.iterdir()):
            if sibling != path and terraform_named(sibling) and not rules.skips(
                    sibling, is_directory=False) and self.regular(sibling):
                self.file(sibling, root_text)

    def files(self, root: Path) -> Iterator[tuple[Path, str]]:
        """Regular files under root in a stable order, each with its real path; links and
        special files are dealt with here and not yielded."""
        self.rules = IgnoreRules(root, self.excluded)
        # The walk follows no link, so a directory's real path is its parent's and its name.
        real = {str(root): os.path.realpath(root)}
        for directory, subdirectories, entries in self.listings(str(root)):
            here = Path(directory)
            names = [entry.name for entry in entries]
            if self.honour_gitignore and GITIGNORE in names:
                self.load_gitignore(here)
            if here != root and _is_virtualenv(here, names):
                self.found.note(here, "a Python virtualenv; not scanned")
                subdirectories[:] = []
                continue
            subdirectories[:] = [entry for entry in subdirectories
                                 if self.walked_into(here / entry.name, entry.is_symlink())]
            resolved = real.pop(directory)
            real.update((entry.path, os.path.join(resolved, entry.name))
                        for entry in subdirectories)
            for entry in entries:
                path = here / entry.name
                if not self.rules.skips(path, is_directory=False) and (
                        _is_regular(entry) or self.regular(path)):
                    yield path, os.path.join(resolved, entry.name)

    def listings(self, top: str) -> Iterator[tuple[str, list[os.DirEntry[str]],
                                                    list[os.DirEntry[str]]]]:
        """As os.walk(top) without following links, top-down and sorted by name: each directory
        with the entries of its subdirectories (the caller may narrow them to prune the walk)
        and of everything else in it. Entries carry the kind the listing gave, so a regular file
        costs no lstat."""
        pending = [top]
        while pending:
            directory = pending.pop()
            try:
                with os.scandir(directory) as listing:
                    entries = sorted(listing, key=lambda entry: entry.name)
            except OSError as error:
                self.found.error(error.filename or directory,
                                 f"cannot read directory: {error.strerror}")
                continue
            subdirectories: list[os.DirEntry[str]] = []
            others: list[os.DirEntry[str]] = []
            for entry in entries:
                (subdirectories if _is_directory(entry) else others).append(entry)
            yield directory, subdirectories, others
            pending.extend(entry.path for entry in reversed(subdirectories))

    def load_gitignore(self, directory: Path) -> None:
        """The .gitignore of a directory in the scanned tree; a link is not followed."""
        path = directory / GITIGNORE
        try:
            if not stat.S_ISREG(path.lstat().st_mode):
                self.found.note(path, "not a regular file; its patterns are not applied")
                return
            self.rules.add_gitignore(directory, compile_patterns(read_gitignore(path)))
        except PatternError as error:
            self.found.errors.append(ScanError(display_path(path), error.line, str(error)))
        except (OSError, ValueError) as error:
            reason = error.strerror if isinstance(error, OSError) else str(error)
            self.found.error(path, f"cannot read: {reason}")

    def walked_into(self, directory: Path, is_link: bool) -> bool:
        if self.rules.skips(directory, is_directory=True) or _skipped_directory(directory):
            return False
        if is_link:
            if not self.contains(directory.resolve()):
                self.found.note(directory, "symbolic link to a directory outside the scanned "
                                           "tree; not followed")
            return False  # a directory inside the tree is walked at its own place
        return True

    def regular(self, path: Path) -> bool:
        try:
            mode = path.lstat().st_mode
        except OSError as error:
            self.found.error(path, f"cannot read: {error.strerror}")
            return False
        if stat.S_ISLNK(mode):
            self.symlink(path)
            return False
        if not stat.S_ISREG(mode):
            self.unreadable(path, f"{kind_of(mode)}, not a regular file; not read")
            return False
        return True

    def symlink(self, path: Path) -> None:
        try:
            target = path.resolve(strict=True)
        except (OSError, RuntimeError):
            self.unreadable(path, "broken symbolic link (its target is missing or a loop); "
                                  "not read")
            return
        if not self.contains(target):
            self.found.note(path, "symbolic link to a file outside the scanned tree; not read")

    def file(self, path: Path, root_text: str, resolved: str | None = None) -> None:
        resolved = resolved or os.path.realpath(path)
        if resolved in self.seen:
            return
        self.seen.add(resolved)
        claimed = self.classify(path)
        if claimed:
            family, kind = claimed
            shown = display_path(path, self.cwd)
            self.found.grouped[family.name].append(SourceFile(shown, kind, root_text))

    def classify(self, path: Path) -> tuple[Family, str] | None:
        """The family and kind of a regular file. Only the first 4 KiB are read, also of a file
        over the size limit, which is an error when a family would read it."""
        try:
            status = os.stat(path)
            too_large = status.st_size > self.largest_file_mib * MIB
            if too_large and self.named(path):
                self.too_large(path)
                return None
            head = read_head(path, HEAD_BYTES, status.st_mode)
        except OSError as error:
            self.found.error(path, f"cannot read: {error.strerror}")
            return None
        if b"\x00" in head:
            if self.named(path):
                self.found.error(path, "binary content (a NUL byte in the first 4 KiB); not read")
            return None
        text = head.decode("utf-8", "replace")
        for family in FAMILIES:
            kind = family.classify(path, text)
            if kind and too_large:
                self.too_large(path)
                return None
            if kind:
                return family, kind
        return None

    def too_large(self, path: Path) -> None:
        self.found.error(path, f"larger than the {self.largest_file_mib:g} MiB limit; not "
                               "read (raise it with --max-file-size or max_file_size)")


def _is_directory(entry: os.DirEntry[str]) -> bool:
    """A directory, or a link to one, as os.walk sorts them."""
    try:
        return entry.is_dir()
    except OSError:
        return False


def _is_regular(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_file(follow_symlinks=False)
    except OSError:
        return False


def _skipped_directory(directory: Path) -> bool:
    name = directory.name
    return name in SKIPPED_DIRECTORIES or (name == "providers"
                                           and directory.parent.name == ".terraform")


def _is_virtualenv(directory: Path, names: list[str]) -> bool:
    return "pyvenv.cfg" in names and os.path.isfile(directory / "pyvenv.cfg") and any(
        os.path.lexists(directory / interpreter) for interpreter in VIRTUALENV_INTERPRETERS)


def discover(roots: list[str], excluded: list[str] | None = None,
             largest_file_mib: float = LARGEST_FILE_MIB,
             honour_gitignore: bool = True, whole_modules: bool = False) -> Discovery:
    """Every recognised file under the roots, grouped by family name, with the errors and notes
    met on the way. `excluded` holds gitignore patterns relative to each root; the roots'
    .gitignore files are applied too unless honour_gitignore is false. whole_modules: a Terraform
    file given as a root brings its module's other files (as the command line does; a corpus of
    independent samples in one directory does not want it)."""
    walk = _Walk(roots, excluded or [], largest_file_mib, honour_gitignore, whole_modules)
    for root_text in roots:
        walk.root(root_text)
    return walk.found
