"""Provider adapters: the only code that knows what a Terraform resource type means.

Each provider module exposes `build_context(configuration)` (the cross-resource links its
resources need) and `ADAPTERS`, one small function per resource type that appends facts."""

from __future__ import annotations

from importlib import import_module

from dicomguard.model import Facts, ScanError
from dicomguard.terraform.model import Configuration

PROVIDERS = ("aws", "azure", "gcp")


def adapt(configuration: Configuration) -> tuple[Facts, list[ScanError]]:
    facts = Facts()
    errors: list[ScanError] = []
    providers = [import_module(f"dicomguard.terraform.adapters.{name}") for name in PROVIDERS]
    prefixes = {name: module for name, module in zip(PROVIDERS, providers, strict=True)}
    contexts = {}
    for resource in configuration.resources:
        if resource.mode != "managed":
            continue
        module = prefixes.get(_provider_of(resource.type))
        adapter = module.ADAPTERS.get(resource.type) if module else None
        if adapter is None:
            continue
        if module not in contexts:
            contexts[module] = module.build_context(configuration)
        try:
            adapter(resource, contexts[module], facts)
        except (TypeError, ValueError, AttributeError, KeyError) as error:
            errors.append(ScanError(resource.body.file, resource.body.line,
                                    f"{resource.address} could not be read: {error}"))
    return facts, errors


def _provider_of(resource_type: str) -> str:
    prefix = resource_type.split("_", 1)[0]
    return {"azurerm": "azure", "google": "gcp"}.get(prefix, prefix)
