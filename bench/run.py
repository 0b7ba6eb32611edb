"""Benchmark: median wall time and peak memory of `dicomguard scan`, per scenario.

    python bench/run.py                      every scenario, 5 runs each
    python bench/run.py small_module -n 11   one scenario, 11 runs
    python bench/run.py --list

Each scenario is a module in bench/scenarios/ with NAME, DESCRIPTION and
build(workdir: Path) -> list[str] (the paths to scan); generated trees are built once into
bench/out/. A scenario may also give OPTIONS (more scan options) and run_in(workdir) (the
directory the scan runs in, as a hook runs at the repository root). Every run is a fresh
process, as in a pre-commit hook or a CI job.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCENARIOS = HERE / "scenarios"
OUT = HERE / "out"


def load_scenarios() -> dict[str, object]:
    sys.path.insert(0, str(SCENARIOS))  # for helpers shared by scenarios (_*.py)
    found = {}
    for path in sorted(SCENARIOS.glob("*.py")):
        if path.name.startswith("_"):
            continue
        spec = importlib.util.spec_from_file_location(f"bench_scenario_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        found[module.NAME] = module
    return found


def run_once(paths: list[str], extra: list[str], cwd: Path | None = None
             ) -> tuple[float, int, int]:
    """Wall seconds, peak resident memory in KiB, and exit code of one scan (2 is expected where
    a scenario holds input that Terraform itself would reject, as the corpus does)."""
    command = [sys.executable, "-m", "dicomguard", "scan", *paths, "--format", "json",
               "-o", os.devnull, *extra]
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               cwd=cwd)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    stderr = process.stderr.read().decode() if process.stderr else ""
    if process.returncode not in (0, 1, 2) or "internal error" in stderr:
        raise SystemExit(f"scan failed ({process.returncode}): {' '.join(command)}\n{stderr}")
    return elapsed, usage.ru_maxrss, process.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", help="scenarios to run (default: all)")
    parser.add_argument("-n", "--runs", type=int, default=5, help="runs per scenario")
    parser.add_argument("--list", action="store_true", help="list scenarios and exit")
    parser.add_argument("--engine", default=None, help="pass --engine to the scan")
    args = parser.parse_args()
    scenarios = load_scenarios()
    if args.list:
        for name, module in scenarios.items():
            print(f"{name:<24} {module.DESCRIPTION}")
        return 0
    unknown = [name for name in args.names if name not in scenarios]
    if unknown:
        parser.error(f"unknown scenario(s) {', '.join(unknown)}; see --list")
    extra = ["--engine", args.engine] if args.engine else []
    OUT.mkdir(exist_ok=True)
    print(f"{'scenario':<24} {'files':>6} {'median s':>9} {'min s':>7} {'peak MiB':>9}  exit")
    for name in args.names or list(scenarios):
        module = scenarios[name]
        workdir = OUT / name
        workdir.mkdir(exist_ok=True)
        paths = module.build(workdir)
        if not paths:
            print(f"{name:<24} skipped (nothing to scan: {module.DESCRIPTION})")
            continue
        cwd = module.run_in(workdir) if hasattr(module, "run_in") else None
        options = [*getattr(module, "OPTIONS", []), *extra]
        files = sum(1 if (cwd or Path()).joinpath(p).is_file()
                    else sum(1 for f in (cwd or Path()).joinpath(p).rglob("*") if f.is_file())
                    for p in paths)
        run_once(paths, options, cwd)  # warm the file cache
        samples = [run_once(paths, options, cwd) for _ in range(args.runs)]
        walls = [sample[0] for sample in samples]
        peak = max(sample[1] for sample in samples) / 1024
        print(f"{name:<24} {files:>6} {statistics.median(walls):>9.3f} {min(walls):>7.3f} "
              f"{peak:>9.1f}  {samples[-1][2]}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
