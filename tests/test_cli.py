"""The command as users and CI call it: exit codes, options, policies, never a traceback."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys

import pytest

from dicomguard import __version__


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
def test_an_internal_error_exits_2_with_the_traceback_only_when_debugging(cli, tmp_path, debug):
    result = cli("scan", str(tmp_path), "--output", str(tmp_path),
                 env={"DICOMGUARD_DEBUG": debug})
    assert result.returncode == 2
    assert "dicomguard: internal error: IsADirectoryError" in result.stderr
    assert ("Traceback (most recent call last)" in result.stderr) == bool(debug)


def test_a_broken_user_policy_exits_2_with_its_file(cli, tmp_path):
    policies = tmp_path / "policies"
    policies.mkdir()
    (policies / "broken.rego").write_text("package dicomguard.rules.broken\n\ndeny contains {\n")
    result = cli("scan", str(tmp_path / "policies"), "--policy", str(policies))
    assert result.returncode == 2
    assert "broken.rego" in result.stderr
    assert "Traceback" not in result.stderr


def _on_a_terminal(args: list[str], env: dict[str, str]) -> str:
    """Run the command with its output on a pseudo-terminal, as in an interactive shell."""
    controller, terminal = pty.openpty()
    environment = {key: value for key, value in os.environ.items() if key != "NO_COLOR"}
    environment.update(env)
    process = subprocess.Popen([sys.executable, "-m", "dicomguard", *args], stdout=terminal,
                               stderr=subprocess.DEVNULL, env=environment)
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
    assert '<testcase classname="DG101" name="services.gateway" file="docker-compose.yml">' \
        in junit.stdout
