"""Which engine runs: `--engine opa` without a URL runs the local opa binary, and `auto` picks
the embedded engine when regopy imports, else a local opa, else says how to get either."""

from __future__ import annotations

import importlib.util
import os
import stat
import subprocess
from pathlib import Path

import pytest

from tests.conftest import need, run_cli
from tests.engines.test_portability import NET_POLICY


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A scan target, a policy directory whose rule only OPA can run, and a module path that
    hides regopy the way a platform without its wheel does."""
    (tmp_path / "infra").mkdir()
    (tmp_path / "policies").mkdir()
    (tmp_path / "policies" / "partner_range.rego").write_text(NET_POLICY, encoding="utf-8")
    (tmp_path / "no-regopy").mkdir()
    (tmp_path / "no-regopy" / "regopy.py").write_text(
        'raise ImportError("no regopy wheel for this platform")\n', encoding="utf-8")
    (tmp_path / "empty-path").mkdir()
    return tmp_path


def scan(workspace: Path, *arguments: str, hide_regopy: bool = False,
         opa_binary: str = "") -> subprocess.CompletedProcess[str]:
    env = {"DICOMGUARD_OPA_BINARY": opa_binary, "PATH": str(workspace / "empty-path")}
    if hide_regopy:
        env["PYTHONPATH"] = os.pathsep.join(
            filter(None, [str(workspace / "no-regopy"), os.environ.get("PYTHONPATH")]))
    return run_cli("scan", "--format", "json", "--policy", str(workspace / "policies"),
                   *arguments, str(workspace / "infra"), env=env)


def test_opa_engine_without_url_runs_the_local_binary(workspace: Path, opa_binary: str) -> None:
    result = scan(workspace, "--engine", "opa", opa_binary=opa_binary)
    assert result.returncode == 0, result.stderr


def test_opa_engine_without_binary_says_how_to_get_one(workspace: Path) -> None:
    result = scan(workspace, "--engine", "opa")
    assert result.returncode == 2
    assert "needs the opa binary: put it on PATH or set DICOMGUARD_OPA_BINARY" in result.stderr


def test_auto_prefers_the_embedded_engine(workspace: Path, opa_binary: str) -> None:
    need(importlib.util.find_spec("regopy") is not None, "regopy is not installed")
    result = scan(workspace, "--engine", "auto", opa_binary=opa_binary)
    # Only the embedded engine refuses this policy, so the refusal proves which one ran.
    assert result.returncode == 2
    assert "embedded engine (regopy) does not implement" in result.stderr


def test_auto_without_regopy_uses_the_local_opa(workspace: Path, opa_binary: str) -> None:
    result = scan(workspace, hide_regopy=True, opa_binary=opa_binary)
    assert result.returncode == 0, result.stderr


def test_auto_without_any_engine_says_how_to_get_one(workspace: Path) -> None:
    result = scan(workspace, hide_regopy=True)
    assert result.returncode == 2
    assert "no policy engine available" in result.stderr
    assert "pip install regopy" in result.stderr
    assert "DICOMGUARD_OPA_BINARY" in result.stderr


def test_an_opa_older_than_1_0_is_named(workspace: Path) -> None:
    old_opa = workspace / "opa"
    old_opa.write_text('#!/bin/sh\nif [ "$1" = version ]; then echo "Version: 0.70.0"; exit 0; '
                       'fi\necho "rego_parse_error: var cannot be used for rule name" >&2\n'
                       "exit 1\n", encoding="utf-8")
    old_opa.chmod(old_opa.stat().st_mode | stat.S_IXUSR)
    result = scan(workspace, "--engine", "opa", opa_binary=str(old_opa))
    assert result.returncode == 2
    assert "is OPA 0.70; dicomguard policies are Rego v1 and need OPA 1.0" in result.stderr


def test_a_failing_opa_eval_is_reported_with_its_errors(workspace: Path,
                                                        opa_binary: str) -> None:
    broken = workspace / "policies" / "broken.rego"
    broken.write_text("package acme.helpers\n\nx := \n", encoding="utf-8")
    result = scan(workspace, "--engine", "opa", opa_binary=opa_binary)
    assert result.returncode == 2
    assert "eval failed" in result.stderr
    assert f"{broken}:4: rego_parse_error" in result.stderr
