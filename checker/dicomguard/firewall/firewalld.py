"""firewalld zones (zones/*.xml), custom services (services/*.xml) and firewalld.conf into the
netfilter model, laid out as firewalld's nftables backend does:

- a connection belongs to the zone whose <source> contains its address, else to the zone bound
  to the interface it arrives on, else to the default zone (DefaultZone, "public");
- inside a zone: rich rules with a negative priority, then rich rules that drop or reject, then
  what the zone allows (rich accept rules, services, ports, protocols, source ports), then rich
  rules with a positive priority, then the zone's target;
- a <forward-port> is DNAT, and firewalld accepts DNAT'd connections it forwards.
"""

from __future__ import annotations

import re
from typing import Any

from dicomguard.firewall import addresses
from dicomguard.firewall.iptables import port_ranges
from dicomguard.firewall.netfilter import (
    Chain,
    ConnState,
    Destination,
    DestinationPort,
    Family,
    Interface,
    Match,
    Protocol,
    Rule,
    Ruleset,
    Source,
    SourcePort,
    Target,
    Undecidable,
)
from dicomguard.knowledge import firewalld as vendor
from dicomguard.knowledge.firewalld import object_name
from dicomguard.model import InputError
from dicomguard.records import field, record

START_TAG = re.compile(r"<([A-Za-z][\w.-]*)")
DEFAULT_ZONE = re.compile(r"^\s*DefaultZone\s*=\s*(\S+)", re.MULTILINE)
SHIPPED = "(firewalld's shipped zones)"


class FirewalldInputError(InputError):
    def __init__(self, file: str, line: int | None, message: str) -> None:
        super().__init__(message, line)
        self.file = file


@record
class Zone:
    name: str
    file: str
    line: int
    target: str = "default"
    sources: list[tuple[Match, int]] = field(default_factory=list)
    interfaces: list[str] = field(default_factory=list)
    rules: list[tuple[int, int, Rule]] = field(default_factory=list)  # (stage, priority, rule)
    forwards: list[Rule] = field(default_factory=list)


def _parse_xml(text: str, file: str) -> list[tuple[Any, int]]:
    """Every element in document order with its line."""
    from defusedxml import ElementTree
    from defusedxml.common import DefusedXmlException

    try:
        root = ElementTree.fromstring(text)
    except DefusedXmlException as error:
        raise FirewalldInputError(file, None, f"refused XML: {error}") from None
    except ElementTree.ParseError as error:
        line = getattr(error, "position", (None,))[0]
        raise FirewalldInputError(file, line, f"not valid XML: {error}") from None
    lines = [text.count("\n", 0, match.start()) + 1 for match in START_TAG.finditer(text)]
    elements = list(root.iter())
    if len(lines) != len(elements):
        lines = [1] * len(elements)
    return list(zip(elements, lines, strict=True))


def _services(files: dict[str, tuple[str, int]]) -> vendor.Services:
    known = vendor.Services()
    for path, (text, _) in files.items():
        elements = [element for element, _ in _parse_xml(text, path)]
        known.define(object_name(path), vendor.service_ports(elements), path)
    return known


