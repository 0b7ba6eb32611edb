"""GitHub Actions workflow commands: pull-request annotations for findings and errors."""

from __future__ import annotations

from typing import Any

from dicomguard.report import Format, RenderOptions
from dicomguard.report.escaping import visible


def escape_data(text: str) -> str:
    """GitHub's escaping of %, CR and LF, then any other control character (an escape
    sequence, a line separator) shown as `\\x1b`, so an annotation stays one plain line."""
    return visible(text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(level: str, message: str, **properties: Any) -> str:
    given = ",".join(f"{name}={escape_property(str(value))}"
                     for name, value in properties.items() if value not in (None, ""))
    return f"::{level} {given}::{escape_data(message)}" if given else \
        f"::{level}::{escape_data(message)}"


def _finding_command(finding: Any, options: RenderOptions) -> str:
    level = "error" if options.gate.fails(finding) else "warning"
    title = f"{finding.rule_id} {finding.title}"
    if finding.confidence == "unresolved":
        title += " (unresolved)"
    message = finding.message
    if finding.remediation:
        message += f"\nFix: {finding.remediation}"
    if not finding.file:
        return command(level, message, title=title)
    return command(level, message, file=finding.file, line=finding.line,
                   endLine=finding.end_line, title=title)


def render(report: Any, options: RenderOptions) -> str:
    lines = [_finding_command(finding, options) for finding in report.findings
             if not finding.suppressed and finding.baseline != "unchanged"]
    lines += [command("error", error.message, file=error.file, line=error.line,
                      title="dicomguard: input could not be read")
              for error in report.errors]
    if not options.quiet:
        lines += [command("warning", item.get("message", ""),
                          file=item.get("origin", {}).get("file", ""),
                          line=item.get("origin", {}).get("line"), title="dicomguard note")
                  for item in report.notes]
    return "\n".join(lines) + "\n" if lines else ""


FORMAT = Format("github", render)
