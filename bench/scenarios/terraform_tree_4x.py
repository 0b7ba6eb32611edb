"""The generated Terraform tree (terraform_tree.py, 1,691 files) copied 4 times."""

from pathlib import Path

from _copies import copies

NAME = "terraform_tree_4x"
DESCRIPTION = "the generated ~1,500-file Terraform tree copied 4 times"


def build(workdir: Path) -> list[str]:
    (workdir.parent / "terraform_tree").mkdir(exist_ok=True)
    return copies(workdir, 4)
