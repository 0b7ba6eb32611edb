"""`.dicomguard.yaml`: found in the scanned root or given with --config, validated readably."""

from __future__ import annotations

import json

import pytest


def _scan(cli, root, *args):
    return cli("scan", str(root), "--format", "json", *args)


@pytest.mark.parametrize(("text", "expected"), [
    ("fail_onn: high\n", "(top level): unknown key 'fail_onn' (did you mean 'fail_on'?); "
                          "known keys: fail_on, extra_ports,"),
    ("fail_on: severe\n", "fail_on: 'severe' is not one of"),
    ("extra_ports:\n  - port: 70000\n", "extra_ports.0.port: 70000 is greater than"),
    ("extra_ports:\n  - {port: 5000, proto: tcp}\n",
     "extra_ports.0: unknown key 'proto' (did you mean 'protocol'?)"),
    ("severity:\n  DG101: urgent\n", "severity.DG101: 'urgent' is not one of"),
    ("disabled_rules: DG101\n", "disabled_rules: 'DG101' is not of type 'array'"),
    ("- fail_on: high\n", "(top level): [{'fail_on': 'high'}] is not of type 'object'"),
])
def test_an_invalid_config_exits_2_naming_the_key(cli, tmp_path, text, expected):
    (tmp_path / ".dicomguard.yaml").write_text(text)
    result = _scan(cli, tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    assert f"dicomguard: error: {tmp_path / '.dicomguard.yaml'}: {expected}" in result.stderr
    assert "Traceback" not in result.stderr


def test_invalid_yaml_names_the_line(cli, tmp_path):
    (tmp_path / ".dicomguard.yaml").write_text("fail_on: high\nexclude: [unclosed\n")
    result = _scan(cli, tmp_path)
    assert result.returncode == 2
    assert f"{tmp_path / '.dicomguard.yaml'}:" in result.stderr
    assert "not valid YAML" in result.stderr


def test_a_missing_config_file_is_a_usage_error(cli, tmp_path):
    result = _scan(cli, tmp_path, "--config", str(tmp_path / "nope.yaml"))
    assert result.returncode == 2
    assert "nope.yaml: cannot read" in result.stderr


def test_fail_on_from_config_and_the_command_line_wins(cli, tmp_path, user_policy):
    policy = user_policy(severity="medium")
    (tmp_path / ".dicomguard.yaml").write_text("fail_on: high\n")
    assert _scan(cli, tmp_path, "--policy", policy).returncode == 0
    assert _scan(cli, tmp_path, "--policy", policy, "--fail-on", "low").returncode == 1


def test_severity_overrides_and_disabled_rules(cli, tmp_path, user_policy):
    policy = user_policy(severity="low")
    (tmp_path / ".dicomguard.yaml").write_text("fail_on: high\nseverity:\n  USR1: critical\n")
    result = _scan(cli, tmp_path, "--policy", policy)
    assert result.returncode == 1
    assert json.loads(result.stdout)["findings"][0]["severity"] == "critical"
    (tmp_path / ".dicomguard.yaml").write_text("disabled_rules: [USR1]\n")
    result = _scan(cli, tmp_path, "--policy", policy)
    assert result.returncode == 0
    assert json.loads(result.stdout)["findings"] == []


def test_policy_dirs_are_relative_to_a_config_file_outside_the_scanned_tree(
        cli, tmp_path, user_policy):
    policy = user_policy()
    config = tmp_path / "settings" / "dicomguard.yaml"
    config.parent.mkdir()
    config.write_text("policy_dirs: [../policies-USR1]\n")
    (tmp_path / "infra").mkdir()
    result = _scan(cli, tmp_path / "infra", "--config", str(config))
    assert result.returncode == 1, result.stderr
    assert json.loads(result.stdout)["findings"][0]["rule_id"] == "USR1"
    assert policy.endswith("policies-USR1")


def test_extra_ports_reach_the_policies(cli, tmp_path):
    (tmp_path / ".dicomguard.yaml").write_text(
        "extra_ports:\n  - {port: 5000, service: viewer}\n")
    dump = tmp_path / "facts.json"
    result = _scan(cli, tmp_path, "--dump-facts", str(dump))
    assert result.returncode == 0, result.stderr
    assert json.loads(dump.read_text())["settings"]["extra_ports"] == [
        {"port": 5000, "protocol": "tcp", "service": "viewer", "severity": "high"}]


def test_the_documented_example_is_valid(tmp_path):
    import re

    import yaml

    from dicomguard.config import validate
    from tests.conftest import PROJECT

    doc = (PROJECT / "docs" / "configuration.md").read_text(encoding="utf-8")
    example = re.search(r"```yaml\n(.*?)```", doc, re.DOTALL).group(1)
    validate(yaml.safe_load(example), "docs/configuration.md")


SECRET = "wJalrXUtnFEMI-not-a-real-key-K7MDENG"


def test_a_repository_config_cannot_send_a_secret_to_a_server(cli, tmp_path, listener):
    (tmp_path / ".dicomguard.yaml").write_text(
        f"engine: opa\nopa_url: {listener.url}\nopa_token_env: AWS_SECRET_ACCESS_KEY\n"
        "opa_timeout: 1\nfail_on: high\n")
    (tmp_path / "main.tf").write_text(
        'resource "aws_ebs_volume" "images" {\n  size = 10\n  encrypted = false\n}\n')
    result = cli("scan", str(tmp_path), "--format", "json",
                 env={"AWS_SECRET_ACCESS_KEY": SECRET})
    assert listener.received == []
    assert SECRET not in result.stdout + result.stderr
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    config = ".dicomguard.yaml"  # relative to the scanned root, as every reported file
    notes = {(note["origin"]["file"], note["origin"]["line"], note["message"].split(":")[0])
             for note in report["notes"]}
    assert {(config, 1, "'engine' ignored"), (config, 2, "'opa_url' ignored"),
            (config, 3, "'opa_token_env' ignored"), (config, 4, "'opa_timeout' ignored"),
            (config, 1, "repository configuration applied")} <= notes
    assert any(note["message"] == "repository configuration applied: fail_on"
               for note in report["notes"])


def test_a_config_named_on_the_command_line_inside_the_scanned_tree_is_the_repositorys(
        cli, tmp_path, listener):
    (tmp_path / "ci.yaml").write_text(f"engine: opa\nopa_url: {listener.url}\n")
    result = cli("scan", str(tmp_path), "--config", str(tmp_path / "ci.yaml"))
    assert listener.received == []
    assert result.returncode == 0, result.stderr
    assert "'opa_url' ignored" in result.stdout


def test_an_operator_config_outside_the_tree_may_choose_the_server(cli, tmp_path, listener):
    (tmp_path / "operator.yaml").write_text(
        f"engine: opa\nopa_url: {listener.url}\nopa_token_env: GATE_TOKEN\nopa_timeout: 2\n")
    (tmp_path / "infra").mkdir()
    result = cli("scan", str(tmp_path / "infra"), "--config", str(tmp_path / "operator.yaml"),
                 env={"GATE_TOKEN": "operator-token"})
    assert result.returncode == 2  # the listener is not an OPA server
    assert any(b"Authorization: Bearer operator-token" in request
               for request in listener.received)


def test_a_repository_config_linking_outside_the_tree_is_not_read(cli, tmp_path):
    secrets = tmp_path / "runner-secrets.yaml"
    secrets.write_text(f"- {SECRET}\n")
    (tmp_path / "repository").mkdir()
    (tmp_path / "repository" / ".dicomguard.yaml").symlink_to(secrets)
    result = cli("scan", str(tmp_path / "repository"))
    assert result.returncode == 2
    assert "a link to a file outside the scanned tree" in result.stderr
    assert SECRET not in result.stdout + result.stderr

def test_rule_ids_in_the_config_are_case_insensitive(cli, tmp_path, user_policy):
    first, second = user_policy("USR1", severity="low"), user_policy("USR2", severity="low")
    options = ("--policy", first, "--policy", second)
    (tmp_path / ".dicomguard.yaml").write_text(
        "fail_on: high\ndisabled_rules: [usr1]\nseverity: {usr2: critical}\n")
    result = _scan(cli, tmp_path, *options)
    assert result.returncode == 1, result.stderr
    assert [(f["rule_id"], f["severity"]) for f in json.loads(result.stdout)["findings"]] == \
        [("USR2", "critical")]


def test_rules_in_the_config_reports_only_those(cli, tmp_path, user_policy):
    options = ("--policy", user_policy("USR1"), "--policy", user_policy("USR2"))
    (tmp_path / ".dicomguard.yaml").write_text("rules: [usr2]\n")
    result = _scan(cli, tmp_path, *options)
    assert [f["rule_id"] for f in json.loads(result.stdout)["findings"]] == ["USR2"]


@pytest.mark.parametrize(("text", "expected"), [
    ("disabled_rules: [DG3O1]\n", "disabled_rules: unknown rule 'DG3O1' (did you mean 'DG301'?)"),
    ("rules: [dg2011]\n", "rules: unknown rule 'dg2011' (did you mean 'DG201'?)"),
    ("severity: {DG44: low}\n", "severity: unknown rule 'DG44' (did you mean 'DG401'?)"),
])
def test_an_unknown_rule_id_in_the_config_is_an_error_with_a_suggestion(cli, tmp_path, text,
                                                                        expected):
    (tmp_path / ".dicomguard.yaml").write_text(text)
    result = _scan(cli, tmp_path)
    assert result.returncode == 2
    assert f".dicomguard.yaml: {expected}" in result.stderr


OPEN_DICOM_TF = ('resource "aws_security_group" "pacs" {\n  ingress {\n    from_port = 104\n'
                 '    to_port = 104\n    protocol = "tcp"\n    cidr_blocks = ["0.0.0.0/0"]\n'
                 '  }\n}\n')


def test_the_repository_roots_config_applies_to_a_scan_of_a_subdirectory(cli, tmp_path,
                                                                           listener):
    """Found at the repository's root, a configuration is the repository's: its rule choices
    apply, its server is ignored, wherever the scan was started."""
    repository = tmp_path / "repository"
    (repository / ".git").mkdir(parents=True)
    (repository / ".dicomguard.yaml").write_text(
        f"disabled_rules: [DG101]\nopa_url: {listener.url}\n")
    (repository / "infra").mkdir()
    (repository / "infra" / "main.tf").write_text(OPEN_DICOM_TF)
    result = cli("scan", str(repository / "infra"), "--format", "json", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert listener.received == []
    messages = [note["message"] for note in json.loads(result.stdout)["notes"]]
    assert any(message.startswith("'opa_url' ignored") for message in messages)


def test_the_working_directorys_config_applies_when_no_other_is_found(cli, tmp_path):
    (tmp_path / ".dicomguard.yaml").write_text("disabled_rules: [DG101]\n")
    (tmp_path / "infra").mkdir()
    (tmp_path / "infra" / "main.tf").write_text(OPEN_DICOM_TF)
    assert cli("scan", "infra", cwd=tmp_path).returncode == 0
    assert cli("scan", ".", cwd=tmp_path / "infra").returncode == 1
