"""The pre-commit hook (`scan --staged` with the changed file, as pre-commit passes it) on a large
repository where one module's variables changed: compare with hook_full_scan."""

from pathlib import Path

import _generated_repository as repository

NAME = "hook_one_change"
DESCRIPTION = "pre-commit hook, one staged .tf change in a 1,600-file repository"
OPTIONS = ["--staged"]


def run_in(workdir: Path) -> Path:
    return repository.build(workdir)


def build(workdir: Path) -> list[str]:
    repository.build(workdir)
    return [repository.CHANGED]
