"""Discovery of the files to scan, through the command line: a hostile or unusual tree never makes
the scan pass unread input, hang, crash, or read outside the scanned tree."""

from __future__ import annotations

import json
import os
import shutil
import socket
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PACS_TF, need, run_cli

CANARY_RULES = "*filter\n:INPUT DROP [0:0]\n-A INPUT -p tcp --dport 104 -j ACCEPT\nCOMMIT\n"
SECRET = "SECRET-OUTSIDE-THE-TREE"


def _canaries(root: Path) -> None:
    """A Terraform security group and an iptables rule set, both open to the internet on 104."""
    (root / "sg.tf").write_text(PACS_TF, encoding="utf-8")
    (root / "fw").mkdir()
    (root / "fw" / "rules.v4").write_text(CANARY_RULES, encoding="utf-8")


def _scan(root: Path, *args: str, prefix: tuple[str, ...] = ()) -> tuple[int, dict, str]:
    """Scan root from inside it; return (exit code, JSON report, standard error)."""
    if prefix:
        command = [*prefix, sys.executable, "-m", "dicomguard", "scan", "--format", "json", *args]
        result = subprocess.run(command, cwd=root, capture_output=True, text=True, timeout=300,
                                env={**os.environ, "NO_COLOR": "1"})
    else:
        result = run_cli("scan", "--format", "json", *args, cwd=root)
    assert result.stdout, result.stderr
    return result.returncode, json.loads(result.stdout), result.stderr


def _errors(report: dict) -> dict[str, str]:
    return {error["file"]: error["message"] for error in report["errors"]}


def _notes(report: dict) -> dict[str, str]:
    return {note["origin"]["file"]: note["message"] for note in report["notes"]}


def _assert_canaries_reported(report: dict) -> None:
    found = {(finding["file"], finding["line"]) for finding in report["findings"]
             if finding["rule_id"] == "DG101"}
    assert ("sg.tf", 3) in found
    assert ("fw/rules.v4", 3) in found


def test_a_file_over_the_size_limit_is_an_error_not_a_silent_pass(tmp_path: Path) -> None:
    _canaries(tmp_path)
    with open(tmp_path / "huge.tf", "wb") as handle:  # sparse: no 34 MB written
        handle.truncate(34 * 1024 * 1024)
    with open(tmp_path / "disk.img", "wb") as handle:  # a large file of no kind it reads
        handle.truncate(34 * 1024 * 1024)
    code, report, _ = _scan(tmp_path)
    assert code == 2
    assert _errors(report) == {"huge.tf": "larger than the 32 MiB limit; not read "
                                          "(raise it with --max-file-size or max_file_size)"}
    _assert_canaries_reported(report)


def test_the_size_limit_is_configurable(tmp_path: Path) -> None:
    _canaries(tmp_path)
    padding = "".join(f"# rule set comment {number}\n" for number in range(200))
    (tmp_path / "saved").mkdir()
    (tmp_path / "saved" / "firewall-dump").write_text(CANARY_RULES + padding, encoding="utf-8")
    code, report, _ = _scan(tmp_path, "--max-file-size", "0.002")
    assert code == 2
    assert _errors(report) == {"saved/firewall-dump": "larger than the 0.002 MiB limit; not read "
                                                      "(raise it with --max-file-size or "
                                                      "max_file_size)"}
    _assert_canaries_reported(report)
    operator = tmp_path.parent / f"{tmp_path.name}-operator.yaml"
    operator.write_text("max_file_size: 0.002\n", encoding="utf-8")
    assert set(_errors(_scan(tmp_path, "--config", str(operator))[1])) == {"saved/firewall-dump"}
    # How much a scan reads is the operator's choice: a scanned repository cannot change it.
    (tmp_path / ".dicomguard.yaml").write_text("max_file_size: 0.002\n", encoding="utf-8")
    assert _errors(_scan(tmp_path)[1]) == {}
    code, report, _ = _scan(tmp_path, "--max-file-size", "1")
    assert code == 1
    assert ("saved/firewall-dump", 3) in {(f["file"], f["line"]) for f in report["findings"]}


