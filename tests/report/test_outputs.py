"""Several reports in one run, the console summary, and text shaped for the terminal."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

from tests.report.test_junit_format import COMPOSE
from tests.test_cli import _on_a_terminal

DG101_FIX = "Limit the source to the networks that must reach the archive"


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    root.mkdir()
    (root / "docker-compose.yml").write_text(COMPOSE, encoding="utf-8")
    return root


def test_each_format_goes_to_its_output_and_one_to_stdout(cli, site, tmp_path):
    sarif, junit = tmp_path / "dicomguard.sarif", tmp_path / "dicomguard.xml"
    result = cli("scan", str(site), "-f", "sarif", "-o", str(sarif), "-f", "text",
                 "--format", "junit", "--output", str(junit))
    assert result.returncode == 1, result.stderr
    assert json.loads(sarif.read_text())["runs"][0]["results"]
    assert ElementTree.parse(junit).getroot().tag == "testsuites"
    assert result.stdout.startswith("docker-compose.yml\n  HIGH  DG304")
    assert result.stderr == ""


def test_a_one_line_summary_on_stderr_when_every_report_goes_to_a_file(cli, site, tmp_path):
    result = cli("scan", str(site), "-f", "sarif", "-o", str(tmp_path / "a.sarif"),
                 "-f", "json", "-o", str(tmp_path / "a.json"))
    assert result.returncode == 1
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line.startswith("dicomguard: 6 findings (3 critical, 3 high) in 1 file")
    assert line.endswith("failed (--fail-on low)")
    assert cli("scan", str(site), "-q", "-f", "json", "-o", str(tmp_path / "b.json")).stderr == ""


def test_only_one_report_may_go_to_stdout(cli, site):
    result = cli("scan", str(site), "-f", "json", "-f", "text")
    assert result.returncode == 2
    assert "2 reports (json, text) would go to standard output" in result.stderr
    assert "Traceback" not in result.stderr


def test_compact_prints_each_rules_fix_once(cli, site):
    full = cli("scan", str(site))
    assert full.stdout.count(DG101_FIX) == 2
    compact = cli("scan", str(site), "--compact")
    assert compact.returncode == 1
    assert compact.stdout.count(DG101_FIX) == 1
    assert "    fix: as for DG101 above\n" in compact.stdout


def test_text_is_wrapped_to_the_terminal_width(cli, site):
    narrow = cli("scan", str(site), env={"COLUMNS": "60"}).stdout.splitlines()
    findings = narrow[:narrow.index("") + 1]
    assert max(len(line) for line in findings) <= 60
    wide = cli("scan", str(site)).stdout.splitlines()
    assert max(len(line) for line in wide[:wide.index("")]) > 60


def test_force_color_forces_colour_term_dumb_disables_it_no_color_wins(cli, site):
    forced = cli("scan", str(site), env={"FORCE_COLOR": "1", "NO_COLOR": ""})
    assert "\033[1;31mCRITICAL\033[0m" in forced.stdout
    assert "\033[" not in cli("scan", str(site), env={"FORCE_COLOR": "1"}).stdout
    args = ["scan", str(site)]
    assert "\033[" in _on_a_terminal(args, {"TERM": "xterm"})
    assert "\033[" not in _on_a_terminal(args, {"TERM": "dumb"})
    assert "\033[" in _on_a_terminal(args, {"TERM": "dumb", "FORCE_COLOR": "1"})
