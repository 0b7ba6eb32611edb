"""Benchmark: median wall time and peak memory of `dicomguard scan`, per scenario.

    python bench/run.py                      every scenario, 5 runs each
    python bench/run.py small_module -n 11   one scenario, 11 runs
    python bench/run.py --list

Reported per scenario: median wall time, CPU time (user + system, the worker processes
included: they are the scan's children) and peak resident memory, both of the largest single
process (the scan or one worker, from wait4) and of the scan and its workers together (sampled
from /proc every 20 ms). `--jobs N` passes --jobs to the scan.

Each scenario is a module in bench/scenarios/ with NAME, DESCRIPTION and
build(workdir: Path) -> list[str] (the paths to scan); generated trees are built once into
bench/out/. A scenario may also give OPTIONS (more scan options) and run_in(workdir) (the
directory the scan runs in, as a hook runs at the repository root). Every run is a fresh
process, as in a pre-commit hook or a CI job.

The scans run with their bytecode cached, as an installed package runs: PYTHONDONTWRITEBYTECODE
is removed from their environment, and the first run of each scenario (not counted) writes it.
`--installed` measures what a user gets from `pip install .`: this checkout installed (not
editable) into a fresh virtualenv, bench/out/venv, with nothing else in it; otherwise the scans
run with this interpreter and whatever its environment holds.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
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


@dataclass
class Sample:
    wall: float  # seconds
    cpu: float  # user + system seconds of the scan and its worker processes
    largest_kib: int  # peak resident memory of its largest process (wait4's ru_maxrss)
    tree_kib: int  # peak of the scan and its workers together, sampled every 20 ms
    code: int


def _tree_rss_kib(pid: int) -> int:
    """Resident memory of a process and its children (the workers), from /proc."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        if entry.name == str(pid) or fields.get("PPid", "").strip() == str(pid):
            total += int(fields.get("VmRSS", "0 kB").split()[0])
    return total


SCAN_ENVIRONMENT = {name: value for name, value in os.environ.items()
                    if name != "PYTHONDONTWRITEBYTECODE"}


def run_once(paths: list[str], extra: list[str], cwd: Path | None = None,
             python: str = sys.executable) -> Sample:
    """One scan by `python`'s dicomguard (exit code 2 is expected where a scenario holds input
    that Terraform itself would reject, as the corpus does)."""
    command = [python, "-m", "dicomguard", "scan", *paths, "--format", "json",
               "-o", os.devnull, *extra]
    sample, stderr = measure(command, cwd)
    if sample.code not in (0, 1, 2) or "internal error" in stderr or "Traceback" in stderr \
            or "No module named" in stderr:
        raise SystemExit(f"scan failed ({sample.code}): {' '.join(command)}\n{stderr}")
    return sample


def installed_python() -> str:
    """The interpreter of bench/out/venv, with this checkout freshly installed into it."""
    venv = OUT / "venv"
    python = venv / "bin" / "python"
    quiet = {"stdout": subprocess.DEVNULL, "env": SCAN_ENVIRONMENT, "check": True}
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], **quiet)
        subprocess.run([str(python), "-m", "pip", "install", "-q", str(HERE.parent)], **quiet)
    else:
        subprocess.run([str(python), "-m", "pip", "install", "-q", "--force-reinstall",
                        "--no-deps", str(HERE.parent)], **quiet)
    return str(python)


def measure(command: list[str], cwd: Path | None = None) -> tuple[Sample, str]:
    """Run a command: its Sample and standard error."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               cwd=cwd, env=SCAN_ENVIRONMENT)
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.02):
            peak[0] = max(peak[0], _tree_rss_kib(process.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stderr = process.stderr.read().decode(errors="replace") if process.stderr else ""
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    done.set()
    sampler.join()
    return Sample(elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, peak[0],
                  os.waitstatus_to_exitcode(status)), stderr


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", help="scenarios to run (default: all)")
    parser.add_argument("-n", "--runs", type=int, default=5, help="runs per scenario")
    parser.add_argument("--list", action="store_true", help="list scenarios and exit")
    parser.add_argument("--engine", default=None, help="pass --engine to the scan")
    parser.add_argument("--jobs", default=None, help="pass --jobs to the scan")
    parser.add_argument("--installed", action="store_true",
                        help="scan with this checkout installed into a fresh virtualenv")
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
    extra += ["--jobs", args.jobs] if args.jobs else []
    OUT.mkdir(exist_ok=True)
    python = installed_python() if args.installed else sys.executable
    print(f"dicomguard run by {python}, bytecode cached")
    print(f"load average {os.getloadavg()[0]:.1f}; medians of {args.runs} runs; peak RSS: of "
          "the largest process / of the scan and its workers together")
    print(f"{'scenario':<24} {'files':>6} {'wall s':>8} {'min s':>7} {'CPU s':>7} "
          f"{'largest MiB':>11} {'all MiB':>8}  exit")
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
        run_once(paths, options, cwd, python)  # warm the file cache and write the bytecode
        samples = [run_once(paths, options, cwd, python) for _ in range(args.runs)]
        walls = [sample.wall for sample in samples]
        print(f"{name:<24} {files:>6} {statistics.median(walls):>8.2f} {min(walls):>7.2f} "
              f"{statistics.median(sample.cpu for sample in samples):>7.2f} "
              f"{max(sample.largest_kib for sample in samples) / 1024:>11.1f} "
              f"{max(sample.tree_kib for sample in samples) / 1024:>8.1f}  {samples[-1].code}",
              flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
