"""The worked example in docs/facts.md is a rule that works, as written."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from dicomguard.facts import ingress, peer, port_range
from dicomguard.model import Facts, Origin
from tests.conftest import PROJECT, need

DOC = PROJECT / "docs" / "facts.md"


@pytest.fixture
def example_policies(tmp_path: Path) -> Path:
    """The Rego blocks of docs/facts.md, saved as the doc tells readers to."""
    blocks = re.findall(r"```rego\n(.*?)```", DOC.read_text(encoding="utf-8"), re.DOTALL)
    rule, tests = blocks
    directory = tmp_path / "our-policies"
    directory.mkdir()
    (directory / "public_dicom_peer.rego").write_text(rule, encoding="utf-8")
    (directory / "public_dicom_peer_test.rego").write_text(tests, encoding="utf-8")
    return directory


def test_the_example_rule_reports_a_public_range_on_a_dicom_port(example_policies, report_for,
                                                                  tmp_path):
    main = tmp_path / "main.tf"
    main.write_text('resource "aws_security_group" "partner" {\n}\n')
    facts = Facts(ingress=[
        ingress(Origin(str(main), 1, 2, "aws_security_group.partner"), platform="aws",
                mechanism="security_group", protocol="tcp", ports=[port_range(11112)],
                peers=[peer("81.2.69.0/24"), peer("10.1.0.0/16")]),
    ])
    report = report_for(facts, policy_dirs=(str(example_policies),))
    [finding] = report.findings
    assert finding.rule_id == "ACME001"
    assert finding.severity == "high"
    assert finding.confidence == "confirmed"
    assert finding.ports == [11112]
    assert finding.line == 1 and finding.resource == "aws_security_group.partner"
    assert finding.message == "aws_security_group.partner admits the public range " \
                              "81.2.69.0/24 to DICOM"


def test_the_example_tests_pass_in_opa(example_policies):
    opa = os.environ.get("DICOMGUARD_OPA_BINARY") or shutil.which("opa")
    cached = Path.home() / ".cache" / "dicomguard-opa" / "v1.22.3" / "opa"
    opa = opa or (str(cached) if cached.is_file() else None)
    need(opa is not None, "an OPA binary (.ci/ensure-opa)")
    result = subprocess.run([opa, "test", str(PROJECT / "policies"), str(example_policies)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "acme_public_dicom_peer_test" in subprocess.run(
        [opa, "test", "-v", str(PROJECT / "policies"), str(example_policies)],
        capture_output=True, text=True, timeout=120).stdout
