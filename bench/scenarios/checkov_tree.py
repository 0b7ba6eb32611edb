"""checkov's own Terraform test tree (tests/terraform: 1,503 .tf files, 3,215 files, 22 MB): real,
varied Terraform written by others. Needs a checkout of github.com/bridgecrewio/checkov named by
DICOMGUARD_BENCH_CHECKOV; skipped without one (nothing is downloaded)."""

from __future__ import annotations

import os
from pathlib import Path

NAME = "checkov_tree"
DESCRIPTION = "checkov's tests/terraform (1,503 .tf files; needs DICOMGUARD_BENCH_CHECKOV)"


def original() -> Path | None:
    checkout = os.environ.get("DICOMGUARD_BENCH_CHECKOV")
    tree = Path(checkout) / "tests" / "terraform" if checkout else None
    return tree if tree is not None and tree.is_dir() else None


def build(workdir: Path) -> list[str]:
    tree = original()
    return [str(tree)] if tree else []
