"""Network security groups as ingress facts, with Deny rules of higher priority taking their
ports away."""

from __future__ import annotations

from dicomguard.facts import ingress, peer
from dicomguard.model import Facts, Unknown, is_unknown
from dicomguard.terraform.adapters.azure.context import PLATFORM, Adapter, AzureContext
from dicomguard.terraform.adapters.azure.rules import NsgRule, source_peer
from dicomguard.terraform.adapters.ranges import subtract
from dicomguard.terraform.evaluated import Resource


def _denied_everywhere(deny: NsgRule, allow: NsgRule) -> bool:
    """A Deny rule that wins over `allow` for every internet source it admits."""
    if deny.allow is not False or deny.inbound is not True:
        return False
    try:
        if int(deny.priority) >= int(allow.priority):
            return False
    except (TypeError, ValueError):
        return False
    if deny.protocol not in ("*", allow.protocol):
        return False
    return any(source_peer(source)["scope"] == "internet" for source in deny.sources)


def _rule_fact(rule: NsgRule, group_rules: list[NsgRule], mechanism: str,
               facts: Facts) -> None:
    if rule.allow is False or rule.inbound is False:
        return
    peers = [source_peer(source) for source in rule.sources]
    for undecided, what in ((rule.allow, "access (Allow or Deny)"),
                            (rule.inbound, "direction")):
        if is_unknown(undecided):
            peers = [peer(Unknown(f"the rule's {what} is not known"))]
    ports = rule.ports
    for other in group_rules:
        if other is not rule and _denied_everywhere(other, rule):
            ports = subtract(ports, other.ports)
    facts.ingress.append(ingress(rule.part.origin(), platform=PLATFORM, mechanism=mechanism,
                                 protocol=rule.protocol, ports=ports, peers=peers))


def security_group(resource: Resource, context: AzureContext, facts: Facts) -> None:
    rules = context.rules_by_group.get(resource.address, [])
    for rule in rules:
        if rule.part.resource is resource:
            _rule_fact(rule, rules, "azurerm_network_security_group security_rule", facts)


def security_rule(resource: Resource, context: AzureContext, facts: Facts) -> None:
    rules = context.rules_by_group.get(
        context.group_of(resource.body.attr("network_security_group_name")), [])
    for rule in rules:
        if rule.part.resource is resource:
            _rule_fact(rule, rules, resource.type, facts)


ADAPTERS: dict[str, Adapter] = {
    "azurerm_network_security_group": security_group,
    "azurerm_network_security_rule": security_rule,
}
