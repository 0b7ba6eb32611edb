"""The units of a Terraform tree, planned before anything is parsed: one per root module, with
the local modules it calls (transitively) and the modules terraform init downloaded under it.

The calls are found in the text (a `source = "./..."` in a `module` block, `module.*.source` in
.tf.json), so that planning costs a read and a regular expression per file, not a parse. Which
of a unit's directories is a root is then decided by the loader, exactly, within the unit."""

from __future__ import annotations

import bisect
import json
import os
import re
from collections import Counter
from pathlib import Path
from typing import Any

from dicomguard.model import SourceFile
from dicomguard.real_paths import real_directory
from dicomguard.records import field, record
from dicomguard.regular_files import read_regular_text
from dicomguard.terraform.configuration import (
    MODULE_KINDS,
    VARIABLE_KINDS,
    is_local_source,
    strongly_connected,
)

_HEADER = re.compile(r'^[ \t]*([A-Za-z_][\w-]*)(?:[ \t]+(?:"[^"\n]*"|[\w-]+))*[ \t]*\{',
                     re.MULTILINE)
_SOURCE = re.compile(r'(?:^|\{)[ \t]*source[ \t]*=[ \t]*"((?:[^"\\\n$]|\\.)*)"', re.MULTILINE)


@record
class RootPlan:
    """What one Terraform unit reads, and which of its directories it evaluates as roots."""

    files: list[SourceFile]
    roots: frozenset[Path]  # resolved directories this unit evaluates as root modules
    several_roots: bool  # whether the whole tree has more than one root (addresses say which)
    shared: frozenset[Path] = frozenset()  # module directories other units read too


@record
class _Tree:
    modules: dict[Path, list[SourceFile]] = field(default_factory=dict)
    variables: dict[Path, list[SourceFile]] = field(default_factory=dict)
    plans: list[SourceFile] = field(default_factory=list)
    calls: dict[Path, list[Path]] = field(default_factory=dict)
    downloaded: dict[Path, list[Path]] = field(default_factory=dict)  # by the root above them
    resolved: dict[str, Path] = field(default_factory=dict)  # directory as discovered: real

    def directory_of(self, source: SourceFile) -> Path:
        parent = os.path.dirname(source.path)
        directory = self.resolved.get(parent)
        if directory is None:
            directory = self.resolved[parent] = Path(real_directory(parent))
        return directory


def plan_roots(files: list[SourceFile]) -> list[RootPlan]:
    """The Terraform units of `files` (discovery order), in the order the whole-tree loader
    reads them: plan files, each a unit of its own, then the roots."""
    tree = _index(files)
    component = strongly_connected({caller: [(None, target) for target in targets]
                                    for caller, targets in tree.calls.items()})
    called = {target for caller, targets in tree.calls.items() for target in targets
              if component.get(caller) != component.get(target)}
    roots = [directory for directory in sorted(tree.modules)
             if directory not in called and ".terraform" not in directory.parts]
    several = len(roots) > 1
    position = {id(source): index for index, source in enumerate(files)}
    # Plans first: the whole-tree loader reads them while it reads the files, before roots.
    units = [RootPlan([plan], frozenset(), several) for plan in tree.plans]
    reached: set[Path] = set()
    for root in roots:
        directories = _reads(root, tree)
        # A directory the text shows called, that the loader finds no call of, is a root: the
        # first unit that reads it evaluates it.
        owned = {directory for directory in directories if directory not in reached}
        reached.update(directories)
        chosen = [source for directory in directories for source in tree.modules[directory]]
        chosen.extend(source for directory in sorted(owned | {root})
                      for source in tree.variables.get(directory, []))
        chosen.sort(key=lambda source: position[id(source)])
        units.append(RootPlan(chosen, frozenset({root} | owned), several))
    unreached = [source for directory, sources in tree.modules.items()
                 if directory not in reached for source in sources]
    if unreached:  # downloaded modules no scanned root owns: parsed, never evaluated
        units.append(RootPlan(unreached, frozenset(), several))
    return _with_shared(units, tree)


def _with_shared(units: list[RootPlan], tree: _Tree) -> list[RootPlan]:
    """The units, each knowing which of its module directories other units read too: only
    those files are worth keeping parsed for the next unit."""
    readers = Counter(directory for unit in units
                      for directory in {tree.directory_of(source) for source in unit.files})
    shared = frozenset(directory for directory, count in readers.items() if count > 1)
    for unit in units:
        unit.shared = shared
    return units


def _index(files: list[SourceFile]) -> _Tree:
    tree = _Tree()
    for source in files:
        directory = tree.directory_of(source)
        if source.kind in MODULE_KINDS:
            tree.modules.setdefault(directory, []).append(source)
        elif source.kind in VARIABLE_KINDS:
            tree.variables.setdefault(directory, []).append(source)
        elif source.kind == "plan":
            tree.plans.append(source)
    for directory, sources in tree.modules.items():
        if ".terraform" in directory.parts:
            owner = Path(*directory.parts[:directory.parts.index(".terraform")])
            tree.downloaded.setdefault(owner, []).append(directory)
        for source in sources:
            for called in local_sources(source):
                target = _directory_of(directory, called, tree.modules)
                if target in tree.modules:
                    tree.calls.setdefault(directory, []).append(target)
    return tree


def _directory_of(caller: Path, source: str, modules: dict[Path, Any]) -> Path:
    joined = Path(os.path.normpath(os.path.join(caller, source)))
    return joined if joined in modules else (caller / source).resolve()


def _reads(root: Path, tree: _Tree) -> list[Path]:
    """The directories a root's evaluation may read: what it calls, transitively, and what
    terraform init downloaded under it."""
    seen = {root: None}
    pending = [root]
    while pending:
        for target in tree.calls.get(pending.pop(), []):
            if target not in seen:
                seen[target] = None
                pending.append(target)
    for directory in tree.downloaded.get(root, []):
        seen.setdefault(directory)
    return sorted(seen)


def local_sources(source: SourceFile) -> list[str]:
    """The local module sources a file's `module` blocks name; [] when it cannot be read (the
    loader reports that)."""
    try:
        text = read_regular_text(source.path)
    except (OSError, UnicodeDecodeError, ValueError):
        return []
    if source.kind == "tf-json":
        return _json_sources(text)
    if "source" not in text or "module" not in text:
        return []
    headers = [(match.start(), match.group(1)) for match in _HEADER.finditer(text)]
    starts = [start for start, _ in headers]
    found = []
    for match in _SOURCE.finditer(text):
        value = match.group(1)
        if not is_local_source(value):
            continue
        block = bisect.bisect_right(starts, match.start()) - 1
        if block >= 0 and headers[block][1] == "module":
            found.append(value)
    return found


def _json_sources(text: str) -> list[str]:
    if '"module"' not in text:
        return []
    try:
        document = json.loads(text)
    except (ValueError, RecursionError):  # the loader reports what it cannot read
        return []
    modules = document.get("module") if isinstance(document, dict) else None
    found = []
    for group in modules if isinstance(modules, list) else [modules]:
        if not isinstance(group, dict):
            continue
        for call in group.values():
            for body in call if isinstance(call, list) else [call]:
                source = body.get("source") if isinstance(body, dict) else None
                if isinstance(source, str) and is_local_source(source):
                    found.append(source)
    return found