def _make_special(path: Path, kind: str) -> socket.socket | None:
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "socket":
        listener = socket.socket(socket.AF_UNIX)
        listener.bind(str(path))
        return listener
    else:
        try:
            os.mknod(path, stat.S_IFCHR | 0o600, os.makedev(1, 5))  # /dev/zero
        except PermissionError:
            pytest.skip("creating a device node is not permitted here")
    return None


@pytest.mark.parametrize(("kind", "described"), [
    ("fifo", "a FIFO"), ("socket", "a socket"), ("device", "a character device")])
def test_fifos_sockets_and_devices_are_never_opened(tmp_path: Path, kind: str,
                                                     described: str) -> None:
    _canaries(tmp_path)
    listeners = [_make_special(tmp_path / name, kind) for name in ("x.tf", "notes.txt")]
    try:
        code, report, _ = _scan(tmp_path)
    finally:
        for listener in listeners:
            if listener:
                listener.close()
    assert code == 2
    assert _errors(report) == {"x.tf": f"{described}, not a regular file; not read"}
    assert _notes(report) == {"notes.txt": f"{described}, not a regular file; not read"}
    _assert_canaries_reported(report)


def test_terraform_file_of_a_fifo_does_not_hang(tmp_path: Path) -> None:
    _canaries(tmp_path)
    (tmp_path / "admin").mkdir()
    os.mkfifo(tmp_path / "admin" / "admins")
    (tmp_path / "admin" / "main.tf").write_text(
        PACS_TF.replace('"0.0.0.0/0"', 'trimspace(file("./admins"))'), encoding="utf-8")
    code, report, _ = _scan(tmp_path)
    assert code == 1
    admin = [f for f in report["findings"] if (f["file"], f["line"]) == ("admin/main.tf", 3)]
    assert [f["confidence"] for f in admin] == ["unresolved"]
    assert "admins cannot be read in the scanned tree" in " ".join(admin[0]["unknown"])
    _assert_canaries_reported(report)


def _drop_file_permission_override() -> tuple[str, ...]:
    """Run as root without the capabilities that let root read any file, so that chmod 000
    means unreadable, as it does for every other user."""
    if os.geteuid() != 0:
        return ()
    need(shutil.which("setpriv") is not None, "setpriv is not installed")
    return ("setpriv", "--bounding-set", "-dac_override,-dac_read_search")


def test_unreadable_files_and_directories_are_errors(tmp_path: Path) -> None:
    _canaries(tmp_path)
    (tmp_path / "locked.tf").write_text(PACS_TF, encoding="utf-8")
    (tmp_path / "locked.tf").chmod(0)
    (tmp_path / "notes.txt").write_text("some notes\n", encoding="utf-8")
    (tmp_path / "notes.txt").chmod(0)
    (tmp_path / "closed").mkdir()
    (tmp_path / "closed" / "rules.v4").write_text(CANARY_RULES, encoding="utf-8")
    (tmp_path / "closed").chmod(0)
    try:
        code, report, _ = _scan(tmp_path, prefix=_drop_file_permission_override())
    finally:
        (tmp_path / "closed").chmod(0o755)
    assert code == 2
    assert _errors(report) == {
        "locked.tf": "cannot read: Permission denied",
        "notes.txt": "cannot read: Permission denied",
        "closed": "cannot read directory: Permission denied",
    }
    _assert_canaries_reported(report)


def _outside(tmp_path: Path) -> Path:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.tf").write_text(f'resource "x" "{SECRET}" {{\n  broken =\n', "utf-8")
    (outside / "open.tf").write_text(PACS_TF, encoding="utf-8")
    return outside


def test_symbolic_links_leaving_the_tree_are_notes_and_never_read(tmp_path: Path) -> None:
    outside = _outside(tmp_path)
    root = tmp_path / "repo"
    root.mkdir()
    _canaries(root)
    (root / "leak.tf").symlink_to(outside / "secret.tf")
    (root / "passwd.tf").symlink_to("/etc/passwd")
    (root / "modules").symlink_to(outside, target_is_directory=True)
    code, report, _ = _scan(root)
    assert code == 1
    assert report["errors"] == []
    assert _notes(report) == {
        "leak.tf": "symbolic link to a file outside the scanned tree; not read",
        "passwd.tf": "symbolic link to a file outside the scanned tree; not read",
        "modules": "symbolic link to a directory outside the scanned tree; not followed",
    }
    assert {finding["file"] for finding in report["findings"]} == {"sg.tf", "fw/rules.v4"}
    _assert_canaries_reported(report)
    for name in ("text", "json", "sarif", "junit", "github"):
        result = run_cli("scan", "--format", name, cwd=root)
        assert SECRET not in result.stdout + result.stderr, name
        assert "root:" not in result.stdout + result.stderr, name


