"""The hook in .pre-commit-hooks.yaml works through the real pre-commit framework."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, PROJECT, need

pytestmark = pytest.mark.slow


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


def _infrastructure_repo(tmp_path: Path, example: str) -> Path:
    """A git repository holding examples/<example>."""
    repo = tmp_path / "repo"
    shutil.copytree(EXAMPLES / example, repo)
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    _git(repo, "-c", "user.email=ci@example.org", "-c", "user.name=ci", "commit", "-qm", "infra")
    return repo


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    need(shutil.which("git") is not None, "git is not installed")
    need(subprocess.run([sys.executable, "-m", "pre_commit", "--version"],
                        capture_output=True).returncode == 0, "pre-commit is not installed")
    need((PROJECT / ".git").exists(), "the project is not a git checkout")
    return tmp_path_factory.mktemp("pre-commit-cache")


def _try_repo(repo: Path, home: Path, *options: str) -> subprocess.CompletedProcess[str]:
    """The hook as committed in the project (try-repo sees committed and added files only), over
    every file of repo, or with options (e.g. none: the staged files)."""
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(PROJECT), "dicomguard",
         *(options or ("--all-files",))],
        cwd=repo, capture_output=True, text=True, timeout=900,
        env={**os.environ, "PRE_COMMIT_HOME": str(home), "NO_COLOR": "1"},
    )


def test_the_hook_blocks_an_insecure_deployment(tmp_path: Path, pre_commit_home: Path) -> None:
    result = _try_repo(_infrastructure_repo(tmp_path, "terraform/insecure-pacs"), pre_commit_home)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "DG101" in result.stdout
    assert "Failed" in result.stdout


def test_the_hook_passes_a_secure_deployment(tmp_path: Path, pre_commit_home: Path) -> None:
    result = _try_repo(_infrastructure_repo(tmp_path, "terraform/secure-pacs"), pre_commit_home)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Passed" in result.stdout


def test_the_hook_runs_on_a_repository_of_ufw_status_dumps_alone(
        tmp_path: Path, pre_commit_home: Path) -> None:
    result = _try_repo(_infrastructure_repo(tmp_path, "firewall/ufw-status"), pre_commit_home)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "DG101" in result.stdout
    assert "insecure/ufw-status.txt" in result.stdout


OPEN_COMPOSE = 'services:\n  gateway:\n    image: nginx:1.27\n    ports:\n      - "104:104"\n'


def test_the_hook_judges_the_commit_not_untracked_files(
        tmp_path: Path, pre_commit_home: Path) -> None:
    repo = _infrastructure_repo(tmp_path, "terraform/secure-pacs")
    (repo / "docker-compose.yml").write_text(OPEN_COMPOSE)  # untracked: not in the commit
    with (repo / "outputs.tf").open("a") as outputs:
        outputs.write("\n")
    _git(repo, "add", "outputs.tf")
    unrelated = _try_repo(repo, pre_commit_home, "--files", "outputs.tf")
    assert unrelated.returncode == 0, unrelated.stdout + unrelated.stderr
    _git(repo, "add", "docker-compose.yml")
    staged = _try_repo(repo, pre_commit_home, "--files", "outputs.tf", "docker-compose.yml")
    assert staged.returncode == 1, staged.stdout + staged.stderr
    assert "docker-compose.yml" in staged.stdout and "DG101" in staged.stdout
