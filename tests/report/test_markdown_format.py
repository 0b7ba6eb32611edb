"""Markdown summary for a pull-request comment or a GitHub job summary."""

from __future__ import annotations

import json
import re
from pathlib import Path

from dicomguard.model import Facts, ScanError
from dicomguard.report import RenderOptions, render
from tests.report.test_html_format import EXPOSED, SUPPRESSED_VOLUME

HOSTILE = "x|`y`|<img src=x onerror=alert(1)>[l](https://evil.example) @org/team \\|"
CODE_SPAN = re.compile(r"(`+) (.*?) \1(?!`)")


def _repository(root: Path, **files: str) -> Path:
    root.mkdir()
    (root / "main.tf").write_text(EXPOSED)
    (root / "volumes.tf").write_text(SUPPRESSED_VOLUME)
    for name, text in files.items():
        (root / name).write_text(text)
    return root


def _cells(row: str) -> int:
    """How many cell boundaries a GitHub table row has: a pipe not escaped by a backslash."""
    boundaries, index = 0, 0
    while index < len(row):
        if row[index] == "\\":
            index += 2
            continue
        boundaries += row[index] == "|"
        index += 1
    return boundaries


def test_counts_by_severity_and_a_row_per_finding_with_its_fix(tmp_path, cli):
    repository = _repository(tmp_path / "repo")
    result = cli("scan", str(repository), "--format", "markdown")
    listed = json.loads(cli("scan", str(repository), "--format", "json").stdout)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0] == "### dicomguard: failed (`--fail-on low`)"
    assert "1 suppressed" in lines[2]
    for severity, count in listed["summary"]["by_severity"].items():
        assert f"| {severity} | {count} |" in lines
    active = [finding for finding in listed["findings"] if not finding["suppressed"]]
    rows = [line for line in lines if line.startswith("| **` ")]
    assert len(rows) == len(active) > 0
    for finding, row in zip(sorted(active, key=lambda f: (f["file"], f["line"])), rows,
                            strict=True):
        assert f"` {finding['file']}:{finding['line']} `" in row
        assert f"` {finding['rule_id']} {finding['title']} `" in row
        assert f"` {finding['message']} `" in row
        assert f"` {finding['remediation']} `" in row
    assert "DG201" not in result.stdout  # suppressed


def test_a_passing_scan_says_so(tmp_path, cli):
    repository = _repository(tmp_path / "repo")
    result = cli("scan", str(repository), "--format", "markdown", "--skip-rule", "DG101")
    assert result.returncode == 0
    assert result.stdout.splitlines()[:3] == [
        "### dicomguard: passed (`--fail-on low`)", "", "**0 findings** in 2 files; 1 suppressed."]
    assert "No findings." in result.stdout


def test_a_hostile_name_stays_text_inside_its_cell(tmp_path, cli):
    hostile = EXPOSED.replace('"pacs"', json.dumps(HOSTILE))
    repository = _repository(tmp_path / "repo", **{"<b>@team|x.tf": hostile})
    result = cli("scan", str(repository), "--format", "markdown")
    rows = [line for line in result.stdout.splitlines() if line.startswith("| **")]
    assert any("<img src=x onerror=alert(1)>" in row for row in rows)
    for row in rows:
        assert _cells(row) == 6, row  # five cells, whatever the names hold
        outside_code = CODE_SPAN.sub("", row)
        for markup in ("<", "[", "@", "http"):
            assert markup not in outside_code, row


def test_control_characters_cannot_forge_lines_or_workflow_commands(pacs_facts, report_for):
    _, facts = pacs_facts
    report = report_for(facts, errors=[ScanError("a|b.tf", 4, "broken\n::error::forged")])
    report.findings[0].message = "first line\n::warning::forged\n| x | y |"
    text = render(report, "markdown", RenderOptions())
    assert not any(line.startswith(("::", "| x")) for line in text.splitlines())
    assert "- ` a|b.tf:4: broken\\n::error::forged `" not in text
    assert "- ` a\\|b.tf:4: broken\\n::error::forged `" in text
    assert "` first line\\n::warning::forged\\n\\| x \\| y \\| `" in text


def test_no_findings_and_no_errors(report_for):
    text = render(report_for(Facts()), "markdown", RenderOptions())
    assert "No findings." in text
    assert "Errors" not in text
