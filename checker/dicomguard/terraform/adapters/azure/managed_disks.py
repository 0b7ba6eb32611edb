"""Managed disks as storage facts (always encrypted server-side)."""

from __future__ import annotations

from dicomguard.facts import storage
from dicomguard.model import Facts
from dicomguard.terraform.adapters.azure.context import PLATFORM, Adapter, AzureContext
from dicomguard.terraform.adapters.parts import Part
from dicomguard.terraform.evaluated import Resource


def managed_disk(resource: Resource, context: AzureContext, facts: Facts) -> None:
    disk = Part.of(resource)
    key = "customer-managed key" if disk.has("disk_encryption_set_id") else "platform key"
    facts.storage.append(storage(disk.origin(), platform=PLATFORM, kind="block", encrypted=True,
                                 detail=f"managed disk, server-side encryption ({key})"))


ADAPTERS: dict[str, Adapter] = {
    "azurerm_managed_disk": managed_disk,
}
