"""Cloud Healthcare DICOM stores as storage facts."""

from __future__ import annotations

from dicomguard.facts import storage
from dicomguard.model import Facts
from dicomguard.terraform.adapters.gcp.context import PLATFORM, Adapter, GcpContext
from dicomguard.terraform.adapters.parts import Part
from dicomguard.terraform.evaluated import Resource


def dicom_store(resource: Resource, context: GcpContext, facts: Facts) -> None:
    part = Part.of(resource)
    facts.storage.append(storage(part.origin(), platform=PLATFORM, kind="dicom_store",
                                 encrypted=True,
                                 detail="Cloud Healthcare DICOM store (Google-managed key "
                                        "unless the dataset sets encryption_spec)"))


ADAPTERS: dict[str, Adapter] = {
    "google_healthcare_dicom_store": dicom_store,
}
