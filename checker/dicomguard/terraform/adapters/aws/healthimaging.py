"""AWS HealthImaging data stores (a managed DICOM store) as storage facts."""

from __future__ import annotations

from dicomguard.facts import storage
from dicomguard.model import Facts
from dicomguard.terraform.adapters.aws.context import PLATFORM, Adapter, AwsContext
from dicomguard.terraform.adapters.parts import Part
from dicomguard.terraform.evaluated import Resource


def healthimaging(resource: Resource, context: AwsContext, facts: Facts) -> None:
    body = Part.of(resource)
    key = "customer-managed KMS key" if body.has("kms_key_arn") else "AWS-owned key"
    facts.storage.append(storage(body.origin(), platform=PLATFORM, kind="dicom_store",
                                 encrypted=True, detail=f"HealthImaging data store ({key})"))


ADAPTERS: dict[str, Adapter] = {
    "aws_medicalimaging_datastore": healthimaging,
}