class ZoneReader:
    def __init__(self, services: vendor.Services) -> None:
        self.services = services

    def read(self, path: str, text: str, offset: int) -> Zone:
        elements = _parse_xml(text, path)
        root, root_line = elements[0]
        if root.tag != "zone":
            raise FirewalldInputError(path, root_line + offset, "the root element is not <zone>")
        zone = Zone(object_name(path), path, root_line + offset, root.get("target", "default"))
        for element in root:
            line = next(line for candidate, line in elements if candidate is element) + offset
            try:
                self._element(zone, element, line)
            except InputError as error:
                raise FirewalldInputError(path, line, error.message) from None
        return zone

    def _element(self, zone: Zone, element: Any, line: int) -> None:
        tag = element.tag
        if tag == "source":
            zone.sources.append((self._address(element, line, Source), line))
        elif tag == "interface":
            zone.interfaces.append(element.get("name", ""))
        elif tag in {"service", "port", "protocol", "source-port"}:
            for matches in self._allowed(element, line):
                zone.rules.append((2, 0, Rule(zone.file, line, 0, matches, Target("accept"))))
        elif tag == "forward-port":
            zone.forwards.append(self._forward(zone.file, element, [], line))
        elif tag == "rule":
            self._rich_rule(zone, element, line)

    def _allowed(self, element: Any, line: int) -> list[list[Match]]:
        tag = element.tag
        if tag == "service":
            name = element.get("name", "")
            ports = self.services.ports(name)
            if ports is None:
                return [[Undecidable(f"service at line {line}: "
                                     f"{self.services.unknown_reason(name)}")]]
            return [_port_matches(port, protocol) for port, protocol in ports]
        if tag == "port":
            return [_port_matches(element.get("port", ""), element.get("protocol", "tcp"))]
        if tag == "protocol":
            return [[Protocol(frozenset({element.get("value", "")}))]]
        protocol = element.get("protocol", "tcp")
        return [[Protocol(frozenset({protocol})),
                 SourcePort(port_ranges(element.get("port", "").replace("-", ":")), False,
                            frozenset({protocol}))]]

    def _address(self, element: Any, line: int, kind: type) -> Match:
        inverted = element.get("invert", "false").lower() in {"true", "yes"}
        if element.get("address"):
            text = element.get("address")
            spans = {v: s for v in (4, 6) if (s := addresses.network_span(text, v))}
            if not spans:
                raise InputError(f"address {text!r} is not understood")
            if kind is Source:
                return Source(spans, inverted)
            return Destination((text,), spans, inverted)
        what = "ipset" if element.get("ipset") else "mac"
        return Undecidable(f"{element.tag} {what} {element.get(what, '')!r} at line {line}: "
                           "its members are not in the rules")

    def _forward(self, file: str, element: Any, matches: list[Match], line: int) -> Rule:
        protocol = element.get("protocol", "tcp")
        ranges = port_ranges(element.get("port", "").replace("-", ":"))
        to_port = element.get("to-port") or None
        target_kind = "dnat" if element.get("to-addr") else "redirect"
        port = int(to_port.split("-")[0]) if to_port else None
        address = element.get("to-addr", "")
        target = Target(target_kind, address=address, port=port, text="forward-port")
        family = [Family(version) for version in (4, 6)
                  if address and addresses.network_span(address, version)]
        return Rule(file, line, 0, [*matches, *family, Protocol(frozenset({protocol})),
                                    DestinationPort(ranges, False, frozenset({protocol}))],
                    target)

    def _rich_rule(self, zone: Zone, element: Any, line: int) -> None:
        matches: list[Match] = []
        family = element.get("family")
        if family in {"ipv4", "ipv6"}:
            matches.append(Family(4 if family == "ipv4" else 6))
        priority = int(element.get("priority", "0"))
        action = None
        allowed: list[list[Match]] = [[]]
        forward = None
        for child in element:
            tag = child.tag
            if tag == "source":
                matches.append(self._address(child, line, Source))
            elif tag == "destination":
                matches.append(self._address(child, line, Destination))
            elif tag in {"service", "port", "protocol", "source-port"}:
                allowed = self._allowed(child, line)
            elif tag == "forward-port":
                forward = child
            elif tag in {"accept", "reject", "drop"}:
                action = "accept" if tag == "accept" else "drop"
                if child.find("limit") is not None:
                    matches.append(Undecidable(f"rich rule limit at line {line}: whether a "
                                               "connection is over the rate cannot be known"))
            elif tag == "mark":
                action = None
        if forward is not None:
            zone.forwards.append(self._forward(zone.file, forward, matches, line))
            return
        if action is None:
            return
        stage = 0 if priority < 0 else 3 if priority > 0 else (1 if action == "drop" else 2)
        for extra in allowed:
            zone.rules.append((stage, priority, Rule(zone.file, line, 0, [*matches, *extra],
                                                     Target(action))))


def _port_matches(port: str, protocol: str) -> list[Match]:
    protocols = frozenset({protocol})
    if port == "":  # a service's <protocol value=.../>: the whole protocol
        return [Protocol(protocols)]
    return [Protocol(protocols),
            DestinationPort(port_ranges(port.replace("-", ":")), False, protocols)]


