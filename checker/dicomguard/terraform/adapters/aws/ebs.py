"""EBS volumes as storage facts, wherever they are declared: standalone volumes, instances and
launch configurations, launch templates, and the auto scaling groups launched from them."""

from __future__ import annotations

from typing import Any

from dicomguard.facts import storage, tristate
from dicomguard.model import Facts, Unknown, is_unknown
from dicomguard.terraform.adapters.aws.context import PLATFORM, Adapter, AwsContext
from dicomguard.terraform.adapters.parts import Part
from dicomguard.terraform.evaluated import Resource


def volume_encryption(device: Part, context: AwsContext) -> Any:
    """EBS encryption: explicit setting, a KMS key, the snapshot's state, or the account's
    encryption by default (which encrypts every new volume whatever the resource says)."""
    if context.ebs_encrypted_by_default is True:
        return True
    encrypted = device.get("encrypted")
    if tristate(encrypted) is True or device.has("kms_key_id"):
        return True
    if encrypted is None and device.has("snapshot_id"):
        return Unknown("encryption follows the snapshot the volume is created from")
    if is_unknown(encrypted):
        return encrypted
    if is_unknown(context.ebs_encrypted_by_default):
        return context.ebs_encrypted_by_default
    return False


def _volume_fact(device: Part, context: AwsContext, detail: str, facts: Facts,
                 suffix: str = "") -> None:
    facts.storage.append(storage(device.line_of("encrypted"), platform=PLATFORM, kind="block",
                                 encrypted=volume_encryption(device, context), detail=detail,
                                 suffix=suffix))


def ebs_volume(resource: Resource, context: AwsContext, facts: Facts) -> None:
    _volume_fact(Part.of(resource), context, "EBS volume", facts)


def instance_volumes(resource: Resource, context: AwsContext, facts: Facts) -> None:
    """aws_instance and aws_launch_configuration: root and EBS block devices. Without a
    root_block_device the root volume comes from the launch template, or else is created
    unencrypted from the AMI (unless encryption by default)."""
    body = Part.of(resource)
    roots = body.parts("root_block_device")
    for root in roots:
        _volume_fact(root, context, "root volume", facts)
    templates = body.parts("launch_template")
    if not roots and templates:
        _launched_root_fact(templates[0], context, facts, "root")
    elif not roots:
        facts.storage.append(storage(
            body.origin(), platform=PLATFORM, kind="block",
            encrypted=context.ebs_encrypted_by_default,
            detail="root volume (no root_block_device: created unencrypted)", suffix="root"))
    for device in body.parts("ebs_block_device"):
        _volume_fact(device, context, f"EBS volume {device.get('device_name', '')}".strip(),
                     facts)


def launch_template_volumes(resource: Resource, context: AwsContext, facts: Facts) -> None:
    for mapping in Part.of(resource).parts("block_device_mappings"):
        for device in mapping.parts("ebs"):
            _volume_fact(device, context, f"EBS volume {mapping.get('device_name', '')}".strip(),
                         facts)


def autoscaling_group(resource: Resource, context: AwsContext, facts: Facts) -> None:
    """The instances of a group get their volumes from its launch templates (a launch
    configuration is reported where it is declared)."""
    body = Part.of(resource)
    specifications = body.parts("launch_template")
    for policy in body.parts("mixed_instances_policy"):
        for template in policy.parts("launch_template"):
            specifications += template.parts("launch_template_specification")
            for override in template.parts("override"):
                specifications += override.parts("launch_template_specification")
    for index, specification in enumerate(specifications):
        _launched_root_fact(specification, context, facts, f"root{index}")


def _launched_root_fact(specification: Part, context: AwsContext, facts: Facts,
                        suffix: str) -> None:
    """The root volume of instances launched from a template: the template's own volumes are
    reported on the template; a template that maps none leaves the AMI's unencrypted root,
    and a template outside the configuration leaves it unknown."""
    template = _launch_template(specification, context)
    if isinstance(template, Unknown):
        encrypted: Any = template
        detail = "root volume (from a launch template not in the configuration)"
    elif any(mapping.parts("ebs") for mapping in template.parts("block_device_mappings")):
        return
    else:
        encrypted = context.ebs_encrypted_by_default
        detail = "root volume (the launch template maps no volume: created unencrypted)"
    facts.storage.append(storage(specification.origin(), platform=PLATFORM, kind="block",
                                 encrypted=encrypted, detail=detail, suffix=suffix))


def _launch_template(specification: Part, context: AwsContext) -> Part | Unknown:
    """The aws_launch_template of the configuration that a launch_template block or
    launch_template_specification names by id, name or version."""
    for key in ("id", "name", "version", "launch_template_id", "launch_template_name"):
        found = context.launch_templates.named_by(specification.get(key), key.endswith("name"))
        if found is not None:
            return found[1]
    return Unknown("the launch template is not in the configuration")


ADAPTERS: dict[str, Adapter] = {
    "aws_ebs_volume": ebs_volume,
    "aws_instance": instance_volumes,
    "aws_launch_configuration": instance_volumes,
    "aws_launch_template": launch_template_volumes,
    "aws_autoscaling_group": autoscaling_group,
}
