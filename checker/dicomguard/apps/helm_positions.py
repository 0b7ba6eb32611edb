"""Lines of `helm template` output traced back to the template lines that wrote them.

helm heads every rendered document with `# Source: <chart>/templates/x.yaml`. Within one
document, each rendered line is matched to the next template line whose literal text agrees
with it once every `{{ ... }}` action is allowed to stand for anything (whitespace ignored, as
`nindent` and `{{-` move it). A line no template line accounts for (the body of an `include`,
a `toYaml` block) keeps the last matched line; before any match, the template's first line.
"""

from __future__ import annotations

import re
from pathlib import Path

from dicomguard.records import record

SOURCE_HEADER = re.compile(r"^# Source: (\S.*)$")
ACTION = re.compile(r"\{\{.*?\}\}")
WHITESPACE = re.compile(r"\s+")


@record(frozen=True)
class Position:
    file: Path
    line: int


def _pattern(template_line: str) -> re.Pattern[str] | None:
    """What a rendered line written by this template line looks like; None for a line of
    actions only (it writes nothing of its own)."""
    parts = [WHITESPACE.sub("", part) for part in ACTION.split(template_line)]
    if not any(parts):
        return None
    return re.compile(".*".join(re.escape(part) for part in parts))


class TemplateLines:
    """One template's line patterns, and where the previous document of it ended."""

    def __init__(self, text: str) -> None:
        self.patterns = [_pattern(line) for line in text.splitlines()]
        self.resume = 0

    def match(self, rendered: str, start: int) -> int | None:
        """The 0-based index of the first template line from start that wrote `rendered`."""
        squeezed = WHITESPACE.sub("", rendered)
        for index in range(start, len(self.patterns)):
            pattern = self.patterns[index]
            if pattern is not None and pattern.fullmatch(squeezed):
                return index
        return None


def source_blocks(rendered: str) -> list[tuple[str, int, int]]:
    """(source path as helm names it, first line, last line) of each rendered document, with
    1-based lines of the rendered output."""
    lines = rendered.splitlines()
    blocks: list[tuple[str, int, int]] = []
    for number, line in enumerate(lines, start=1):
        found = SOURCE_HEADER.match(line)
        if found:
            if blocks:
                source, first, _ = blocks[-1]
                blocks[-1] = (source, first, number - 1)
            blocks.append((found.group(1).strip(), number, number))
    if blocks:
        source, first, _ = blocks[-1]
        blocks[-1] = (source, first, len(lines))
    return blocks


def template_file(chart_dir: Path, source: str) -> Path | None:
    """The file of the scanned chart a `# Source:` path names (its first part is the chart's
    name, not its directory); None when it is not a file inside the chart."""
    parts = Path(source).parts[1:]
    if not parts or ".." in parts:
        return None
    candidate = chart_dir.joinpath(*parts)
    return candidate if candidate.is_file() else None


def line_map(rendered: str, chart_dir: Path, templates: dict[Path, TemplateLines],
             fallback: Path) -> dict[int, Position]:
    """Where each line of the rendered output was written. templates caches each template's
    patterns (read by the caller: it alone opens files)."""
    lines = rendered.splitlines()
    positions: dict[int, Position] = {}
    for source, first, last in source_blocks(rendered):
        where = template_file(chart_dir, source)
        template = templates.get(where) if where is not None else None
        if where is None or template is None:
            for number in range(first, last + 1):
                positions[number] = Position(fallback, 1)
            continue
        current: int | None = None
        for number in range(first, last + 1):
            text = lines[number - 1]
            if text.strip() and number != first and text.strip() != "---":
                start = template.resume if current is None else current + 1
                found = template.match(text, start)
                if found is None and current is None:
                    found = template.match(text, 0)  # helm orders documents by kind
                if found is not None:
                    current = found
            positions[number] = Position(where, 1 if current is None else current + 1)
        if current is not None:
            template.resume = current + 1
    return positions
