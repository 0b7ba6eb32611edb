"""Coverage-guided fuzzing of every parser and evaluator dicomguard runs on a scanned file.

    python fuzz/run.py --list                        the targets
    python fuzz/run.py hcl --seconds 600             fuzz one target (the long run)
    python fuzz/run.py --all --runs 1500             every target briefly and reproducibly
                                                     (fixed seed and count: what CI runs)
    python fuzz/run.py --replay DIR [--all|TARGET]   run saved inputs once, no fuzzing

Seeds come from examples/ and ../shared/corpus (set DICOMGUARD_SHARED elsewhere), classified
by dicomguard's own detectors. A defect (see fuzz/targets.py) stops the target and its input is
saved under fuzz/out/<target>/ (crash-*, timeout-*, oom-*); the exit code is then 1.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
OUT = PROJECT / "fuzz" / "out"
SLOWEST_INPUT_SECONDS = 20
LARGEST_RSS_MB = 2048
LARGEST_INPUT_BYTES = 64 * 1024


def _shared() -> Path:
    return Path(os.environ.get("DICOMGUARD_SHARED", PROJECT.parent / "shared"))


def seed_files() -> dict[str, list[Path]]:
    """Every example and corpus file, by the kind dicomguard's detectors give it."""
    from dicomguard.discover import discover

    roots = [str(PROJECT / "examples")]
    if (_shared() / "corpus").is_dir():
        roots.append(str(_shared() / "corpus"))
    by_kind: dict[str, list[Path]] = {}
    for files in discover(roots).grouped.values():
        for source in files:
            by_kind.setdefault(source.kind, []).append(Path(source.path).absolute())
    return by_kind


def _seed_directory(target_name: str) -> Path:
    from fuzz.targets import TARGETS

    directory = Path(tempfile.mkdtemp(prefix=f"dicomguard-seeds-{target_name}-"))
    kinds = seed_files()
    for kind in TARGETS[target_name].seeds():
        for index, path in enumerate(kinds.get(kind, [])):
            if path.stat().st_size <= LARGEST_INPUT_BYTES:
                shutil.copyfile(path, directory / f"{kind}-{index}")
    roots = [PROJECT / "examples", _shared() / "corpus"]
    for pattern in TARGETS[target_name].seed_names:
        named = sorted(path for root in roots if root.is_dir() for path in root.rglob(pattern))
        for index, path in enumerate(named):
            if path.is_file() and path.stat().st_size <= LARGEST_INPUT_BYTES:
                shutil.copyfile(path, directory / f"named-{index}-{path.name}")
    return directory


def fuzz(target_name: str, seconds: int, runs: int | None = None) -> int:
    """Fuzz one target in this process (atheris takes the process over)."""
    import atheris

    with atheris.instrument_imports(include=["dicomguard"]):
        import dicomguard
        from fuzz.targets import TARGETS, make_runner

        for module in pkgutil.walk_packages(dicomguard.__path__, "dicomguard."):
            if not module.name.endswith("__main__"):
                importlib.import_module(module.name)  # families import parsers lazily

    if target_name not in TARGETS:
        print(f"unknown target {target_name!r}; --list shows them", file=sys.stderr)
        return 2
    run = make_runner(TARGETS[target_name])
    artifacts = OUT / target_name
    artifacts.mkdir(parents=True, exist_ok=True)
    seeds = _seed_directory(target_name)
    budget = [f"-runs={runs}", "-seed=1"] if runs else [f"-max_total_time={seconds}"]
    arguments = [sys.argv[0], str(seeds), *budget,
                 f"-timeout={SLOWEST_INPUT_SECONDS}", f"-rss_limit_mb={LARGEST_RSS_MB}",
                 f"-max_len={LARGEST_INPUT_BYTES}", f"-artifact_prefix={artifacts}/",
                 "-print_final_stats=1"]
    atheris.Setup(arguments, run)
    atheris.Fuzz()
    return 0


def replay(directory: Path, target_names: list[str]) -> int:
    """Run each saved input once through the targets (no instrumentation): a regression check."""
    from fuzz.targets import TARGETS, Defect, make_runner

    failures = 0
    inputs = sorted(path.absolute() for path in directory.rglob("*") if path.is_file())
    for name in target_names:
        run = make_runner(TARGETS[name])
        for path in inputs:
            try:
                run(path.read_bytes())
            except Defect as defect:
                failures += 1
                print(f"{name}: {path}: {defect}")
            except Exception as error:  # a defect too: report every one, then fail
                failures += 1
                print(f"{name}: {path}: {type(error).__name__}: {error}")
    print(f"replayed {len(inputs)} inputs on {len(target_names)} targets: {failures} defects")
    return 1 if failures else 0


EXECUTED = re.compile(r"stat::number_of_executed_units:\s*(\d+)")


def fuzz_all(seconds: int, runs: int | None = None) -> int:
    """Each target in its own process (libFuzzer ends the process), one summary line each."""
    from fuzz.targets import TARGETS

    failed = []
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join(
        filter(None, [str(PROJECT), os.environ.get("PYTHONPATH", "")]))}
    for name in TARGETS:
        result = subprocess.run(
            [sys.executable, str(Path(__file__)), name, "--seconds", str(seconds),
             *(["--runs", str(runs)] if runs else [])],
            capture_output=True, text=True, env=environment, cwd=PROJECT,
            timeout=(runs or seconds) + SLOWEST_INPUT_SECONDS + 300)
        executed = EXECUTED.search(result.stderr)
        count = executed.group(1) if executed else "?"
        verdict = "ok" if result.returncode == 0 else "DEFECT"
        print(f"{name:18} {count:>8} inputs  {verdict}", flush=True)
        if result.returncode != 0:
            failed.append(name)
            tail = "\n".join(result.stderr.splitlines()[-40:])
            print(f"--- {name} ---\n{tail}\n", flush=True)
    print(f"{len(TARGETS) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("target", nargs="?", help="a target name (see --list)")
    parser.add_argument("--all", action="store_true", help="every target")
    parser.add_argument("--seconds", type=int, default=60, help="fuzzing time per target")
    parser.add_argument("--runs", type=int,
                        help="a fixed number of inputs per target, from a fixed seed, instead")
    parser.add_argument("--replay", type=Path, metavar="DIR",
                        help="run the inputs saved in DIR once, without fuzzing")
    parser.add_argument("--list", action="store_true", help="list the targets")
    args = parser.parse_args()
    sys.path.insert(0, str(PROJECT))
    if args.target and not (args.all or args.replay or args.list):
        return fuzz(args.target, args.seconds, args.runs)  # imports dicomguard instrumented
    from fuzz.targets import TARGETS

    if args.list:
        for target in TARGETS.values():
            print(f"{target.name:18} {target.family:10} {target.file_name}")
        return 0
    if args.target and args.target not in TARGETS:
        parser.error(f"unknown target {args.target!r}; --list shows them")
    names = list(TARGETS) if args.all or not args.target else [args.target]
    if args.replay:
        return replay(args.replay, names)
    if args.all:
        return fuzz_all(args.seconds, args.runs)
    parser.error("name a target, or --all")
    return 2


if __name__ == "__main__":
    sys.exit(main())
