"""`dicomguard scan --help` is where a user learns the report formats: every format the
registry finds is listed there with what it is for, so no other page has to keep a list."""

from __future__ import annotations

import re

from dicomguard.report import registry


def test_help_lists_every_format_with_what_it_is_for(cli) -> None:
    result = cli("scan", "--help")
    assert result.returncode == 0, result.stderr
    section = result.stdout.split("report formats (--format):\n", 1)[1]
    described = dict(re.findall(r"^  (\w+) +(\S.*)$", section, re.MULTILINE))
    assert list(described) == list(registry())
    assert described["sarif"].startswith("SARIF 2.1.0 for code-scanning services")
    assert described["json"] == "JSON report, documented by schemas/report.schema.json."
    assert all(summary.strip() for summary in described.values())
