"""AWS security groups as ingress facts: inline rules, aws_security_group_rule and
aws_vpc_security_group_ingress_rule."""

from __future__ import annotations

from dicomguard.facts import ingress
from dicomguard.model import Facts
from dicomguard.terraform.adapters.aws.context import PLATFORM, Adapter, AwsContext
from dicomguard.terraform.adapters.aws.rules import (
    GroupRule,
    inline_rules,
    standalone_rule,
    vpc_rule,
)
from dicomguard.terraform.evaluated import Resource


def _rule_fact(rule: GroupRule, mechanism: str, facts: Facts, path: str = "") -> None:
    facts.ingress.append(ingress(rule.part.origin(), platform=PLATFORM, mechanism=mechanism,
                                 protocol=rule.protocol, ports=rule.ports, peers=rule.peers,
                                 path=path))


def security_group(resource: Resource, context: AwsContext, facts: Facts) -> None:
    for rule in inline_rules(resource, context.prefix_lists):
        _rule_fact(rule, "aws_security_group ingress", facts)


def security_group_rule(resource: Resource, context: AwsContext, facts: Facts) -> None:
    rule = standalone_rule(resource, context.prefix_lists)
    if rule is not None:
        _rule_fact(rule, resource.type, facts, path=rule.group)


def vpc_ingress_rule(resource: Resource, context: AwsContext, facts: Facts) -> None:
    rule = vpc_rule(resource, context.prefix_lists)
    _rule_fact(rule, resource.type, facts, path=rule.group)


ADAPTERS: dict[str, Adapter] = {
    "aws_security_group": security_group,
    "aws_default_security_group": security_group,
    "aws_security_group_rule": security_group_rule,
    "aws_vpc_security_group_ingress_rule": vpc_ingress_rule,
}
