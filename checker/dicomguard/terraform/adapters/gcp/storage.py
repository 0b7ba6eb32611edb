"""Cloud Storage buckets as storage facts (always encrypted)."""

from __future__ import annotations

from dicomguard.facts import storage
from dicomguard.model import Facts
from dicomguard.terraform.adapters.gcp.context import PLATFORM, Adapter, GcpContext
from dicomguard.terraform.adapters.parts import Part
from dicomguard.terraform.evaluated import Resource


def storage_bucket(resource: Resource, context: GcpContext, facts: Facts) -> None:
    part = Part.of(resource)
    key = "customer-managed key" if part.part("encryption") else "Google-managed key"
    facts.storage.append(storage(part.origin(), platform=PLATFORM, kind="object",
                                 encrypted=True, detail=f"Cloud Storage ({key})"))


ADAPTERS: dict[str, Adapter] = {
    "google_storage_bucket": storage_bucket,
}
