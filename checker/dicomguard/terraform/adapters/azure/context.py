"""What one Azure resource's facts depend on elsewhere in the configuration (the rules of each
network security group, storage accounts by address and name), built once per configuration,
and the signature every Azure adapter has."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dicomguard.model import Facts
from dicomguard.records import field, record
from dicomguard.terraform.adapters.azure.rules import NsgRule, nsg_rule
from dicomguard.terraform.adapters.parts import Part, referenced_address
from dicomguard.terraform.evaluated import Configuration, Resource

PLATFORM = "azure"


@record
class AzureContext:
    rules_by_group: dict[str, list[NsgRule]] = field(default_factory=dict)
    group_names: dict[str, str] = field(default_factory=dict)
    accounts: dict[str, Part] = field(default_factory=dict)
    account_names: dict[str, str] = field(default_factory=dict)

    def group_of(self, value: Any) -> str:
        address = referenced_address(value)
        if address:
            return address
        return self.group_names.get(value, f"name:{value}") if isinstance(value, str) else ""

    def account_of(self, part: Part) -> Part | None:
        for name in ("storage_account_id", "storage_account_name"):
            value = part.get(name)
            address = referenced_address(value) or (
                self.account_names.get(value) if isinstance(value, str) else None)
            if address in self.accounts:
                return self.accounts[address]
        return None


def build_context(configuration: Configuration) -> AzureContext:
    context = AzureContext()
    for resource in configuration.of_type("azurerm_network_security_group"):
        name = resource.body.attr("name")
        if isinstance(name, str):
            context.group_names[name] = resource.address
        context.rules_by_group[resource.address] = [
            nsg_rule(part) for part in Part.of(resource).parts("security_rule")]
    for resource in configuration.of_type("azurerm_network_security_rule"):
        group = context.group_of(resource.body.attr("network_security_group_name"))
        context.rules_by_group.setdefault(group, []).append(nsg_rule(Part.of(resource)))
    for resource in configuration.of_type("azurerm_storage_account"):
        context.accounts[resource.address] = Part.of(resource)
        name = resource.body.attr("name")
        if isinstance(name, str):
            context.account_names[name] = resource.address
    return context


Adapter = Callable[[Resource, AzureContext, Facts], None]
