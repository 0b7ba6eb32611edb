"""The same repository as hook_one_change scanned whole, as the hook did before it read the
index: every module, compose project and rule set."""

import importlib.util
from pathlib import Path

_spec = importlib.util.spec_from_file_location(
    "bench_generated_repository", Path(__file__).with_name("_generated_repository.py"))
repository = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(repository)

NAME = "hook_full_scan"
DESCRIPTION = "full scan of the hook_one_change repository (the work tree, every unit)"


def run_in(workdir: Path) -> Path:
    return repository.build(workdir)


def build(workdir: Path) -> list[str]:
    repository.build(workdir)
    return ["."]
