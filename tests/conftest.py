"""Fixtures shared by the whole suite. Each test folder mirrors a source folder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[1]
EXAMPLES = PROJECT / "examples"
SHARED = Path(os.environ.get("DICOMGUARD_SHARED", PROJECT.parent / "shared"))
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def need(condition: bool, reason: str) -> None:
    """Skip a test whose prerequisite is missing on a developer machine; fail it in CI, where
    .ci/run installs every prerequisite."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"prerequisite missing in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """../shared (corpus, schemas). Tests that read it skip only when it is absent."""
    if not SHARED.is_dir():
        pytest.skip(f"{SHARED} is absent")
    return SHARED


def run_cli(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None
            ) -> subprocess.CompletedProcess[str]:
    """Run the real command line, as users do."""
    full_env = {**os.environ, "NO_COLOR": "1", **(env or {})}
    return subprocess.run([sys.executable, "-m", "dicomguard", *args], cwd=cwd or PROJECT,
                          env=full_env, capture_output=True, text=True, timeout=300)


def scan_json(*args: str, cwd: Path | None = None) -> tuple[int, dict]:
    """Scan and return (exit code, JSON report)."""
    result = run_cli("scan", "--format", "json", *args, cwd=cwd)
    assert result.stdout, result.stderr
    return result.returncode, json.loads(result.stdout)
