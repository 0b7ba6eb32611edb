"""Where the scan's own process spends its time: discovery, planning units, waiting for its
workers, finishing findings (snippets, fingerprints, suppressions) and writing the report.
Discovery and planning run before any worker has work, and finishing after the last one is
done: with two workers on two cores, they decide how far the wall time is from half the CPU.

    python bench/phases.py PATH [scan options]
    python bench/phases.py bench/out/checkov_tree_16x/copies-16 --jobs 2

One scan of PATH in this process (its workers are processes of their own, as in any scan), JSON
report to /dev/null; wall and CPU time of each phase on standard error. Bytecode as the
environment has it: unset PYTHONDONTWRITEBYTECODE for the figures an installed package gives.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import inspect
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

PHASES = (  # module, function, label
    ("dicomguard.scan", "discover", "discovery"),
    ("dicomguard.stream", "plan_units", "planning units"),
    ("dicomguard.workers", "evaluated_batches", "units (workers)"),
    ("dicomguard.scan", "finish_findings", "finishing findings"),
    ("dicomguard.report.outputs", "write_reports", "writing the report"),
)


def timed(function: Callable[..., Any], spent: list[float]) -> Callable[..., Any]:
    """`function`, adding its wall and CPU time to `spent`; a generator's time is the time
    spent producing its items."""
    if inspect.isgeneratorfunction(function):
        @functools.wraps(function)
        def produced(*args: Any, **kwargs: Any) -> Iterator[Any]:
            items = function(*args, **kwargs)
            while True:
                wall, cpu = time.perf_counter(), time.process_time()
                try:
                    item = next(items)
                except StopIteration:
                    return
                finally:
                    spent[0] += time.perf_counter() - wall
                    spent[1] += time.process_time() - cpu
                yield item

        return produced

    @functools.wraps(function)
    def measured(*args: Any, **kwargs: Any) -> Any:
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            return function(*args, **kwargs)
        finally:
            spent[0] += time.perf_counter() - wall
            spent[1] += time.process_time() - cpu

    return measured


def main() -> None:
    spent: dict[str, list[float]] = {}
    for module_name, function_name, label in PHASES:
        module = importlib.import_module(module_name)
        spent[label] = [0.0, 0.0]
        setattr(module, function_name, timed(getattr(module, function_name), spent[label]))
    from dicomguard.cli import main as scan

    sys.argv = ["dicomguard", "scan", *sys.argv[1:], "--format", "json", "-o", "/dev/null"]
    wall, cpu = time.perf_counter(), time.process_time()
    with contextlib.suppress(SystemExit):  # the scan's exit code
        scan()
    spent["whole scan, this process"] = [time.perf_counter() - wall, time.process_time() - cpu]
    for label, (seconds, cpu_seconds) in spent.items():
        print(f"{label:<26} {seconds:8.2f} s wall {cpu_seconds:8.2f} s CPU", file=sys.stderr)


if __name__ == "__main__":
    main()
