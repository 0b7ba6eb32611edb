"""`dicomguard scan --staged`: the pre-commit hook judges what is committed, with its context."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, measured_cli, need, run_cli
from tests.conftest import VARIABLE_CIDR_MODULE as SECURITY_GROUP

OPEN_TFVARS = 'dicom_cidr = "0.0.0.0/0"\n'
OPEN_COMPOSE = 'services:\n  gateway:\n    image: nginx:1.27\n    ports:\n      - "104:104"\n'
CLOSED_COMPOSE = 'services:\n  gateway:\n    image: nginx:1.27\n'


def _rule_ids(result: subprocess.CompletedProcess[str]) -> list[tuple[str, str]]:
    assert result.stdout, result.stderr
    report = json.loads(result.stdout)
    return sorted((finding["rule_id"], finding["file"])
                  for finding in report["findings"])


def test_a_terraform_file_on_the_command_line_is_read_with_its_module(tmp_path: Path) -> None:
    module = tmp_path / "mod"
    module.mkdir()
    (module / "sg.tf").write_text(SECURITY_GROUP)
    (module / "terraform.tfvars").write_text(OPEN_TFVARS)
    result = run_cli("scan", "--format", "json", "mod/sg.tf", cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert ("DG101", "mod/sg.tf") in _rule_ids(result)


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository with one committed, closed Terraform module and a closed compose file."""
    need(shutil.which("git") is not None, "git is not installed")
    repository = tmp_path / "repo"
    (repository / "mod").mkdir(parents=True)
    (repository / "mod" / "sg.tf").write_text(SECURITY_GROUP)
    (repository / "docker-compose.yml").write_text(CLOSED_COMPOSE)
    _git(repository, "init", "-q")
    _git(repository, "config", "user.email", "ci@example.org")
    _git(repository, "config", "user.name", "ci")
    _git(repository, "add", ".")
    _git(repository, "commit", "-qm", "infra")
    return repository


