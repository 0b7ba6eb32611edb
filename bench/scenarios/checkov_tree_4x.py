"""checkov's tests/terraform (checkov_tree.py) copied 4 times side by side."""

from pathlib import Path

import checkov_tree
from _copies import copies

NAME = "checkov_tree_4x"
DESCRIPTION = "checkov's tests/terraform copied 4 times (needs DICOMGUARD_BENCH_CHECKOV)"


def build(workdir: Path) -> list[str]:
    original = checkov_tree.original()
    return copies(workdir, 4, original) if original else []
