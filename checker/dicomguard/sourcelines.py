"""The text of scanned files, read once per scan, for suppressions and report snippets."""

from __future__ import annotations

from typing import Any

SNIPPET_LIMIT = 200  # characters of a source line shown in reports (minified JSON is one line)


CACHED_FILES = 64  # findings come sorted by file: a few recent files are all a scan rereads


class SourceLines:
    """A per-scan cache of the text and lines of the files read last. Unreadable files are
    empty."""

    def __init__(self) -> None:
        self._texts: dict[str, str] = {}
        self._lines: dict[str, list[str]] = {}

    def text(self, path: str) -> str:
        if path not in self._texts:
            try:
                with open(path, encoding="utf-8", errors="replace") as handle:
                    text = handle.read()
            except OSError:
                text = ""
            _remember(self._texts, path, text)
        return self._texts[path]

    def lines(self, path: str) -> list[str]:
        if path not in self._lines:
            _remember(self._lines, path, self.text(path).splitlines())
        return self._lines[path]

    def line(self, path: str, number: int) -> str:
        """Line `number` (1-based) of `path`, or "" when there is no such line."""
        lines = self.lines(path) if path else []
        return lines[number - 1] if 1 <= number <= len(lines) else ""

    def snippet(self, path: str, number: int) -> str:
        """The line as reports show it: stripped, and cut short when very long."""
        text = self.line(path, number).strip()
        return text if len(text) <= SNIPPET_LIMIT else text[:SNIPPET_LIMIT - 1] + "…"


def _remember(cache: dict[str, Any], path: str, value: Any) -> None:
    if len(cache) >= CACHED_FILES:
        del cache[next(iter(cache))]
    cache[path] = value
