"""A tree copied side by side N times: the same content, N times the files, to see how time
and memory grow with a repository's size."""

from __future__ import annotations

import shutil
from pathlib import Path

import terraform_tree


def copies(workdir: Path, count: int, original: Path | None = None) -> list[str]:
    """`original` (default: the generated terraform_tree) copied `count` times."""
    tree = workdir / f"copies-{count}"
    if (tree / ".complete").exists():
        return [str(tree)]
    if original is None:
        original = Path(terraform_tree.build(workdir.parent / terraform_tree.NAME)[0])
    for index in range(count):
        target = tree / f"copy-{index:02d}"
        if not target.exists():
            shutil.copytree(original, target, ignore=shutil.ignore_patterns(".complete"))
    (tree / ".complete").write_text("", encoding="utf-8")
    return [str(tree)]