def _zone_target(zone: Zone) -> Rule:
    verdict = "accept" if zone.target == "ACCEPT" else "drop"
    return Rule(zone.file, zone.line, 0, [], Target(verdict, text=f"zone target {zone.target}"))


def from_files(zones: dict[str, tuple[str, int]], services: dict[str, tuple[str, int]],
               conf: tuple[str, str] | None) -> Ruleset:
    reader = ZoneReader(_services(services))
    read = {}
    for path, (text, offset) in zones.items():
        zone = reader.read(path, text, offset)
        read[zone.name] = zone
    default_name = vendor.shipped_default_zone()
    if conf is not None:
        found = DEFAULT_ZONE.search(conf[1])
        if found:
            default_name = found.group(1)
    if default_name not in read:
        target, names = vendor.shipped_zones().get(default_name, ("default", []))
        file = conf[0] if conf else SHIPPED
        zone = Zone(default_name, file, 1, target)
        for name in names:
            for matches in reader._allowed(_Element("service", {"name": name}), 1):
                zone.rules.append((2, 0, Rule(file, 1, 0, matches, Target("accept"))))
        read[default_name] = zone
    first_file = next(iter(zones))
    ruleset = Ruleset(platform={4: "firewalld", 6: "firewalld"}, file=first_file)
    _layout(ruleset, read, default_name, first_file)
    return ruleset


@record
class _Element:
    """A stand-in for an XML element, for the services of a shipped zone."""

    tag: str
    attributes: dict[str, str]

    def get(self, name: str, default: str | None = None) -> str | None:
        return self.attributes.get(name, default)


def _layout(ruleset: Ruleset, zones: dict[str, Zone], default_name: str, file: str) -> None:
    dispatch_input = Chain("firewalld input", "firewalld", file, 1, "input", 0, "accept", 1)
    dispatch_nat = Chain("firewalld prerouting", "firewalld nat", file, 1, "prerouting", -100,
                         "accept", 1, nat=True)
    # firewalld accepts the connections its forward-ports translate; nothing else is forwarded
    # here, so the forward hook is an accepting policy.
    forward = Chain("firewalld forward", "firewalld forward", file, 1, "forward", 0, "accept", 1)
    dispatch_input.rules.append(
        Rule(file, 1, 0, [ConnState(frozenset({"dnat"}))], Target("accept")))
    ordered = sorted(zones.values(), key=lambda zone: (zone.name != default_name, zone.name))
    for zone in ordered:
        filter_chain = Chain(f"zone {zone.name}", f"zone {zone.name}", zone.file, zone.line)
        rules = [rule for _, _, rule in sorted(zone.rules, key=lambda item: item[:2])]
        filter_chain.rules = [*rules, _zone_target(zone)]
        nat_chain = Chain(f"zone {zone.name} nat", f"zone {zone.name} forward-port", zone.file,
                          zone.line, rules=list(zone.forwards))
        for chain in (filter_chain, nat_chain):
            ruleset.chains[chain.name] = chain
    for selector in ("source", "interface", "default"):
        for zone in ordered:
            for matches, line in _selectors(zone, selector, default_name):
                dispatch_input.rules.append(
                    Rule(zone.file, line, 0, matches, Target("goto", chain=f"zone {zone.name}")))
                dispatch_nat.rules.append(
                    Rule(zone.file, line, 0, matches,
                         Target("goto", chain=f"zone {zone.name} nat")))
    for chain in (dispatch_input, dispatch_nat, forward):
        ruleset.chains[chain.name] = chain
    for chain in ruleset.chains.values():
        for number, rule in enumerate(chain.rules, start=1):
            rule.number = number


def _selectors(zone: Zone, selector: str, default_name: str) -> list[tuple[list[Match], int]]:
    if selector == "source":
        return [([match], line) for match, line in zone.sources]
    if selector == "interface":
        if zone.interfaces and zone.name != default_name:
            return [([Interface("in", tuple(zone.interfaces))], zone.line)]
        return []
    if zone.name == default_name:
        return [([], zone.line)]
    return []
