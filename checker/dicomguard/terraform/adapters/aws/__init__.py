"""AWS resources as facts, one module per service. Every module of this package that declares
`ADAPTERS` (resource type -> adapter) is found here: a new resource type is added in its
service's module, or in a new module, and nothing else is edited."""

from __future__ import annotations

from importlib import import_module
from pkgutil import iter_modules

from dicomguard.terraform.adapters.aws.context import Adapter, build_context

__all__ = ["ADAPTERS", "build_context"]


def _gathered() -> dict[str, Adapter]:
    adapters: dict[str, Adapter] = {}
    for found in iter_modules(__path__):
        declared = getattr(import_module(f"{__name__}.{found.name}"), "ADAPTERS", {})
        clash = declared.keys() & adapters.keys()
        if clash:
            raise ImportError(f"{sorted(clash)} have adapters in two AWS modules")
        adapters.update(declared)
    return adapters


ADAPTERS = _gathered()
