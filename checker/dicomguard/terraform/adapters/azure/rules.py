"""Network security rules as written: inline in a network security group or as
azurerm_network_security_rule, and the reading of their ports and sources that storage and
database firewalls share."""

from __future__ import annotations

from typing import Any

from dicomguard.facts import parse_port_spec, peer
from dicomguard.model import Unknown, is_unknown
from dicomguard.records import record
from dicomguard.terraform.adapters.parts import Part, items


@record
class NsgRule:
    part: Part
    priority: Any
    allow: Any  # True, False or Unknown
    inbound: Any
    protocol: Any
    ports: list[Any]
    sources: list[Any]


def word(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


def destination_ports(specs: list[Any]) -> list[Any]:
    """Ports of a security rule's destination port ranges: '104', '4242-4243', '*', and
    comma lists of them."""
    ports: list[Any] = []
    for spec in specs:
        pieces = spec.split(",") if isinstance(spec, str) else [spec]
        ports.extend(parse_port_spec(piece) for piece in pieces if piece != "")
    return ports


def nsg_rule(part: Part) -> NsgRule:
    access = word(part.get("access"))
    direction = word(part.get("direction"))
    protocol = word(part.get("protocol"))
    if protocol == "asterisk":
        protocol = "*"
    ports = destination_ports([*items(part.get("destination_port_range")),
                               *items(part.get("destination_port_ranges"))])
    sources = [*items(part.get("source_address_prefix")),
               *items(part.get("source_address_prefixes"))]
    return NsgRule(
        part=part, priority=part.get("priority"),
        allow=access if is_unknown(access) else access == "allow",
        inbound=direction if is_unknown(direction) else direction == "inbound",
        protocol=protocol, ports=ports or [Unknown("the rule gives no destination port")],
        sources=sources,
    )


def source_peer(source: Any) -> dict[str, Any]:
    if isinstance(source, str) and source.strip() and not any(
            character.isdigit() or character in ":/*" for character in source):
        return peer(source, tag=True)  # a service tag: Internet, VirtualNetwork, AzureCloud
    return peer(source)
