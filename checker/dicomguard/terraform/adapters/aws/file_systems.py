"""AWS shared file systems (EFS) as storage facts."""

from __future__ import annotations

from dicomguard.facts import storage
from dicomguard.model import Facts, is_unknown
from dicomguard.terraform.adapters.aws.context import PLATFORM, Adapter, AwsContext
from dicomguard.terraform.adapters.parts import Part
from dicomguard.terraform.evaluated import Resource


def efs(resource: Resource, context: AwsContext, facts: Facts) -> None:
    body = Part.of(resource)
    encrypted = body.get("encrypted", False)
    if body.has("kms_key_id") and not is_unknown(encrypted):
        encrypted = True
    facts.storage.append(storage(body.line_of("encrypted"), platform=PLATFORM, kind="file",
                                 encrypted=encrypted, detail="EFS file system"))


ADAPTERS: dict[str, Adapter] = {
    "aws_efs_file_system": efs,
}
