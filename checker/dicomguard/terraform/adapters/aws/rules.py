"""Security group ingress rules as written: inline in a group, as aws_security_group_rule or as
aws_vpc_security_group_ingress_rule. Security groups and load balancers both read them."""

from __future__ import annotations

from typing import Any

from dicomguard.facts import ALL_PORTS, normalise_protocol, peer, port_range, tristate
from dicomguard.model import Unknown, is_unknown
from dicomguard.records import record
from dicomguard.terraform.adapters.parts import Part, items, referenced_address
from dicomguard.terraform.evaluated import Resource


def rule_ports(protocol: Any, low: Any, high: Any) -> list[Any] | Unknown:
    """Ports a rule opens. Protocol -1/all opens every port whatever from/to say; a negative
    port with TCP or UDP is read as every port, as the console shows it."""
    if not is_unknown(protocol) and normalise_protocol(protocol) == "all":
        return ALL_PORTS
    if low is None and high is None:
        return Unknown("the rule gives no port range")
    if not is_unknown(low) and not is_unknown(high):
        try:
            if int(low) < 0 or int(high) < 0:
                return ALL_PORTS
        except (TypeError, ValueError):
            pass
    return [port_range(low, high if high is not None else low)]


def sources(*cidr_lists: Any) -> list[dict[str, Any]]:
    return [peer(source) for cidrs in cidr_lists for source in items(cidrs)]


def tags(*tag_lists: Any) -> list[dict[str, Any]]:
    return [peer(tag if isinstance(tag, str) else "another security group", tag=True)
            for listed in tag_lists for tag in items(listed)]


def prefix_list_peers(prefix_lists: dict[str, list[Any]], values: Any) -> list[dict[str, Any]]:
    """Managed prefix lists of the configuration admit their entries' CIDRs; others (an
    AWS service's list, one from elsewhere) are private tags."""
    peers = []
    for value in items(values):
        entries = prefix_lists.get(referenced_address(value) or "")
        if entries is None:
            peers.extend(tags(value))
        else:
            peers.extend(peer(cidr) for cidr in entries)
    return peers


@record
class GroupRule:
    """One ingress rule of a security group, wherever it is written."""

    part: Part
    group: str  # the address of the security group it belongs to, when known
    protocol: Any
    ports: list[Any] | Unknown
    peers: list[dict[str, Any]]


def inline_rules(resource: Resource, prefix_lists: dict[str, list[Any]]) -> list[GroupRule]:
    rules = []
    for rule in Part.of(resource).parts("ingress"):
        protocol = rule.get("protocol")
        rules.append(GroupRule(
            rule, resource.address, protocol,
            rule_ports(protocol, rule.get("from_port"), rule.get("to_port")),
            [*sources(rule.get("cidr_blocks"), rule.get("ipv6_cidr_blocks")),
             *tags(rule.get("security_groups")),
             *prefix_list_peers(prefix_lists, rule.get("prefix_list_ids")),
             *(tags("self") if tristate(rule.get("self")) else [])]))
    return rules


def standalone_rule(resource: Resource, prefix_lists: dict[str, list[Any]]) -> GroupRule | None:
    rule = Part.of(resource)
    direction = rule.get("type")
    if not is_unknown(direction) and direction != "ingress":
        return None
    peers = [*sources(rule.get("cidr_blocks"), rule.get("ipv6_cidr_blocks")),
             *tags(rule.get("source_security_group_id")),
             *prefix_list_peers(prefix_lists, rule.get("prefix_list_ids")),
             *(tags("self") if tristate(rule.get("self")) else [])]
    if is_unknown(direction):
        peers = [peer(Unknown("the rule's type (ingress or egress) is not known"))]
    protocol = rule.get("protocol")
    return GroupRule(rule, referenced_address(rule.get("security_group_id")) or "", protocol,
                     rule_ports(protocol, rule.get("from_port"), rule.get("to_port")), peers)


def vpc_rule(resource: Resource, prefix_lists: dict[str, list[Any]]) -> GroupRule:
    rule = Part.of(resource)
    protocol = rule.get("ip_protocol")
    return GroupRule(
        rule, referenced_address(rule.get("security_group_id")) or "", protocol,
        rule_ports(protocol, rule.get("from_port"), rule.get("to_port")),
        [*sources(rule.get("cidr_ipv4"), rule.get("cidr_ipv6")),
         *tags(rule.get("referenced_security_group_id")),
         *prefix_list_peers(prefix_lists, rule.get("prefix_list_id"))])
