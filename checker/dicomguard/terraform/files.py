"""file(), fileexists(), fileset() and templatefile() reads, confined to the scanned tree.
Relative paths are relative to the root module's directory, as for `terraform plan` run
there."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from dicomguard.model import Unknown
from dicomguard.regexes import PatternError, compile_pattern
from dicomguard.regular_files import read_regular_text

LARGEST_READ = 4 * 1024 * 1024
LARGEST_LISTING = 10_000


def glob_pattern(glob: str) -> str:
    """fileset()'s pattern language as a regular expression over `/`-separated paths: `*`, `**`,
    `?`, `[class]` (`[!...]` negated) and `{one,other}`."""
    out: list[str] = []
    position, braces = 0, 0
    while position < len(glob):
        character = glob[position]
        if glob.startswith("**/", position):
            out.append("(?:.*/)?")
            position += 3
            continue
        if glob.startswith("**", position):
            out.append(".*")
            position += 2
            continue
        if character == "*":
            out.append("[^/]*")
        elif character == "?":
            out.append("[^/]")
        elif character == "[":
            end = glob.find("]", position + 2)
            if end < 0:
                raise PatternError(f"fileset(): unclosed [ in {glob!r}")
            members = glob[position + 1:end]
            negated = members[:1] in ("!", "^")
            members = members[1:] if negated else members
            out.append(f"[{'^' if negated else ''}{members.replace(chr(92), chr(92) * 2)}]")
            position = end
        elif character == "{":
            braces += 1
            out.append("(?:")
        elif character == "}" and braces:
            braces -= 1
            out.append(")")
        elif character == "," and braces:
            out.append("|")
        elif character == "\\" and position + 1 < len(glob):
            position += 1
            out.append("\\" + glob[position] if not glob[position].isalnum() else glob[position])
        else:
            out.append("\\" + character if not character.isalnum() else character)
        position += 1
    if braces:
        raise PatternError(f"fileset(): unclosed {{ in {glob!r}")
    return "".join(out)


class Confinement:
    """The scanned roots' real directories, which files may be read from. Resolved when a
    file is first read: most configurations read none."""

    def __init__(self, roots: list[str]) -> None:
        self.roots = roots
        self._directories: list[Path] | None = None

    def directories(self) -> list[Path]:
        if self._directories is None:
            self._directories = []
            for root in self.roots:
                path = Path(root).absolute().resolve()
                self._directories.append(path if path.is_dir() else path.parent)
        return self._directories


class FileAccess:
    def __init__(self, base: Path, confinement: Confinement) -> None:
        self.base = base
        self.confinement = confinement

    def _confined(self, path: str) -> Path | None:
        resolved = (self.base / path).resolve()
        allowed = self.confinement.directories()
        if any(resolved == root or root in resolved.parents for root in allowed):
            return resolved
        return None

    def read(self, path: str) -> Any:
        resolved = self._confined(path)
        if resolved is None:
            return Unknown(f"{path} is outside the scanned tree and is not read")
        try:
            if resolved.stat().st_size > LARGEST_READ:
                return Unknown(f"{path} is too large to read")
            return read_regular_text(resolved)
        except (OSError, UnicodeDecodeError):
            return Unknown(f"{path} cannot be read in the scanned tree")

    def exists(self, path: str) -> Any:
        resolved = self._confined(path)
        if resolved is None:
            return Unknown(f"{path} is outside the scanned tree")
        return resolved.is_file()

    def fileset(self, path: str, pattern: str) -> Any:
        """The regular files under path whose path relative to it matches pattern, as a
        sorted set; files outside the scanned tree are never listed."""
        from dicomguard.terraform.values import EvaluationError, as_set

        directory = self._confined(path)
        if directory is None:
            return Unknown(f"{path} is outside the scanned tree and is not listed")
        try:
            matcher = compile_pattern(glob_pattern(pattern))
        except PatternError as error:
            raise EvaluationError(str(error)) from None
        found: list[str] = []
        listed = 0
        for folder, _, names in os.walk(directory):
            for name in names:
                listed += 1
                if listed > LARGEST_LISTING:
                    return Unknown(f"fileset(): {path} holds more than {LARGEST_LISTING} files")
                candidate = Path(folder, name)
                relative = candidate.relative_to(directory).as_posix()
                if matcher.fullmatch(relative) and self._confined(str(candidate)) is not None \
                        and candidate.is_file():
                    found.append(relative)
        return as_set(found)