def _staged(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli("scan", "--format", "json", "--staged", *args, cwd=repo)


def test_an_untracked_insecure_file_does_not_fail_the_staged_scan(repo: Path) -> None:
    (repo / "compose.yaml").write_text(OPEN_COMPOSE)
    assert run_cli("scan", ".", cwd=repo).returncode == 1  # the work tree scan sees it
    result = _staged(repo)
    assert result.returncode == 0, result.stdout + result.stderr
    assert _rule_ids(result) == []


def test_only_a_staged_insecure_edit_counts(repo: Path) -> None:
    (repo / "docker-compose.yml").write_text(OPEN_COMPOSE)
    unstaged = _staged(repo, "--changed")
    assert unstaged.returncode == 0, unstaged.stdout + unstaged.stderr
    _git(repo, "add", "docker-compose.yml")
    (repo / "docker-compose.yml").write_text(CLOSED_COMPOSE)  # fixed in the work tree only
    staged = _staged(repo, "--changed")
    assert staged.returncode == 1, staged.stdout + staged.stderr
    assert _rule_ids(staged) == [("DG101", "docker-compose.yml")]


def test_a_staged_tfvars_change_is_judged_with_its_module(repo: Path) -> None:
    (repo / "mod" / "terraform.tfvars").write_text(OPEN_TFVARS)
    _git(repo, "add", "mod/terraform.tfvars")
    for args in (["--changed"], ["mod/terraform.tfvars"]):
        result = _staged(repo, *args)
        assert result.returncode == 1, result.stdout + result.stderr
        assert _rule_ids(result) == [("DG101", "mod/sg.tf")]


def test_a_change_to_a_module_is_judged_from_the_root_that_calls_it(repo: Path) -> None:
    (repo / "mod" / "sg.tf").write_text(SECURITY_GROUP.replace('default = "10.0.0.0/8"\n', ""))
    (repo / "live").mkdir()
    (repo / "live" / "main.tf").write_text(
        'module "pacs" {\n  source     = "../mod"\n  dicom_cidr = "0.0.0.0/0"\n}\n')
    _git(repo, "add", ".")
    _git(repo, "commit", "-qm", "root")
    (repo / "mod" / "sg.tf").write_text(SECURITY_GROUP.replace(
        'default = "10.0.0.0/8"\n', "").replace('name = "pacs"', 'name = "pacs-archive"'))
    _git(repo, "add", "mod/sg.tf")
    result = _staged(repo, "--changed")
    assert result.returncode == 1, result.stdout + result.stderr
    assert _rule_ids(result) == [("DG101", "mod/sg.tf")]


def test_an_unchanged_unit_is_not_scanned_in_changed_mode(repo: Path) -> None:
    (repo / "docker-compose.yml").write_text(OPEN_COMPOSE)
    _git(repo, "commit", "-qam", "open")
    (repo / "mod" / "sg.tf").write_text(SECURITY_GROUP + "\n")
    _git(repo, "add", "mod/sg.tf")
    changed = _staged(repo, "--changed")
    assert changed.returncode == 0, changed.stdout + changed.stderr
    assert json.loads(changed.stdout)["summary"]["files_scanned"] == 1
    assert _staged(repo).returncode == 1  # the whole index


def test_a_symbolic_link_in_the_index_is_a_note_and_not_followed(repo: Path) -> None:
    outside = repo.parent / "outside.yml"
    outside.write_text(OPEN_COMPOSE)
    (repo / "compose.yaml").symlink_to(outside)
    _git(repo, "add", "compose.yaml")
    result = _staged(repo)
    assert result.returncode == 0, result.stdout + result.stderr
    notes = json.loads(result.stdout)["notes"]
    assert any("symbolic link" in entry["message"] for entry in notes)


def test_outside_a_git_repository_the_staged_scan_is_a_usage_error(tmp_path: Path) -> None:
    result = run_cli("scan", "--staged", cwd=tmp_path)
    assert result.returncode == 2
    assert "git" in result.stderr and "Traceback" not in result.stderr


def test_a_baseline_entry_outside_the_changed_units_is_not_called_fixed(repo: Path) -> None:
    (repo / "docker-compose.yml").write_text(OPEN_COMPOSE)
    _git(repo, "commit", "-qam", "open")
    assert run_cli("baseline", "create", cwd=repo).returncode == 0
    (repo / "mod" / "sg.tf").write_text(SECURITY_GROUP + "\n")
    _git(repo, "add", "mod/sg.tf")
    result = _staged(repo, "--changed", "--baseline", ".dicomguard-baseline.json")
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout)["baseline"]["fixed"] == []


