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
    errors = report["errors"]
    assert errors and all(error["file"].endswith("costly/main.tf") for error in errors)
    assert any(error["line"] == 5 and message in error["message"] for error in errors), errors
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


def test_a_value_a_stopped_unit_was_computing_is_unresolved_for_the_others(tmp_path):
    """Resources share a local whose evaluation the budget stopped: the others are reported as
    unresolved with that reason (never passed, never told the local refers to itself)."""
    (tmp_path / "main.tf").write_text(COSTLY_MODULE.replace(
        '  description = length(join(",", local.grid))\n', "  count = 3\n").replace(
        "from_port   = 104", "from_port   = local.port").replace(
        "to_port     = 104", "to_port     = local.port").replace(
        "}\n\nresource", '  port = length(local.grid) > 0 ? 104 : 22\n}\n\nresource'),
        encoding="utf-8")
    code, report = scan_json(str(tmp_path), "--unit-timeout", "0.2")
    assert code == 2
    exposed = {finding["resource"] for finding in report["findings"]
               if 104 in finding.get("ports", []) and finding["confidence"] == "unresolved"}
    assert exposed == {"aws_security_group.pacs[1]", "aws_security_group.pacs[2]"}
    reasons = " ".join([*(error["message"] for error in report["errors"]),
                        *(reason for finding in report["findings"]
                          for reason in finding.get("unknown", []))])
    assert "--unit-timeout" in reasons and "refers to itself" not in reasons
