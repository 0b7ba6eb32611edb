"""The pre-commit hook (`scan --staged` with the changed file, as pre-commit passes it) on a large
repository where one module's variables changed: compare with hook_full_scan."""

import importlib.util
from pathlib import Path

_spec = importlib.util.spec_from_file_location(
    "bench_generated_repository", Path(__file__).with_name("_generated_repository.py"))
repository = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(repository)

NAME = "hook_one_change"
DESCRIPTION = "pre-commit hook, one staged .tf change in a 1,600-file repository"
OPTIONS = ["--staged"]


def run_in(workdir: Path) -> Path:
    return repository.build(workdir)


def build(workdir: Path) -> list[str]:
    repository.build(workdir)
    return [repository.CHANGED]