def test_a_symbolic_link_inside_the_tree_reads_the_real_file_once(tmp_path: Path) -> None:
    _canaries(tmp_path)
    (tmp_path / "aa.tf").symlink_to("sg.tf")
    (tmp_path / "fw" / "a-rules.v4").symlink_to("rules.v4")
    (tmp_path / "aa-fw").symlink_to("fw", target_is_directory=True)
    code, report, _ = _scan(tmp_path)
    assert code == 1
    assert report["errors"] == [] and report["notes"] == []
    assert sorted({(f["file"], f["line"]) for f in report["findings"] if f["line"] == 3}) == [
        ("fw/rules.v4", 3), ("sg.tf", 3)]
    assert report["summary"]["files_scanned"] == 2


def test_symbolic_link_loops_are_reported_not_a_crash(tmp_path: Path) -> None:
    _canaries(tmp_path)
    (tmp_path / "loop.tf").symlink_to("loop.tf")
    (tmp_path / "ping").symlink_to("pong")
    (tmp_path / "pong").symlink_to("ping")
    (tmp_path / "again").symlink_to(".", target_is_directory=True)
    code, report, _ = _scan(tmp_path)
    assert code == 2
    broken = "broken symbolic link (its target is missing or a loop); not read"
    assert _errors(report) == {"loop.tf": broken}
    assert _notes(report) == {"ping": broken, "pong": broken}
    _assert_canaries_reported(report)


def test_binary_content_in_a_file_named_as_a_source_is_an_error(tmp_path: Path) -> None:
    _canaries(tmp_path)
    (tmp_path / "main.tf").write_bytes(b'resource "x" "y" {}\n\x00\x01')
    (tmp_path / "backup").mkdir()
    (tmp_path / "backup" / "rules.v4").write_bytes(CANARY_RULES.encode() + b"\x00")
    (tmp_path / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    code, report, _ = _scan(tmp_path)
    assert code == 2
    binary = "binary content (a NUL byte in the first 4 KiB); not read"
    assert _errors(report) == {"main.tf": binary, "backup/rules.v4": binary}
    _assert_canaries_reported(report)


def test_only_real_virtualenvs_are_skipped(tmp_path: Path) -> None:
    _canaries(tmp_path)
    (tmp_path / "tools").mkdir()
    (tmp_path / "tools" / "pyvenv.cfg").write_text("", encoding="utf-8")
    (tmp_path / "tools" / "open.tf").write_text(PACS_TF, encoding="utf-8")
    (tmp_path / "pyenv" / "bin").mkdir(parents=True)
    (tmp_path / "pyenv" / "pyvenv.cfg").write_text("home = /usr/bin\n", encoding="utf-8")
    (tmp_path / "pyenv" / "bin" / "python").symlink_to("/usr/bin/python3")
    (tmp_path / "pyenv" / "vendored.tf").write_text(PACS_TF, encoding="utf-8")
    code, report, _ = _scan(tmp_path)
    assert code == 1
    assert ("tools/open.tf", 3) in {(f["file"], f["line"]) for f in report["findings"]}
    assert not any(f["file"].startswith("pyenv/") for f in report["findings"])
    assert _notes(report) == {"pyenv": "a Python virtualenv; not scanned"}
    _assert_canaries_reported(report)


def test_a_scan_that_recognises_no_file_says_so(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("# infrastructure\n", encoding="utf-8")
    result = run_cli("scan", ".", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout.startswith("dicomguard: no file dicomguard reads was found under .; "
                                    "it reads\n  Terraform (.tf")
    _canaries(tmp_path)
    result = run_cli("scan", ".", cwd=tmp_path)
    assert result.returncode == 1
    assert "no file dicomguard reads" not in result.stdout
    missing = run_cli("scan", "absent", cwd=tmp_path)
    assert missing.returncode == 2
    assert "absent: no such file or directory" in missing.stderr

