"""`--engine auto` with a local opa binary: a large input is evaluated by OPA, which is faster on
it, a small one and any input under a user's own policy stay embedded, and the report is the
embedded engine's to the byte. The opa given is the real binary behind a script that records
its arguments."""

from __future__ import annotations

import importlib.util
import json
import stat
from pathlib import Path
from typing import Any

import pytest

from dicomguard.engines.auto import OPA_FROM_FACTS
from tests.conftest import need, run_cli

GROUPS = """resource "aws_security_group" "pacs" {{
  count = {count}
  name  = "pacs-${{count.index}}"
  ingress {{
    from_port   = 104
    to_port     = 104
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }}
}}
"""
HARMLESS_POLICY = """package dicomguard.rules.acme_tagging

# METADATA
# title: Nothing
# custom:
#   id: ACME1
#   severity: low
#   category: tagging
deny contains finding if {
	some fact in input.storage
	fact.id == "no such fact"
	finding := {"fact": fact.id, "message": "never"}
}
"""


def executable(path: Path, text: str) -> str:
    path.write_text(text, encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


@pytest.fixture
def recording_opa(tmp_path: Path, opa_binary: str) -> tuple[str, Path]:
    log = tmp_path / "opa-calls.log"
    script = executable(tmp_path / "opa", f'#!/bin/sh\necho "$1" >> "{log}"\n'
                                          f'exec "{opa_binary}" "$@"\n')
    return script, log


def scan(target: Path, opa: str, *arguments: str) -> tuple[int, dict[str, Any]]:
    need(importlib.util.find_spec("regopy") is not None, "regopy is not installed")
    result = run_cli("scan", "--format", "json", *arguments, str(target),
                     env={"DICOMGUARD_OPA_BINARY": opa})
    assert result.stdout, result.stderr
    report = json.loads(result.stdout)
    report["summary"].pop("duration_seconds", None)
    return result.returncode, report


def groups(tmp_path: Path, count: int) -> Path:
    target = tmp_path / "infra"
    target.mkdir()
    (target / "main.tf").write_text(GROUPS.format(count=count), encoding="utf-8")
    return target


def evaluations(log: Path) -> int:
    return log.read_text(encoding="utf-8").split().count("eval") if log.exists() else 0


def test_a_large_input_goes_to_opa_with_the_embedded_engines_report(
        tmp_path: Path, recording_opa: tuple[str, Path]) -> None:
    opa, log = recording_opa
    target = groups(tmp_path, OPA_FROM_FACTS + 100)
    auto = scan(target, opa)
    assert evaluations(log) == 1
    embedded = scan(target, opa, "--engine", "embedded")
    assert auto == embedded
    assert auto[0] == 1 and len(auto[1]["findings"]) == OPA_FROM_FACTS + 100


def test_a_small_input_stays_embedded(tmp_path: Path, recording_opa: tuple[str, Path]) -> None:
    opa, log = recording_opa
    code, report = scan(groups(tmp_path, 3), opa)
    assert (code, len(report["findings"])) == (1, 3)
    assert evaluations(log) == 0


def test_a_users_own_policy_keeps_every_input_embedded(
        tmp_path: Path, recording_opa: tuple[str, Path]) -> None:
    """The parity of the engines is proven for the built-in rules only."""
    opa, log = recording_opa
    policies = tmp_path / "policies"
    policies.mkdir()
    (policies / "acme.rego").write_text(HARMLESS_POLICY, encoding="utf-8")
    code, report = scan(groups(tmp_path, OPA_FROM_FACTS + 100), opa, "--policy", str(policies))
    assert (code, len(report["findings"])) == (1, OPA_FROM_FACTS + 100)
    assert evaluations(log) == 0


def test_an_opa_of_another_major_version_is_not_used(tmp_path: Path) -> None:
    old_opa = executable(tmp_path / "opa", '#!/bin/sh\nif [ "$1" = version ]; then '
                         'echo "Version: 0.70.0"; exit 0; fi\nexit 1\n')
    code, report = scan(groups(tmp_path, OPA_FROM_FACTS + 100), old_opa)
    assert (code, len(report["findings"])) == (1, OPA_FROM_FACTS + 100)
    assert report["errors"] == []


def test_workers_choose_as_the_scan_would(tmp_path: Path, recording_opa: tuple[str, Path]
                                          ) -> None:
    """A scan of 300 files or more runs in workers; each builds the same automatic engine."""
    opa, log = recording_opa
    target = groups(tmp_path, OPA_FROM_FACTS + 100)
    for index in range(300):
        module = target / f"module{index:03}"
        module.mkdir()
        (module / "main.tf").write_text(GROUPS.format(count=1), encoding="utf-8")
    auto = scan(target, opa, "--jobs", "2")
    assert evaluations(log) == 1
    assert auto == scan(target, opa, "--engine", "embedded", "--jobs", "2")
    assert len(auto[1]["findings"]) == OPA_FROM_FACTS + 100 + 300


def test_an_opa_inside_the_scanned_repository_is_never_run(tmp_path: Path,
                                                            opa_binary: str) -> None:
    """A hostile repository ships its own `opa`; PATH reaches it relatively (`.`, `bin`) and
    absolutely (a tool that put the repository's bin/ on PATH)."""
    need(importlib.util.find_spec("regopy") is not None, "regopy is not installed")
    target = groups(tmp_path, OPA_FROM_FACTS + 100)
    marker = tmp_path / "ran"
    for directory in (target, target / "bin"):
        directory.mkdir(exist_ok=True)
        executable(directory / "opa", f'#!/bin/sh\ntouch "{marker}"\nexec "{opa_binary}" "$@"\n')
    for path in (".", "bin", str(target / "bin")):
        result = run_cli("scan", "--format", "json", ".", cwd=target,
                         env={"DICOMGUARD_OPA_BINARY": "", "PATH": path + ":/usr/bin:/bin"})
        assert result.returncode == 1, result.stderr
        assert len(json.loads(result.stdout)["findings"]) == OPA_FROM_FACTS + 100
        assert not marker.exists(), f"the repository's opa ran through PATH={path}"
