"""file(), fileexists() and templatefile() reads, confined to the scanned tree. Relative paths
are relative to the root module's directory, as for `terraform plan` run there."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dicomguard.model import Unknown
from dicomguard.regular_files import read_regular_text

LARGEST_READ = 4 * 1024 * 1024


class FileAccess:
    def __init__(self, base: Path, allowed: list[Path]) -> None:
        self.base = base
        self.allowed = allowed

    def _confined(self, path: str) -> Path | None:
        resolved = (self.base / path).resolve()
        if any(resolved == root or root in resolved.parents for root in self.allowed):
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
