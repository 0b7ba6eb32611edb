"""Each unit of work has a time and a memory budget (--unit-timeout, --unit-memory): a unit
over either is stopped and reported as an input error naming its file and line, and every other
unit is still analysed and reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import scan_json

# Valid Terraform, within every size limit, that takes seconds and megabytes to evaluate.
COSTLY_MODULE = """\
locals {
  grid = flatten([for a in range(300) : [for b in range(300) : "${a}-${b}"]])
}

resource "aws_security_group" "pacs" {
  description = length(join(",", local.grid))
  ingress {
    from_port   = 104
    to_port     = 104
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
"""
CANARY_RULES = "*filter\n:INPUT DROP [0:0]\n-A INPUT -p tcp --dport 4242 -j ACCEPT\nCOMMIT\n"


def _tree(root: Path) -> Path:
    (root / "costly").mkdir()
    (root / "costly" / "main.tf").write_text(COSTLY_MODULE, encoding="utf-8")
    (root / "rules.v4").write_text(CANARY_RULES, encoding="utf-8")
    return root


@pytest.mark.parametrize(("option", "value", "message"), [
    ("--unit-timeout", "0.2", "took longer than the 0.2 s a unit may take (--unit-timeout)"),
    ("--unit-memory", "4", "needed more than the 4 MiB a unit may use (--unit-memory)"),
], ids=["time", "memory"])
def test_a_unit_over_its_budget_is_an_input_error_and_the_rest_is_reported(
        tmp_path, option, value, message):
    code, report = scan_json(str(_tree(tmp_path)), option, value)
    assert code == 2
    [error] = report["errors"]
    assert error["file"].endswith("costly/main.tf") and error["line"] == 5
    assert message in error["message"]
    canary = [finding for finding in report["findings"] if finding["file"].endswith("rules.v4")]
    assert [finding["ports"] for finding in canary] == [[4242]]


def test_within_the_default_budget_the_same_unit_is_analysed(tmp_path):
    code, report = scan_json(str(_tree(tmp_path)))
    assert code == 1
    assert report["errors"] == []
    assert {finding["file"].rsplit("/", 1)[-1] for finding in report["findings"]} == {
        "main.tf", "rules.v4"}


@pytest.mark.parametrize("value", ["0", "-1", "soon"])
def test_a_budget_must_be_a_positive_number(cli, tmp_path, value):
    result = cli("scan", str(tmp_path), "--unit-timeout", value)
    assert result.returncode == 2
    assert "is not a positive number of seconds" in result.stderr
