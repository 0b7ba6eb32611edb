"""`dicomguard policies bundle`: an OPA bundle of the policies and their data that OPA loads
as-is, the same bytes for the same policies."""

from __future__ import annotations

import json
import subprocess
import tarfile
from pathlib import Path

import pytest

from tests.conftest import PROJECT, run_cli

USER_POLICY = """\
# METADATA
# title: Acme archive rule
# custom:
#   id: ACME1
#   severity: low
#   category: exposed-dicom-port
package acme.rules.archive

deny contains {"fact": "x", "message": data.acme.greeting} if true
"""


def write_bundle(path: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    return run_cli("policies", "bundle", "-o", str(path), *arguments)


def members(path: Path) -> dict[str, bytes]:
    with tarfile.open(path, "r:gz") as archive:
        return {member.name: archive.extractfile(member).read()  # type: ignore[union-attr]
                for member in archive.getmembers()}


def test_bundle_holds_policies_data_and_manifest(tmp_path: Path) -> None:
    output = tmp_path / "dicomguard-bundle.tar.gz"
    result = write_bundle(output)
    assert result.returncode == 0, result.stderr
    files = members(output)
    manifest = json.loads(files[".manifest"])
    assert manifest["roots"] == ["dicomguard"]
    assert manifest["revision"].startswith("dicomguard-")
    assert manifest["revision"] in result.stdout
    assert "dicomguard/builtin/exposed_dicom_port.rego" in files
    assert "dicomguard/builtin/lib/dicomguard.rego" in files
    assert not [name for name in files if name.endswith(("_test.rego", ".examples.yaml"))]
    catalogue = json.loads(files["data.json"])["dicomguard"]["catalogue"]["ports"]
    assert {entry["port"] for entry in catalogue} >= {104, 11112, 4242, 8042}


def test_same_policies_give_the_same_bytes(tmp_path: Path) -> None:
    first, second = tmp_path / "first.tar.gz", tmp_path / "second.tar.gz"
    assert write_bundle(first).returncode == 0
    assert write_bundle(second).returncode == 0
    assert first.read_bytes() == second.read_bytes()


def test_user_policies_and_data_join_the_bundle(tmp_path: Path) -> None:
    policies = tmp_path / "acme"
    policies.mkdir()
    (policies / "archive.rego").write_text(USER_POLICY, encoding="utf-8")
    (policies / "data.json").write_text('{"acme": {"greeting": "hello"}}', encoding="utf-8")
    output = tmp_path / "bundle.tar.gz"
    assert write_bundle(output, "--policy", str(policies)).returncode == 0
    files = members(output)
    assert json.loads(files[".manifest"])["roots"] == ["acme", "dicomguard"]
    assert "dicomguard/user/acme.rules.archive/archive.rego" in files
    assert json.loads(files["data.json"])["acme"] == {"greeting": "hello"}


@pytest.mark.slow
def test_opa_loads_the_bundle_as_is(tmp_path: Path, opa_binary: str) -> None:
    policies = tmp_path / "acme"
    policies.mkdir()
    (policies / "archive.rego").write_text(USER_POLICY, encoding="utf-8")
    (policies / "data.json").write_text('{"acme": {"greeting": "hello"}}', encoding="utf-8")
    output = tmp_path / "bundle.tar.gz"
    assert write_bundle(output, "--policy", str(policies)).returncode == 0
    completed = subprocess.run(
        [opa_binary, "eval", "--format", "raw", "--bundle", str(output),
         "data.acme.rules.archive.deny"], capture_output=True, text=True, timeout=60)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert json.loads(completed.stdout) == [{"fact": "x", "message": "hello"}]


@pytest.mark.slow
def test_opa_tests_the_policy_directory_with_the_examples_beside_the_rules(
        opa_binary: str) -> None:
    """`opa test policies` (as CI runs it) also reads YAML files as data: each examples file
    sits under its own rule id, so they neither collide nor touch data.dicomguard."""
    completed = subprocess.run([opa_binary, "test", str(PROJECT / "policies")],
                               capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_unwritable_output_is_an_error(tmp_path: Path) -> None:
    result = write_bundle(tmp_path / "missing" / "bundle.tar.gz")
    assert result.returncode == 2
    assert "cannot write" in result.stderr
