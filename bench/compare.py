"""dicomguard against Trivy (`trivy config`) and checkov on the same trees: wall time, CPU time
and peak memory of each, and dicomguard's ratio to the others.

    python bench/compare.py                  checkov_tree, terraform_tree, their 4x, 16x copies
    python bench/compare.py small_module -n 3

A tool that is not installed is skipped with a message. Trees come from bench/scenarios (see
run.py); each tool runs once on the warm file cache first.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
from pathlib import Path

from run import OUT, Sample, load_scenarios, measure, run_once

DEFAULT = ["checkov_tree", "checkov_tree_4x", "checkov_tree_16x", "terraform_tree",
           "terraform_tree_4x", "terraform_tree_16x"]


def other_tool(command: list[str]) -> Sample:
    """Wall, CPU and peak memory of another scanner; its exit code is not checked."""
    return measure(command)[0]


def tools(path: str) -> dict[str, list[str] | None]:
    trivy, checkov = shutil.which("trivy"), shutil.which("checkov")
    return {
        "trivy": [trivy, "config", "--quiet", "--format", "json", "--output", os.devnull, path]
        if trivy else None,
        "checkov": [checkov, "--quiet", "--compact", "-o", "json", "--framework", "terraform",
                    "-d", path] if checkov else None,
    }


def median(samples: list[Sample]) -> tuple[float, float, float]:
    return (statistics.median(sample.wall for sample in samples),
            statistics.median(sample.cpu for sample in samples),
            max(sample.tree_kib for sample in samples) / 1024)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", help=f"scenarios (default: {' '.join(DEFAULT)})")
    parser.add_argument("-n", "--runs", type=int, default=3, help="runs per tool and tree")
    args = parser.parse_args()
    scenarios = load_scenarios()
    OUT.mkdir(exist_ok=True)
    print(f"load average {os.getloadavg()[0]:.1f}; medians of {args.runs} runs; peak: the "
          "tool and its child processes together")
    for name in args.names or DEFAULT:
        workdir = OUT / name
        workdir.mkdir(exist_ok=True)
        paths = scenarios[name].build(workdir)
        if not paths:
            print(f"{name}: skipped ({scenarios[name].DESCRIPTION})")
            continue
        run_once(paths, [])
        ours = median([run_once(paths, []) for _ in range(args.runs)])
        print(f"{name}: dicomguard {ours[0]:.1f} s wall, {ours[1]:.1f} s CPU, {ours[2]:.0f} MiB")
        for tool, command in tools(paths[0]).items():
            if command is None:
                print(f"  {tool}: not installed, skipped")
                continue
            other_tool(command)
            theirs = median([other_tool(command) for _ in range(args.runs)])
            print(f"  {tool}: {theirs[0]:.1f} s wall, {theirs[1]:.1f} s CPU, {theirs[2]:.0f} MiB"
                  f"; dicomguard is {theirs[0] / ours[0]:.1f}x faster (wall), "
                  f"{theirs[1] / ours[1]:.1f}x (CPU), uses {ours[2] / theirs[2]:.2f}x the memory")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    raise SystemExit(main())
