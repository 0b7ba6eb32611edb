"""A provider package's adapters, gathered from its modules: every module that declares
`ADAPTERS` (resource type -> adapter) is found, so a new resource type is added in its
service's module, or in a new module, and nothing else is edited."""

from __future__ import annotations

from collections.abc import Iterable
from importlib import import_module
from pkgutil import iter_modules
from typing import Any


def gathered(package: str, path: Iterable[str], provider: str) -> dict[str, Any]:
    adapters: dict[str, Any] = {}
    for found in iter_modules(path):
        declared = getattr(import_module(f"{package}.{found.name}"), "ADAPTERS", {})
        clash = declared.keys() & adapters.keys()
        if clash:
            raise ImportError(f"{sorted(clash)} have adapters in two {provider} modules")
        adapters.update(declared)
    return adapters
