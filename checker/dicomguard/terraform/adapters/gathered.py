"""A provider package's adapters, gathered from its modules: every module that declares
`ADAPTERS` (resource type -> adapter) is found, so a new resource type is added in its
service's module, or in a new module, and nothing else is edited."""

from __future__ import annotations

import os
from collections.abc import Iterable
from importlib import import_module
from typing import Any


def gathered(package: str, path: Iterable[str], provider: str) -> dict[str, Any]:
    adapters: dict[str, Any] = {}
    for name in module_names(path):
        declared = getattr(import_module(f"{package}.{name}"), "ADAPTERS", {})
        clash = declared.keys() & adapters.keys()
        if clash:
            raise ImportError(f"{sorted(clash)} have adapters in two {provider} modules")
        adapters.update(declared)
    return adapters


def module_names(path: Iterable[str]) -> list[str]:
    """The modules of a package's directories in file-name order, as pkgutil.iter_modules
    lists them; that function imports inspect, a tenth of a small scan's start-up."""
    names: list[str] = []
    for directory in path:
        for entry in sorted(os.listdir(directory)):
            if entry.endswith(".py") and entry != "__init__.py":
                name = entry[:-3]
            elif "." not in entry and os.path.isfile(os.path.join(directory, entry, "__init__.py")):
                name = entry
            else:
                continue
            if name.isidentifier() and name not in names:
                names.append(name)
    return names
