"""The units a change touches: what a scan of changed files must read to judge them in context.

- Terraform: the module directories that hold a changed file (or, for a file that is not
  Terraform, that lie above it: `file()` may read it), every module that calls one of those
  through a local `source`, up to the root modules, and every local module those call.
- Ansible: plays reach roles, inventories, variables and templates in many ways; any changed
  Ansible file brings in every Ansible file of the repository.
- Firewall rule sets: the changed files. Compose and Kubernetes: the files of a changed file's
  directory (a project's override files, a manifest directory).
- A changed dicomguard configuration changes every verdict: everything is scanned.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from pathlib import Path, PurePath

from dicomguard.ansible import detect as ansible_detect
from dicomguard.config import CONFIG_NAMES
from dicomguard.model import SourceFile
from dicomguard.terraform import detect as terraform_detect
from dicomguard.terraform.configuration import is_local_source

Grouped = dict[str, list[SourceFile]]
Reader = Callable[[SourceFile], str]

_SOURCE = re.compile(r'^\s*"?source"?\s*[=:]\s*"([^"]*)"', re.MULTILINE)
ANSIBLE_DIRECTORIES = frozenset({"roles", "group_vars", "host_vars", "inventory", "inventories",
                                 "files", "templates"})


def _directory(path: str) -> str:
    return os.path.normpath(os.path.dirname(path) or ".")


def _ancestors(path: str) -> Iterable[str]:
    directory = _directory(path)
    while True:
        yield directory
        if directory == ".":
            return
        directory = _directory(directory)


def affected_units(grouped: Grouped, changed: list[str], read: Reader) -> Grouped:
    """The files of every unit that contains or is affected by a changed path."""
    if any(PurePath(path).name in CONFIG_NAMES for path in changed):
        return grouped
    changed_paths = {os.path.normpath(path) for path in changed}
    directories = {_directory(path) for path in changed}
    selected: Grouped = {}
    for family, files in grouped.items():
        if family == "terraform":
            selected[family] = _terraform(files, changed, read)
        elif family == "ansible":
            selected[family] = files if _touches_ansible(files, changed) else []
        elif family == "firewall":
            selected[family] = [source for source in files
                                if os.path.normpath(source.path) in changed_paths]
        else:
            kustomized = any(_under(source, changed_paths) for source in files
                             if source.kind == "kustomization")
            selected[family] = [source for source in files
                                if _directory(source.path) in directories
                                or (source.kind == "helm-chart" and _under(source, changed_paths))
                                or (source.kind == "kustomization" and kustomized)]
    return selected


def _under(source: SourceFile, changed: set[str]) -> bool:
    """A change to any file under the directory of a Helm chart (a template, a values file, a
    vendored subchart) or of a kustomization (a resource, a patch, a generator's file). A chart
    is rendered again; every kustomization is built again, since overlays elsewhere build on
    this one."""
    directory = _directory(source.path)
    return any(directory == "." or path.startswith(directory + os.sep) for path in changed)


def _terraform(files: list[SourceFile], changed: list[str], read: Reader) -> list[SourceFile]:
    directories = {_directory(source.path) for source in files}
    touched: set[str] = set()
    for path in changed:
        if terraform_detect.named(Path(path)):
            touched.add(_directory(path))
        else:
            touched.update(directory for directory in _ancestors(path)
                           if directory in directories)
    calls = _local_calls(files, read)
    callers: dict[str, set[str]] = {}
    for caller, targets in calls.items():
        for target in targets:
            callers.setdefault(target, set()).add(caller)
    selected = _closure(touched, callers)
    selected = _closure(selected, calls)
    return [source for source in files if _directory(source.path) in selected]


def _local_calls(files: list[SourceFile], read: Reader) -> dict[str, set[str]]:
    """Each directory's local module sources, as directories. Every `source` attribute counts
    (a resource's too): reading more than needed is safe, less is not."""
    calls: dict[str, set[str]] = {}
    for source in files:
        if source.kind not in {"tf", "tf-json"}:
            continue
        directory = _directory(source.path)
        for target in _SOURCE.findall(read(source)):
            if is_local_source(target):
                calls.setdefault(directory, set()).add(
                    os.path.normpath(os.path.join(directory, target)))
    return calls


def _closure(start: set[str], edges: dict[str, set[str]]) -> set[str]:
    reached = set(start)
    pending = list(start)
    while pending:
        for following in edges.get(pending.pop(), ()):
            if following not in reached:
                reached.add(following)
                pending.append(following)
    return reached


def _touches_ansible(files: list[SourceFile], changed: list[str]) -> bool:
    ansible_paths = {os.path.normpath(source.path) for source in files}
    return any(os.path.normpath(path) in ansible_paths or ansible_detect.named(Path(path))
               or not ANSIBLE_DIRECTORIES.isdisjoint(PurePath(path).parts[:-1])
               for path in changed)
