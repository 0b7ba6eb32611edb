"""Reported paths and module directories rest on real paths: the remembered resolution must give
what os.path.realpath gives, links included, also after the tree changed between two scans."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from dicomguard import real_paths


@pytest.fixture()
def tree(tmp_path: Path) -> Path:
    (tmp_path / "live" / "modules" / "db").mkdir(parents=True)
    (tmp_path / "live" / "modules" / "db" / "main.tf").write_text("")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "real.tf").write_text("")
    (tmp_path / "live" / "linked").symlink_to("modules")
    (tmp_path / "live" / "absolute").symlink_to(tmp_path / "elsewhere")
    (tmp_path / "live" / "chain").symlink_to("linked/db")
    (tmp_path / "live" / "file.tf").symlink_to("../elsewhere/real.tf")
    (tmp_path / "live" / "loop").symlink_to("loop")
    (tmp_path / "live" / "dangling").symlink_to("missing/dir")
    return tmp_path


def candidates(root: Path) -> list[str]:
    relative = ["live", "live/modules/db", "live/linked", "live/linked/db", "live/chain",
                "live/absolute", "live/file.tf", "live/loop", "live/dangling",
                "live/dangling/deeper", "live/missing/x", "live/linked/../modules",
                "live/./linked/db/", "live/chain/main.tf", "live/absolute/real.tf"]
    return [str(root / path) for path in relative]


def test_directories_and_files_resolve_as_realpath_does(tree: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    real_paths.forget()
    for path in candidates(tree):
        assert real_paths.real_directory(path) == os.path.realpath(path), path
        assert real_paths.real_path(path) == os.path.realpath(path), path
    monkeypatch.chdir(tree / "live")
    for path in ["linked/db", "chain", "file.tf", ".", "absolute/real.tf"]:
        assert real_paths.real_path(path) == os.path.realpath(path), path


def test_a_link_changed_between_scans_is_resolved_again(tree: Path) -> None:
    real_paths.forget()
    link = tree / "live" / "linked"
    assert real_paths.real_directory(str(link / "db")) == str(tree / "live" / "modules" / "db")
    link.unlink()
    link.symlink_to(tree / "elsewhere")
    real_paths.forget()
    assert real_paths.real_directory(str(link / "db")) == str(tree / "elsewhere" / "db")
