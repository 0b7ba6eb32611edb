"""Walk the given paths and classify each file by name and content."""

from __future__ import annotations

import os
from pathlib import Path

from dicomguard.model import ScanError, SourceFile
from dicomguard.sources import Family, available_families

# "env" is not among them: env/prod, env/staging is a common Terraform layout. A virtualenv of
# any name is recognised by its pyvenv.cfg.
SKIPPED_DIRECTORIES = frozenset({
    ".git", ".hg", ".svn", "node_modules", ".venv", "venv", "__pycache__",
    ".tox", ".nox", ".mypy_cache", ".pytest_cache", ".ruff_cache", "site-packages",
})
HEAD_BYTES = 4096
LARGEST_FILE = 32 * 1024 * 1024


def display_path(path: Path) -> str:
    """A path as users see it: relative to the working directory when inside it."""
    absolute = path.absolute()
    try:
        return str(absolute.relative_to(Path.cwd()))
    except ValueError:
        return str(absolute)


def _skipped_directory(directory: Path, name: str) -> bool:
    if name in SKIPPED_DIRECTORIES:
        return True
    if name == "providers" and directory.name == ".terraform":
        return True
    return (directory / name / "pyvenv.cfg").exists()


def _head(path: Path) -> str | None:
    try:
        with open(path, "rb") as handle:
            data = handle.read(HEAD_BYTES)
    except OSError:
        return None
    if b"\x00" in data:
        return None
    return data.decode("utf-8", "replace")


def walk(root: Path, excluded: list[str]) -> list[Path]:
    if root.is_file():
        return [root]
    found: list[Path] = []
    for directory, subdirectories, files in os.walk(root):
        here = Path(directory)
        subdirectories[:] = sorted(
            name for name in subdirectories
            if not _skipped_directory(here, name) and not _is_excluded(here / name, root, excluded)
        )
        found.extend(here / name for name in sorted(files)
                     if not _is_excluded(here / name, root, excluded))
    return found


def _is_excluded(path: Path, root: Path, excluded: list[str]) -> bool:
    if not excluded:
        return False
    relative = path.relative_to(root).as_posix()
    return any(Path(relative).match(pattern) or relative.startswith(pattern.rstrip("/") + "/")
               or relative == pattern.rstrip("/") for pattern in excluded)


def classify(path: Path, families: list[tuple[Family, object]]) -> tuple[Family, str] | None:
    try:
        if path.stat().st_size > LARGEST_FILE:
            return None
    except OSError:
        return None
    head = _head(path)
    if head is None:
        return None
    for family, detector in families:
        kind = detector.classify(path, head)  # type: ignore[attr-defined]
        if kind:
            return family, kind
    return None


def discover(roots: list[str], excluded: list[str] | None = None,
             errors: list[ScanError] | None = None) -> dict[str, list[SourceFile]]:
    """Every recognised file under the roots, grouped by family name. A path that cannot be
    resolved (a symbolic link loop) is added to `errors`."""
    families = available_families()
    grouped: dict[str, list[SourceFile]] = {family.name: [] for family, _ in families}
    seen: set[Path] = set()
    for root_text in roots:
        root = Path(root_text)
        for path in walk(root, excluded or []):
            try:
                resolved = path.resolve()
            except (OSError, RuntimeError) as error:  # RuntimeError: a loop, before 3.13
                if errors is not None:
                    errors.append(ScanError(display_path(path), None,
                                            f"cannot be read: {error}"))
                continue
            if resolved in seen:
                continue
            seen.add(resolved)
            claimed = classify(path, families)
            if claimed:
                family, kind = claimed
                grouped[family.name].append(SourceFile(display_path(path), kind, root_text))
    return grouped
