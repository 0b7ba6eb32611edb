"""Write the reports a scan asked for: each to its file or to standard output, coloured and
wrapped for the terminal only when it goes there."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any, TextIO

from dicomguard.records import replace
from dicomguard.report import RenderOptions, render

FILE_WIDTH = 100
NARROWEST = 40


def color_wanted(stream: TextIO, no_color: bool = False) -> bool:
    """NO_COLOR and --no-color always win; then FORCE_COLOR forces colour, TERM=dumb turns it
    off, and otherwise a terminal gets colour."""
    if no_color or os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    if os.environ.get("TERM") == "dumb":
        return False
    return bool(getattr(stream, "isatty", lambda: False)())


def terminal_width() -> int:
    return max(NARROWEST, shutil.get_terminal_size((FILE_WIDTH, 24)).columns)


def write_file(path: str, text: str, what: str) -> str | None:
    """Write `text` to `path`; the error message naming the path when it cannot be."""
    try:
        Path(path).write_text(text, encoding="utf-8")
    except OSError as error:
        return f"{path}: cannot write the {what}: {error.strerror or error}"
    return None


def write_reports(report: Any, requests: list[Any], options: RenderOptions, stdout: TextIO,
                  no_color: bool = False) -> list[str]:
    """Render and write every requested report; the problems met. A report whose file cannot
    be written goes to standard output when no other report does, so nothing is lost."""
    problems: list[str] = []
    stdout_taken = any(request.output is None for request in requests)
    for request in requests:
        if request.output is None:
            styled = replace(options, color=color_wanted(stdout, no_color),
                                         width=terminal_width())
            stdout.write(render(report, request.format, styled))
            continue
        text = render(report, request.format, options)
        problem = write_file(request.output, text, "report")
        if problem:
            problems.append(problem)
            if not stdout_taken:
                stdout.write(text)
                stdout_taken = True
    return problems