def test_large_staged_files_are_never_held_in_memory(repo: Path) -> None:
    """A repository may hold DICOM studies or archives; the hook reads every staged blob (a
    family may claim any file by its first bytes), a chunk at a time, and copies the ones a
    scan may read (here, a file an Ansible role ships) to disk the same way."""
    size = 160 * 1024 * 1024
    study = repo / "images" / "study.dcm"
    study.parent.mkdir()
    shipped = repo / "roles" / "pacs" / "files" / "viewer.tar"
    shipped.parent.mkdir(parents=True)
    chunk = (b"\0" * 128 + b"DICM").ljust(1 << 20, b"\1")
    for path in (study, shipped):
        with path.open("wb") as output:
            for _ in range(size // len(chunk)):
                output.write(chunk)
    (repo / "docker-compose.yml").write_text(OPEN_COMPOSE)
    _git(repo, "add", ".")
    result = measured_cli("scan", "--format", "json", "--staged", cwd=repo, timeout=300)
    peak_mib = result["peak_kib"] / 1024
    assert result["code"] == 1, result["stderr"]
    assert [finding["rule_id"] for finding in json.loads(result["stdout"])["findings"]] == [
        "DG101"]
    assert peak_mib < 120, f"peak {peak_mib:.0f} MiB for blobs of {size >> 20} MiB"



def _committed_copy(tree: Path, repository: Path) -> Path:
    need(shutil.which("git") is not None, "git is not installed")
    shutil.copytree(tree, repository)
    for path in (repository, *repository.rglob("*")):
        path.chmod(path.stat().st_mode | 0o200)  # the shared corpus is read-only
    _git(repository, "init", "-q")
    _git(repository, "add", ".")
    _git(repository, "-c", "user.email=ci@example.org", "-c", "user.name=ci", "commit", "-qm",
         "tree")
    return repository


def _report(result: subprocess.CompletedProcess[str]) -> dict:
    assert result.stdout, result.stderr
    report = json.loads(result.stdout)
    report["summary"].pop("duration_seconds")
    return report


def test_the_staged_scan_of_a_commit_is_the_scan_of_its_checkout(tmp_path: Path,
                                                                  shared_dir: Path) -> None:
    """The hook judges what a checkout of the commit would be judged: the configs a compose
    file mounts, its .env, a Caddyfile are read in both. The staged scan used to copy only the
    files a family claims: on the examples, 15 findings the checkout has not and 6 missing."""
    for tree in (EXAMPLES, shared_dir / "corpus"):
        repository = _committed_copy(tree, tmp_path / tree.name)
        checkout = run_cli("scan", ".", "--format", "json", cwd=repository)
        staged = _staged(repository)
        assert staged.returncode == checkout.returncode, staged.stderr
        assert _report(staged) == _report(checkout), tree
    assert not list(Path("/dev/shm").glob("dicomguard-staged-*"))  # nothing left behind


def test_a_changed_compose_file_is_judged_with_the_configs_it_mounts(tmp_path: Path) -> None:
    repository = _committed_copy(EXAMPLES / "compose" / "proxy-insecure", tmp_path / "repo")
    checkout = _report(run_cli("scan", ".", "--format", "json", cwd=repository))
    with (repository / "compose.yaml").open("a") as compose:
        compose.write("# reviewed\n")
    _git(repository, "add", "compose.yaml")
    changed = _staged(repository, "--changed")
    assert changed.returncode == 1, changed.stderr
    assert _report(changed)["findings"] == checkout["findings"]
    assert any(finding["file"] == "nginx/nginx.conf" for finding in checkout["findings"])


def test_a_staged_file_over_the_size_limit_is_reported_as_in_a_checkout(repo: Path) -> None:
    (repo / "mod" / "generated.tf").write_text("# generated\n" * 200_000)  # 2.3 MiB
    _git(repo, "add", ".")
    checkout = _report(run_cli("scan", ".", "--format", "json", "--max-file-size", "1",
                               cwd=repo))
    staged = _report(_staged(repo, "--max-file-size", "1"))
    assert staged == checkout
    assert [error["file"] for error in staged["errors"]] == ["mod/generated.tf"]


def test_a_file_above_the_stand_in_size_is_copied_as_its_size_and_first_bytes(
        repo: Path, tmp_path: Path) -> None:
    """Files larger than any reader accepts (256 MiB, or --max-file-size) are not written out:
    the copy has their size, which every reader refuses, and the first 4 KiB discovery reads."""
    from dicomguard.git_index import copy_staged_files

    head = b"resource \"aws_instance\" \"pacs\" {}\n"
    (repo / "big.tf").write_bytes(head + b"#" * (3 << 20))
    _git(repo, "add", "big.tf")
    copied = tmp_path / "copy"
    staged = copy_staged_files(repo, copied, 4096, stand_in_above=1 << 20)
    assert "big.tf" in staged.paths
    stand_in = copied / "big.tf"
    assert stand_in.stat().st_size == len(head) + (3 << 20)
    assert stand_in.read_bytes()[:len(head)] == head
    assert stand_in.stat().st_blocks * 512 < 1 << 20  # sparse: the rest was never written
    assert (copied / "mod" / "sg.tf").read_text() == SECURITY_GROUP


def test_a_commit_too_large_for_memory_is_copied_to_disk(repo: Path, tmp_path: Path) -> None:
    from dicomguard.git_index import TreeTooLarge, copy_staged_files

    (repo / "docs").mkdir()
    for index in range(40):
        (repo / "docs" / f"page-{index}.md").write_text("notes\n")
    _git(repo, "add", ".")
    with pytest.raises(TreeTooLarge):  # 42 files count as at least 4 KiB each
        copy_staged_files(repo, tmp_path / "memory", 4096, 1 << 20, most_bytes=100 * 1024)
    assert not (tmp_path / "memory").exists()  # refused before anything was written
    staged = copy_staged_files(repo, tmp_path / "disk", 4096, 1 << 20)
    assert len(staged.paths) == 42
