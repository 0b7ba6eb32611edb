"""Compute persistent disks as storage facts (always encrypted by Google)."""

from __future__ import annotations

from dicomguard.facts import storage
from dicomguard.model import Facts
from dicomguard.terraform.adapters.gcp.context import PLATFORM, Adapter, GcpContext
from dicomguard.terraform.adapters.parts import Part
from dicomguard.terraform.evaluated import Resource


def compute_disk(resource: Resource, context: GcpContext, facts: Facts) -> None:
    part = Part.of(resource)
    facts.storage.append(storage(part.origin(), platform=PLATFORM, kind="block",
                                 encrypted=True,
                                 detail="persistent disk (always encrypted by Google)"))


ADAPTERS: dict[str, Adapter] = {
    "google_compute_disk": compute_disk,
}
