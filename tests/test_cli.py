"""The command as users and CI call it: exit codes, options, policies, never a traceback."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys

import pytest

from dicomguard import __version__
from tests.conftest import EXAMPLES


def test_a_clean_tree_exits_0(cli, tmp_path):
    result = cli("scan", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].startswith("dicomguard: no findings")


def test_findings_exit_1_at_or_above_fail_on(cli, tmp_path, user_policy):
    medium = user_policy(severity="medium")
    assert cli("scan", str(tmp_path), "--policy", medium).returncode == 1
    assert cli("scan", str(tmp_path), "--policy", medium, "--fail-on", "medium").returncode == 1
    passed = cli("scan", str(tmp_path), "--policy", medium, "--fail-on", "high")
    assert passed.returncode == 0
    assert "MEDIUM  USR1  Archive without authentication" in passed.stdout
    assert passed.stdout.rstrip().endswith("passed (--fail-on high)")


def test_unresolved_findings_fail_only_with_strict(cli, tmp_path, user_policy):
    unresolved = user_policy(severity="critical", confidence="unresolved")
    relaxed = cli("scan", str(tmp_path), "--policy", unresolved)
    assert relaxed.returncode == 0
    assert "[unresolved]" in relaxed.stdout
    assert cli("scan", str(tmp_path), "--policy", unresolved, "--strict").returncode == 1


def test_path_is_the_default_command(cli, tmp_path, user_policy):
    result = cli(str(tmp_path), "--policy", user_policy(), "--format", "json")
    assert result.returncode == 1
    assert json.loads(result.stdout)["summary"]["findings"] == 1


def test_output_writes_the_report_to_a_file(cli, tmp_path, user_policy):
    target = tmp_path / "out" / "report.sarif"
    target.parent.mkdir()
    result = cli("scan", str(tmp_path / "out"), "--policy", user_policy(), "--format", "sarif",
                 "--output", str(target))
    assert result.returncode == 1
    assert result.stdout == ""
    assert json.loads(target.read_text())["runs"][0]["results"][0]["ruleId"] == "USR1"


def test_every_format_gives_the_same_exit_code(cli, tmp_path, user_policy):
    policy = user_policy(severity="high")
    for name in ("text", "json", "sarif", "junit", "github"):
        result = cli("scan", str(tmp_path), "--policy", policy, "--format", name)
        assert result.returncode == 1, (name, result.stderr)
        assert "USR1" in result.stdout


def test_quiet_prints_only_findings(cli, tmp_path, user_policy):
    assert cli("scan", str(tmp_path), "--quiet").stdout == ""
    result = cli("scan", str(tmp_path), "--quiet", "--policy", user_policy())
    assert "USR1" in result.stdout
    assert "dicomguard:" not in result.stdout


def test_version(cli):
    result = cli("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"dicomguard {__version__}"


def test_policies_list_and_show(cli, user_policy):
    listing = cli("policies", "list", "--policy", user_policy())
    assert listing.returncode == 0
    rows = {line.split()[0]: line.split() for line in listing.stdout.splitlines()}
    assert rows["DG101"][1:3] == ["critical", "exposed-dicom-port"]
    assert rows["DG201"][1:3] == ["high", "unencrypted-storage"]
    assert rows["USR1"][1:3] == ["medium", "missing-authentication"]
    shown = cli("policies", "show", "DG101")
    assert shown.returncode == 0
    assert shown.stdout.startswith("DG101  DICOM or PACS port reachable from the internet")
    assert "remediation:" in shown.stdout and "HIPAA 45 CFR 164.312(e)(1)" in shown.stdout
    missing = cli("policies", "show", "DG999")
    assert missing.returncode == 2
    assert "no rule 'DG999'" in missing.stderr and "DG101" in missing.stderr


def test_usage_errors_exit_2_without_a_traceback(cli, tmp_path):
    for args in (("scan", str(tmp_path / "missing")),
                 ("scan", "--format", "pdf"),
                 ("scan", str(tmp_path), "--fail-on", "severe"),
                 ("scan", str(tmp_path), "--policy", str(tmp_path / "no-policies")),
                 ("scan", str(tmp_path), "--var", "novalue"),
                 ("policies",)):
        result = cli(*args)
        assert result.returncode == 2, (args, result.stdout, result.stderr)
        assert "Traceback" not in result.stderr
        assert result.stderr.strip(), args
    missing = cli("scan", str(tmp_path / "missing"))
    assert f"{tmp_path / 'missing'}: no such file or directory" in missing.stderr


@pytest.mark.parametrize("debug", ["", "1"])
def test_an_internal_error_exits_2_with_the_traceback_only_when_debugging(tmp_path, debug):
    """A report that cannot be written anywhere (standard output closed by the caller) is the
    unforeseen failure here: it must still exit 2, never 1 or 0."""
    result = subprocess.run(
        [sys.executable, "-m", "dicomguard", "scan", str(EXAMPLES / "terraform" / "insecure-pacs")],
        env={**os.environ, "DICOMGUARD_DEBUG": debug}, preexec_fn=lambda: os.close(1),
        stderr=subprocess.PIPE, text=True, timeout=300)
    assert result.returncode == 2
    assert "dicomguard: internal error:" in result.stderr
    assert ("Traceback (most recent call last)" in result.stderr) == bool(debug)


def test_a_broken_user_policy_exits_2_with_its_file(cli, tmp_path):
    policies = tmp_path / "policies"
    policies.mkdir()
    (policies / "broken.rego").write_text("package dicomguard.rules.broken\n\ndeny contains {\n")
    result = cli("scan", str(tmp_path / "policies"), "--policy", str(policies))
    assert result.returncode == 2
    assert "broken.rego" in result.stderr
    assert "Traceback" not in result.stderr


def _on_a_terminal(args: list[str], env: dict[str, str], stream: str = "stdout") -> str:
    """Run the command with its standard output (or error) on a pseudo-terminal, as in an
    interactive shell."""
    controller, terminal = pty.openpty()
    environment = {key: value for key, value in os.environ.items() if key != "NO_COLOR"}
    environment.update(env)
    other = subprocess.DEVNULL
    process = subprocess.Popen([sys.executable, "-m", "dicomguard", *args],
                               stdout=terminal if stream == "stdout" else other,
                               stderr=terminal if stream == "stderr" else other, env=environment)
    os.close(terminal)
    chunks = []
    while True:
        try:
            chunk = os.read(controller, 4096)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    process.wait(timeout=120)
    os.close(controller)
    return b"".join(chunks).decode()


def test_colour_on_a_terminal_unless_no_color(tmp_path):
    args = ["scan", str(tmp_path)]
    assert "\033[" in _on_a_terminal(args, {})
    assert "\033[" not in _on_a_terminal(args, {"NO_COLOR": "1"})
    assert "\033[" not in _on_a_terminal([*args, "--no-color"], {})


def test_a_large_scan_at_a_terminal_shows_how_many_units_are_done(tmp_path):
    for index in range(320):
        site = tmp_path / f"site-{index:03d}"
        site.mkdir()
        (site / "main.tf").write_text('resource "aws_s3_bucket" "images" {\n  bucket = "x"\n}\n')
    shown = _on_a_terminal(["scan", str(tmp_path), "--jobs", "2"], {}, stream="stderr")
    assert "finding files" in shown
    assert "read and evaluated 320 of 320 units" in shown
    assert "Traceback" not in shown


def test_no_colour_when_piped(tmp_path):
    environment = {key: value for key, value in os.environ.items() if key != "NO_COLOR"}
    result = subprocess.run([sys.executable, "-m", "dicomguard", "scan", str(tmp_path)],
                            capture_output=True, text=True, env=environment, timeout=120)
    assert "\033[" not in result.stdout


def test_end_to_end_reports_point_at_the_line_to_change(cli, tmp_path):
    (tmp_path / "docker-compose.yml").write_text(
        'services:\n  gateway:\n    image: nginx:1.27\n    ports:\n      - "104:104"\n')
    text = cli("scan", ".", cwd=tmp_path)
    assert text.returncode == 1
    assert text.stdout.startswith("docker-compose.yml\n  CRITICAL  DG101")
    assert "    docker-compose.yml:5  services.gateway\n" in text.stdout
    assert '      5 | - "104:104"\n' in text.stdout
    github = cli("scan", ".", "--format", "github", cwd=tmp_path)
    assert github.stdout.startswith(
        "::error file=docker-compose.yml,line=5,endLine=5,"
        "title=DG101 DICOM or PACS port reachable from the internet::")
    junit = cli("scan", ".", "--fail-on", "critical", "--format", "junit", cwd=tmp_path)
    assert junit.returncode == 1
    assert '<testcase classname="docker-compose.yml" name="services.gateway">' in junit.stdout


def test_rule_and_skip_rule_select_rules_in_any_letter_case(cli, tmp_path, user_policy):
    first, second = user_policy("USR1"), user_policy("USR2")
    both = ("scan", str(tmp_path), "--policy", first, "--policy", second, "--format", "json")

    def reported(*options: str) -> list[str]:
        result = cli(*both, *options)
        assert result.returncode in (0, 1), result.stderr
        return [finding["rule_id"] for finding in json.loads(result.stdout)["findings"]]

    assert reported() == ["USR1", "USR2"]
    assert reported("--skip-rule", "usr1") == ["USR2"]
    assert reported("--skip-rule", "usr1", "--skip-rule", "Usr2") == []
    assert reported("--rule", "usr2") == ["USR2"]
    assert reported("--rule", "USR1", "--rule", "usr2") == ["USR1", "USR2"]
    assert cli(*both, "--skip-rule", "usr1", "--skip-rule", "usr2").returncode == 0


@pytest.mark.parametrize("option", ["--rule", "--skip-rule"])
def test_an_unknown_rule_id_is_an_error_with_a_suggestion(cli, tmp_path, option):
    result = cli("scan", str(tmp_path), option, "DG1O1")
    assert result.returncode == 2
    assert f"{option}: unknown rule 'DG1O1' (did you mean 'DG101'?)" in result.stderr
    assert "internal error" not in result.stderr


def test_soft_fail_reports_findings_but_exits_0_and_input_errors_still_exit_2(
        cli, tmp_path, user_policy):
    result = cli("scan", str(tmp_path), "--policy", user_policy(), "--soft-fail")
    assert result.returncode == 0
    assert "USR1" in result.stdout
    (tmp_path / "broken.tf").write_text('resource "x" {\n', encoding="utf-8")
    broken = cli("scan", str(tmp_path), "--policy", user_policy("USR2"), "--soft-fail")
    assert broken.returncode == 2
    assert "broken.tf" in broken.stdout


@pytest.mark.parametrize("command", ["policies", "baseline"])
def test_a_command_without_its_action_prints_its_usage(cli, command):
    result = cli(command)
    assert result.returncode == 2
    assert f"usage: dicomguard {command}" in result.stderr
    assert "create" in result.stderr or "list" in result.stderr
    assert "internal error" not in result.stderr


def test_policies_show_takes_a_rule_id_in_any_letter_case(cli):
    result = cli("policies", "show", "dg101")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("DG101  ")


def test_an_unwritable_output_is_an_error_naming_it_and_the_report_goes_to_stdout(
        cli, tmp_path, user_policy):
    target = tmp_path / "missing-directory" / "report.json"
    result = cli("scan", str(tmp_path), "--policy", user_policy(), "--format", "json",
                 "--output", str(target))
    assert result.returncode == 2
    assert f"{target}: cannot write the report" in result.stderr
    assert json.loads(result.stdout)["findings"][0]["rule_id"] == "USR1"
    assert "internal error" not in result.stderr


def test_an_unwritable_dump_facts_is_an_error_naming_it_and_the_report_is_kept(
        cli, tmp_path, user_policy):
    facts = tmp_path / "missing-directory" / "facts.json"
    report = tmp_path / "report.json"
    result = cli("scan", str(tmp_path), "--policy", user_policy(), "--format", "json",
                 "--dump-facts", str(facts), "--output", str(report))
    assert result.returncode == 2
    assert f"{facts}: cannot write the facts" in result.stderr
    assert json.loads(report.read_text())["findings"][0]["rule_id"] == "USR1"
