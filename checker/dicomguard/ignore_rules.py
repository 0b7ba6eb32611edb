"""Which paths a scan leaves out: `exclude` patterns and the scanned tree's .gitignore files,
both with gitignore semantics (pathspec's gitwildmatch).

Only .gitignore files inside the scanned tree are read, as data; git is never run.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pathspec is imported only by a scan that has patterns to match
    from pathspec import GitIgnoreSpec

GITIGNORE = ".gitignore"
LARGEST_GITIGNORE_BYTES = 1024 * 1024


class PatternError(ValueError):
    """A pattern that is not valid gitignore syntax; `line` counts from 1 within its list."""

    def __init__(self, line: int, pattern: str, reason: str) -> None:
        super().__init__(f"line {line}: {reason}")
        self.line = line
        self.pattern = pattern


def compile_patterns(lines: list[str]) -> GitIgnoreSpec:
    """The patterns as one gitignore spec; a PatternError naming the first invalid one."""
    from pathspec import GitIgnoreSpec

    try:
        return GitIgnoreSpec.from_lines(lines)
    except ValueError:
        for number, line in enumerate(lines, start=1):
            try:
                GitIgnoreSpec.from_lines([line])
            except ValueError as error:
                raise PatternError(number, line, f"invalid pattern {line!r}: {error}") from None
        raise


def _relative(path: Path, base: Path, is_directory: bool) -> str:
    relative = path.relative_to(base).as_posix()
    return relative + "/" if is_directory else relative


class IgnoreRules:
    """The `exclude` patterns of one scan root and the .gitignore files met below it."""

    def __init__(self, root: Path, excluded: GitIgnoreSpec | None) -> None:
        self.root = root
        self.excluded = excluded
        self.gitignores: dict[Path, GitIgnoreSpec] = {}

    def add_gitignore(self, directory: Path, spec: GitIgnoreSpec) -> None:
        self.gitignores[directory] = spec

    def excluded_by_pattern(self, path: Path, is_directory: bool) -> bool:
        return self.excluded is not None and self.excluded.match_file(
            _relative(path, self.root, is_directory))

    def ignored_by_git(self, path: Path, is_directory: bool) -> bool:
        """The verdict of the deepest .gitignore with a matching pattern, as git decides."""
        ignored = False
        if not self.gitignores:
            return ignored
        parents = set(path.parents)
        # gitignores are met top-down (the walk is), so shallower ones come first
        for directory, spec in self.gitignores.items():
            if directory not in parents:
                continue
            verdict = spec.check_file(_relative(path, directory, is_directory)).include
            if verdict is not None:
                ignored = verdict
        return ignored

    def skips(self, path: Path, is_directory: bool) -> bool:
        return (self.excluded_by_pattern(path, is_directory)
                or self.ignored_by_git(path, is_directory))


def read_gitignore(path: Path) -> list[str]:
    """The lines of a .gitignore file; OSError when it cannot be read, ValueError when it is
    too large to be one."""
    with path.open("rb") as handle:
        data = handle.read(LARGEST_GITIGNORE_BYTES + 1)
    if len(data) > LARGEST_GITIGNORE_BYTES:
        raise ValueError("larger than 1 MiB, not a .gitignore file")
    return data.decode("utf-8", "replace").splitlines()
