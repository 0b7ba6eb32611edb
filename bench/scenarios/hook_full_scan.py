"""The same repository as hook_one_change scanned whole, as the hook did before it read the
index: every module, compose project and rule set."""

from pathlib import Path

import _generated_repository as repository

NAME = "hook_full_scan"
DESCRIPTION = "full scan of the hook_one_change repository (the work tree, every unit)"


def run_in(workdir: Path) -> Path:
    return repository.build(workdir)


def build(workdir: Path) -> list[str]:
    repository.build(workdir)
    return ["."]
