"""Compare HCL front ends on the same files: tree-sitter-hcl (what dicomguard uses, parse only
and parse + compile to dicomguard's syntax tree) and python-hcl2 (measured for comparison
only; it is not a dependency and must be installed separately).

    python bench/hcl_parsers.py tree-sitter PATH...
    python bench/hcl_parsers.py dicomguard PATH...
    python bench/hcl_parsers.py python-hcl2 PATH...

Prints files, bytes, files rejected, the median wall and CPU time of 5 passes over all files
(CPU time is the steadier figure on a shared machine), and peak memory.
"""

from __future__ import annotations

import resource
import statistics
import sys
import time
from pathlib import Path


def files_under(paths: list[str]) -> list[tuple[str, str]]:
    found = []
    for path in map(Path, paths):
        candidates = [path] if path.is_file() else sorted(path.rglob("*.tf"))
        for candidate in candidates:
            if candidate.is_file() and ".terraform" not in candidate.parts:
                found.append((str(candidate), candidate.read_text(encoding="utf-8",
                                                                 errors="replace")))
    return found


def parser(name: str):
    if name == "tree-sitter":
        from dicomguard.terraform.hcl import parse_tree

        def parse_only(text: str, path: str) -> bool:
            return not parse_tree(text.encode("utf-8")).root_node.has_error
        return parse_only
    if name == "dicomguard":
        from dicomguard.model import InputError
        from dicomguard.terraform.hcl import parse_file

        def parse_and_compile(text: str, path: str) -> bool:
            try:
                parse_file(text, path)
            except InputError:
                return False
            return True
        return parse_and_compile
    if name == "python-hcl2":
        import hcl2

        def parse_hcl2(text: str, path: str) -> bool:
            try:
                hcl2.loads(text)
            except Exception:
                return False
            return True
        return parse_hcl2
    raise SystemExit(f"unknown parser {name!r}")


def main() -> int:
    name, paths = sys.argv[1], sys.argv[2:]
    parse = parser(name)
    files = files_under(paths)
    walls, cpus, rejected = [], [], 0
    for _ in range(5):
        started, started_cpu = time.perf_counter(), time.process_time()
        rejected = sum(not parse(text, path) for path, text in files)
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - started_cpu)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    size = sum(len(text.encode("utf-8")) for _, text in files)
    print(f"{name:<12} files={len(files)} bytes={size} rejected={rejected} "
          f"wall median={statistics.median(walls):.3f}s cpu median="
          f"{statistics.median(cpus):.3f}s peak={peak:.0f}MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
