"""What one AWS resource's facts depend on elsewhere in the configuration (the account's EBS
encryption default, buckets by name, security group rules, launch templates, databases), built
once per configuration, and the signature every AWS adapter has."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dicomguard.facts import tristate
from dicomguard.model import Facts, Unknown, is_unknown
from dicomguard.records import field, record
from dicomguard.terraform.adapters.aws.rules import (
    GroupRule,
    inline_rules,
    standalone_rule,
    vpc_rule,
)
from dicomguard.terraform.adapters.parts import Part, referenced_address
from dicomguard.terraform.evaluated import Configuration, Resource

PLATFORM = "aws"


@record
class Declared:
    """The managed resources of one type in the configuration, by address and by the literal
    name other resources may give instead of a reference (a launch template's `name`, a
    database's `identifier`)."""

    parts: dict[str, Part] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, configuration: Configuration, resource_type: str, name: str) -> Declared:
        declared = cls()
        for resource in configuration.of_type(resource_type):
            if resource.mode != "managed":
                continue
            declared.parts[resource.address] = Part.of(resource)
            literal = resource.body.attr(name)
            if isinstance(literal, str):
                declared.names[literal] = resource.address
        return declared

    def named_by(self, value: Any, literal_names: bool = True) -> tuple[str, Part] | None:
        """(address, body) of the resource a reference, or a literal name, points at."""
        address = referenced_address(value)
        if address is None and literal_names and isinstance(value, str):
            address = self.names.get(value)
        part = self.parts.get(address or "")
        return None if address is None or part is None else (address, part)


@record
class AwsContext:
    """What one resource's facts depend on elsewhere in the configuration."""

    ebs_encrypted_by_default: Any = False
    bucket_names: dict[str, str] = field(default_factory=dict)
    bucket_blocks: dict[str, list[Part]] = field(default_factory=dict)
    account_block: Part | None = None
    load_balancers: dict[str, Part] = field(default_factory=dict)
    policy_documents: dict[str, Resource] = field(default_factory=dict)
    prefix_lists: dict[str, list[Any]] = field(default_factory=dict)
    group_rules: dict[str, list[GroupRule]] = field(default_factory=dict)
    target_groups: dict[str, Part] = field(default_factory=dict)
    launch_templates: Declared = field(default_factory=lambda: Declared())
    db_instances: Declared = field(default_factory=lambda: Declared())

    def bucket_of(self, value: Any) -> str | Unknown:
        """The address of the bucket a sub-resource's `bucket` names."""
        address = referenced_address(value)
        if address:
            return address
        if isinstance(value, str):
            return self.bucket_names.get(value, value)
        return Unknown("the bucket is not known")


def build_context(configuration: Configuration) -> AwsContext:
    context = AwsContext()
    for resource in configuration.of_type("aws_ebs_encryption_by_default"):
        enabled = resource.body.attr("enabled", True)
        context.ebs_encrypted_by_default = enabled if is_unknown(enabled) else tristate(enabled)
    named = [(resource.body.attr("bucket"), resource.address)
             for resource in configuration.of_type("aws_s3_bucket")]
    literal = [name for name, _ in named if isinstance(name, str)]
    context.bucket_names = {name: address for name, address in named
                            if isinstance(name, str) and literal.count(name) == 1}
    for resource in configuration.of_type("aws_s3_bucket_public_access_block"):
        bucket = context.bucket_of(resource.body.attr("bucket"))
        if isinstance(bucket, str):
            context.bucket_blocks.setdefault(bucket, []).append(Part.of(resource))
    for resource in configuration.of_type("aws_s3_account_public_access_block"):
        context.account_block = Part.of(resource)
    for resource in configuration.of_type("aws_ec2_managed_prefix_list"):
        context.prefix_lists[resource.address] = [
            entry.get("cidr") for entry in Part.of(resource).parts("entry")]
    for resource in configuration.of_type("aws_ec2_managed_prefix_list_entry"):
        entries = context.prefix_lists.get(
            referenced_address(resource.body.attr("prefix_list_id")) or "")
        if entries is not None:
            entries.append(resource.body.attr("cidr"))
    for resource in configuration.of_type("aws_lb", "aws_alb"):
        context.load_balancers[resource.address] = Part.of(resource)
    for resource in configuration.of_type("aws_lb_target_group", "aws_alb_target_group"):
        context.target_groups[resource.address] = Part.of(resource)
    context.launch_templates = Declared.of(configuration, "aws_launch_template", "name")
    context.db_instances = Declared.of(configuration, "aws_db_instance", "identifier")
    _index_group_rules(configuration, context)
    for resource in configuration.resources:
        if resource.type == "aws_iam_policy_document":
            context.policy_documents[resource.address] = resource
    return context


def _index_group_rules(configuration: Configuration, context: AwsContext) -> None:
    """Every ingress rule by the security group it belongs to, for load balancers."""
    for resource in configuration.of_type("aws_security_group", "aws_default_security_group"):
        context.group_rules.setdefault(resource.address, []).extend(
            inline_rules(resource, context.prefix_lists))
    standalone = [standalone_rule(resource, context.prefix_lists)
                  for resource in configuration.of_type("aws_security_group_rule")]
    standalone += [vpc_rule(resource, context.prefix_lists)
                   for resource in configuration.of_type("aws_vpc_security_group_ingress_rule")]
    for rule in standalone:
        if rule is not None and rule.group:
            context.group_rules.setdefault(rule.group, []).append(rule)


Adapter = Callable[[Resource, AwsContext, Facts], None]
