"""Provider adapters: the only code that knows what a Terraform resource type means.

Each provider module exposes `build_context(configuration)` (the cross-resource links its
resources need) and `ADAPTERS`, one small function per resource type that appends facts. A
provider may have several modules (its paths in front of hosts live beside its rules)."""

from __future__ import annotations

from functools import cache
from importlib import import_module
from typing import Any

from dicomguard.model import Facts, ScanError
from dicomguard.terraform.evaluated import Configuration, Resource
from dicomguard.units import unit_budget, unit_error

PROVIDERS = {"aws": ("aws",), "azure": ("azure", "azure_paths"), "gcp": ("gcp", "gcp_paths")}


def adapt(configuration: Configuration) -> tuple[Facts, list[ScanError]]:
    """The facts of every root module's resources, each root judged on its own: an account-wide
    setting or a bucket declared in one root says nothing about another root's resources."""
    facts = Facts()
    errors: list[ScanError] = []
    for root in configuration.per_root():
        _adapt_root(root, facts, errors)
    return facts, errors


@cache
def _provider_modules(provider: str) -> list[Any]:
    """A provider's adapter modules, imported when a resource of the provider is first met."""
    return [import_module(f"dicomguard.terraform.adapters.{name}")
            for name in PROVIDERS.get(provider, ())]


def _adapt_root(configuration: Configuration, facts: Facts, errors: list[ScanError]) -> None:
    contexts: dict[Any, Any] = {}
    for resource in configuration.resources:
        if resource.mode != "managed":
            continue
        for module in _provider_modules(_provider_of(resource.type)):
            if resource.type in module.ADAPTERS:
                _adapt_resource(configuration, resource, module, contexts, facts, errors)


def _adapt_resource(configuration: Configuration, resource: Resource, module: Any,
                    contexts: dict[Any, Any], facts: Facts, errors: list[ScanError]) -> None:
    adapter = module.ADAPTERS[resource.type]
    try:
        # Resources are evaluated when first read, here: each is a unit of its own.
        with unit_budget():
            if module not in contexts:
                contexts[module] = module.build_context(configuration)
            adapter(resource, contexts[module], facts)
    except Exception as error:  # one resource's failure costs its own findings only
        errors.append(_resource_error(resource, error))


def _resource_error(resource: Resource, error: Exception) -> ScanError:
    try:
        file, line = resource.body.file, resource.body.line
    except Exception:  # its body is what failed: name the resource
        file, line = resource.address, None
    failed = unit_error(file, error, line)
    return ScanError(failed.file, failed.line, f"{resource.address} could not be read: "
                                               f"{failed.message}")


def _provider_of(resource_type: str) -> str:
    prefix = resource_type.split("_", 1)[0]
    return {"azurerm": "azure", "google": "gcp"}.get(prefix, prefix)
