"""What a scan leaves out: `exclude` patterns and .gitignore files, both in gitignore syntax."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import PACS_TF, run_cli, scan_json


def _tree(root: Path, *files: str) -> Path:
    """An internet-open security group at each relative path."""
    for relative in files:
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(PACS_TF, encoding="utf-8")
    return root


def _flagged(report: dict) -> set[str]:
    return {Path(finding["file"]).as_posix() for finding in report["findings"]}


def test_a_double_star_exclude_in_config_matches_at_any_depth(tmp_path: Path) -> None:
    _tree(tmp_path, "legacy/sg.tf", "legacy/aws/eu/sg.tf", "live/sg.tf")
    (tmp_path / ".dicomguard.yaml").write_text('exclude: ["legacy/**/*.tf"]\n')
    code, report = scan_json(".", cwd=tmp_path)
    assert code == 1
    assert _flagged(report) == {"live/sg.tf"}


def test_exclude_on_the_command_line_adds_to_the_config(tmp_path: Path) -> None:
    _tree(tmp_path, "legacy/sg.tf", "sandbox/sg.tf", "live/sg.tf")
    (tmp_path / ".dicomguard.yaml").write_text("exclude: [legacy/]\n")
    code, report = scan_json(".", "--exclude", "sandbox", cwd=tmp_path)
    assert code == 1
    assert _flagged(report) == {"live/sg.tf"}


def test_gitignored_files_are_skipped_unless_asked_for(tmp_path: Path) -> None:
    _tree(tmp_path, "build/sg.tf", "modules/net/generated.tf", "modules/net/keep.tf", "sg.tf")
    (tmp_path / ".gitignore").write_text("build/\n")
    (tmp_path / "modules" / ".gitignore").write_text("net/*.tf\n!net/keep.tf\n")
    code, report = scan_json(".", cwd=tmp_path)
    assert code == 1
    assert _flagged(report) == {"sg.tf", "modules/net/keep.tf"}
    code, report = scan_json(".", "--include-gitignored", cwd=tmp_path)
    assert _flagged(report) == {"sg.tf", "modules/net/keep.tf", "modules/net/generated.tf",
                                "build/sg.tf"}


def test_a_gitignore_outside_the_scanned_tree_is_not_read(tmp_path: Path) -> None:
    (tmp_path / ".gitignore").write_text("*.tf\n")
    repo = _tree(tmp_path / "repo", "sg.tf")
    code, report = scan_json(".", cwd=repo)
    assert code == 1
    assert _flagged(report) == {"sg.tf"}


def test_an_invalid_exclude_pattern_is_an_error_naming_it(tmp_path: Path) -> None:
    _tree(tmp_path, "sg.tf")
    (tmp_path / ".dicomguard.yaml").write_text('exclude: ["ok/", "bad\\\\"]\n')
    result = run_cli("scan", ".", cwd=tmp_path)
    assert result.returncode == 2
    assert ".dicomguard.yaml: exclude: line 2: invalid pattern" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_invalid_gitignore_line_is_an_error_naming_file_and_line(tmp_path: Path) -> None:
    _tree(tmp_path, "sg.tf")
    (tmp_path / ".gitignore").write_text("*.log\nbad\\\n")
    code, report = scan_json(".", cwd=tmp_path)
    assert code == 2
    assert {(error["file"], error["line"]) for error in report["errors"]} == {(".gitignore", 2)}
    assert _flagged(report) == {"sg.tf"}
