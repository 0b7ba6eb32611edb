"""The text of scanned files, read once per scan, for suppressions and report snippets."""

from __future__ import annotations

SNIPPET_LIMIT = 200  # characters of a source line shown in reports (minified JSON is one line)


class SourceLines:
    """A per-scan cache of file text and lines. Unreadable files are empty."""

    def __init__(self) -> None:
        self._texts: dict[str, str] = {}
        self._lines: dict[str, list[str]] = {}

    def text(self, path: str) -> str:
        if path not in self._texts:
            try:
                with open(path, encoding="utf-8", errors="replace") as handle:
                    self._texts[path] = handle.read()
            except OSError:
                self._texts[path] = ""
        return self._texts[path]

    def lines(self, path: str) -> list[str]:
        if path not in self._lines:
            self._lines[path] = self.text(path).splitlines()
        return self._lines[path]

    def line(self, path: str, number: int) -> str:
        """Line `number` (1-based) of `path`, or "" when there is no such line."""
        lines = self.lines(path) if path else []
        return lines[number - 1] if 1 <= number <= len(lines) else ""

    def snippet(self, path: str, number: int) -> str:
        """The line as reports show it: stripped, and cut short when very long."""
        text = self.line(path, number).strip()
        return text if len(text) <= SNIPPET_LIMIT else text[:SNIPPET_LIMIT - 1] + "…"
