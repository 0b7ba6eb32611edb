"""The lines of scanned files, read once per scan, for suppressions and report snippets."""

from __future__ import annotations


class SourceLines:
    """A per-scan cache of file lines. Unreadable files have no lines."""

    def __init__(self) -> None:
        self._lines: dict[str, list[str]] = {}

    def lines(self, path: str) -> list[str]:
        if path not in self._lines:
            try:
                with open(path, encoding="utf-8", errors="replace") as handle:
                    self._lines[path] = handle.read().splitlines()
            except OSError:
                self._lines[path] = []
        return self._lines[path]

    def line(self, path: str, number: int) -> str:
        """Line `number` (1-based) of `path`, or "" when there is no such line."""
        lines = self.lines(path) if path else []
        return lines[number - 1] if 1 <= number <= len(lines) else ""
