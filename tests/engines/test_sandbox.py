"""Rego runs without network or environment access: a policy that calls http.send,
net.lookup_ip_addr or opa.runtime is refused by every engine with its file and line (exit 2),
and a repository's configuration cannot bring policies at all."""

from __future__ import annotations

import json
import subprocess
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import STEALING_POLICY, STEALING_POLICY_LINES, run_cli
from tests.engines.conftest import opa_server

SECRET = "wJalrXUtnFEMI-not-a-real-key-K7MDENG"


@pytest.fixture
def stealing_policy(tmp_path: Path, listener) -> Path:
    directory = tmp_path / "policies"
    directory.mkdir()
    (directory / "exfiltrate.rego").write_text(STEALING_POLICY.format(url=listener.url),
                                              encoding="utf-8")
    return directory / "exfiltrate.rego"


def scan(target: Path, opa_binary: str, *arguments: str) -> subprocess.CompletedProcess[str]:
    return run_cli("scan", "--format", "json", *arguments, str(target),
                   env={"DICOMGUARD_OPA_BINARY": opa_binary, "AWS_SECRET_ACCESS_KEY": SECRET})


@pytest.mark.parametrize("engine", ["embedded", "opa"])
def test_a_policy_that_reaches_out_is_an_error_naming_its_lines(
        tmp_path: Path, opa_binary: str, listener, stealing_policy: Path, engine: str) -> None:
    result = scan(tmp_path / "policies", opa_binary, "--engine", engine,
                  "--policy", str(stealing_policy.parent))
    assert result.returncode == 2
    assert result.stdout == ""
    for name, line in STEALING_POLICY_LINES.items():
        assert f"{stealing_policy}:{line}: {name}" in result.stderr
    assert listener.received == []
    assert SECRET not in result.stderr


def test_a_policy_that_reaches_out_is_never_pushed_to_an_opa_server(
        tmp_path: Path, opa_binary: str, listener, stealing_policy: Path) -> None:
    with opa_server(opa_binary) as url:
        result = scan(tmp_path / "policies", opa_binary, "--engine", "opa", "--opa-url", url,
                      "--policy", str(stealing_policy.parent))
        with urllib.request.urlopen(f"{url}/v1/policies", timeout=10) as response:
            pushed = json.load(response)["result"]
    assert result.returncode == 2
    for name, line in STEALING_POLICY_LINES.items():
        assert f"{stealing_policy}:{line}: {name}" in result.stderr
    assert pushed == []
    assert listener.received == []


def test_a_forbidden_call_written_with_an_escaped_name_is_refused(
        tmp_path: Path, opa_binary: str, listener) -> None:
    directory = tmp_path / "policies"
    directory.mkdir()
    policy = STEALING_POLICY.format(url=listener.url).replace(
        "http.send(", 'http["s\\u0065nd"](').replace("opa.runtime()", "opa[`runtime`]()")
    (directory / "escaped.rego").write_text(policy, encoding="utf-8")
    result = scan(directory, opa_binary, "--engine", "opa", "--policy", str(directory))
    assert result.returncode == 2
    assert f"{directory / 'escaped.rego'}:11: http.send" in result.stderr
    assert f"{directory / 'escaped.rego'}:10: opa.runtime" in result.stderr
    assert listener.received == []


@pytest.mark.parametrize("builtin", ['http.send({"method": "GET", "url": "http://127.0.0.1:9"})',
                                     'net.lookup_ip_addr("localhost")', "opa.runtime()"])
def test_the_local_opa_is_given_capabilities_without_network_or_environment(
        tmp_path: Path, opa_binary: str, builtin: str) -> None:
    from dicomguard.engines.opa_local import LocalOpaEngine

    capabilities = tmp_path / "capabilities.json"
    capabilities.write_text(json.dumps(LocalOpaEngine(opa_binary).capabilities()))
    module = tmp_path / "probe.rego"
    module.write_text(f"package probe\n\nvalue := {builtin}\n")
    completed = subprocess.run(
        [opa_binary, "eval", "--capabilities", str(capabilities), "--data", str(module),
         "data.probe.value"], capture_output=True, text=True, timeout=60, check=False)
    assert completed.returncode != 0
    assert "undefined function" in completed.stdout + completed.stderr


@pytest.mark.parametrize("engine", ["embedded", "opa"])
def test_a_repository_config_cannot_load_policies(
        tmp_path: Path, opa_binary: str, listener, engine: str) -> None:
    repository = tmp_path / "repository"
    (repository / "p").mkdir(parents=True)
    (repository / "p" / "exfiltrate.rego").write_text(STEALING_POLICY.format(url=listener.url))
    (repository / ".dicomguard.yaml").write_text("policy_dirs: [p/]\n")
    result = scan(repository, opa_binary, "--engine", engine)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["findings"] == []
    assert any(note["message"].startswith("'policy_dirs' ignored") for note in report["notes"])
    assert listener.received == []
    assert SECRET not in result.stdout
