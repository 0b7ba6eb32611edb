"""Compute firewall rules as the other rules of their network see them: sources, targets,
priority, and the ports an allowed or denied block names."""

from __future__ import annotations

import ipaddress
from typing import Any

from dicomguard.facts import ALL_PORTS, normalise_protocol, parse_port_spec, peer, tristate
from dicomguard.model import Unknown, is_unknown
from dicomguard.records import record
from dicomguard.terraform.adapters.parts import Part, items
from dicomguard.terraform.evaluated import Resource


@record
class Firewall:
    """One ingress firewall rule, as the other rules of its network see it."""

    resource: Resource
    part: Part
    network: Any
    priority: Any
    targets: set[str]
    any_target: bool  # applies to every instance of the network
    peers: list[dict[str, Any]]
    world_versions: set[int]  # IP versions whose whole space a source range covers


def firewall_rule(resource: Resource) -> Firewall | None:
    """An ingress rule admits its source ranges (0.0.0.0/0 when no source is given at all,
    as gcloud documents); None for egress and disabled rules."""
    rule = Part.of(resource)
    direction = rule.get("direction", "INGRESS")
    disabled = rule.get("disabled")
    if tristate(disabled) is True:
        return None
    if not is_unknown(direction) and str(direction).upper() != "INGRESS":
        return None
    ranges = rule.get("source_ranges")
    tags = [*items(rule.get("source_tags")), *items(rule.get("source_service_accounts"))]
    if ranges is None and not tags:
        ranges = ["0.0.0.0/0"]
    peers = [*(peer(source) for source in items(ranges)),
             *(peer(str(tag), tag=True) for tag in tags)]
    if is_unknown(direction):
        peers = [peer(Unknown("the rule's direction is not known"))]
    elif is_unknown(disabled):
        peers = [peer(disabled)]
    targets = [*items(rule.get("target_tags")), *items(rule.get("target_service_accounts"))]
    return Firewall(
        resource=resource, part=rule, network=rule.get("network"),
        priority=rule.get("priority", 1000),
        targets={target for target in targets if isinstance(target, str)},
        any_target=not targets, peers=peers,
        world_versions={version for version in map(_world_version, items(ranges)) if version})


def _world_version(source: Any) -> int | None:
    try:
        network = ipaddress.ip_network(str(source).strip(), strict=False)
    except ValueError:
        return None
    return network.version if network.prefixlen == 0 else None


def shadows(deny: Firewall, allow: Firewall) -> bool:
    """A deny rule that wins over `allow` (lower or equal priority number) for every instance
    it targets and every internet source it admits."""
    if deny.network is None or is_unknown(deny.network) or deny.network != allow.network:
        return False
    try:
        if int(deny.priority) > int(allow.priority):
            return False
    except (TypeError, ValueError):
        return False
    if not (deny.any_target or (not allow.any_target and allow.targets <= deny.targets)):
        return False
    admitted = {6 if ":" in str(found.get("cidr", "")) else 4
                for found in allow.peers if found["scope"] == "internet"}
    return bool(admitted) and admitted <= deny.world_versions


def allowed_ports(protocol: Any, ports: Any) -> Any:
    """The ports of an allowed (or denied) block: every port when none are listed or the
    protocol is all."""
    if is_unknown(ports):
        return ports
    if ports is None or ports == [] or (
            not is_unknown(protocol) and normalise_protocol(protocol) == "all"):
        return ALL_PORTS
    return [parse_port_spec(port) for port in items(ports)]
