"""The text of `ufw status [verbose|numbered]`, as some repositories keep it, into the netfilter
model: the rules in order, then the default incoming policy."""

from __future__ import annotations

import re

from dicomguard.firewall import addresses
from dicomguard.firewall.iptables import port_ranges
from dicomguard.firewall.netfilter import (
    Chain,
    Destination,
    DestinationPort,
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
from dicomguard.knowledge.ufw import profile_ports
from dicomguard.model import InputError

ROW = re.compile(
    r"^(?:\[\s*\d+\]\s*)?(?P<to>.+?)\s+(?P<action>ALLOW|DENY|REJECT|LIMIT)(?:\s+(?P<direction>"
    r"IN|OUT|FWD))?\s+(?P<source>.+?)(?:\s+#.*)?$")
DEFAULT = re.compile(r"^Default:\s*(?P<incoming>\w+)\s*\(incoming\)", re.MULTILINE)
STATUS = re.compile(r"^Status:\s*(?P<state>\w+)", re.MULTILINE)
ACTIONS = {"ALLOW": "accept", "DENY": "drop", "REJECT": "reject", "LIMIT": "accept"}


def parse(text: str, file: str, *, line_offset: int = 0) -> Ruleset:
    status = STATUS.search(text)
    if status is None:
        raise InputError("no `Status:` line", 1 + line_offset)
    status_line = text.count("\n", 0, status.start()) + 1 + line_offset
    chains: dict[int, Chain] = {
        version: Chain(f"ufw{version}", "ufw status", file, status_line, "input", 0,
                       versions=frozenset({version})) for version in (4, 6)}
    ruleset = Ruleset(platform={4: "ufw"}, file=file, chains={
        chain.name: chain for chain in chains.values()})
    if status.group("state") != "active":
        ruleset.global_reasons = (f"ufw is {status.group('state')} here (line {status_line}); "
                                  "whatever other firewall the host runs decides",)
        for chain in chains.values():
            chain.policy, chain.policy_line = "accept", status_line
        return ruleset
    in_table = False
    for number, raw in enumerate(text.splitlines(), start=1 + line_offset):
        line = raw.strip()
        if line.startswith("--"):
            in_table = True
            continue
        if not in_table or not line:
            continue
        row = ROW.match(line)
        if row is None:
            raise InputError(f"rule row {line!r} is not understood", number)
        if row.group("direction") in {"OUT", "FWD"}:
            continue
        version = 6 if "(v6)" in row.group("to") or "(v6)" in row.group("source") else 4
        if version == 6:
            ruleset.platform[6] = "ufw"
        chain = chains[version]
        source = _from(row.group("source").replace("(v6)", "").strip(), version, number)
        if row.group("action") == "LIMIT":
            source.append(Undecidable(f"LIMIT at line {number}: ufw rate-limits with "
                                      "-m recent; whether a connection is over it cannot be "
                                      "known"))
        target = Target(ACTIONS[row.group("action")], text=row.group("action"))
        for matches in _to(row.group("to").replace("(v6)", "").strip(), number):
            chain.rules.append(Rule(file, number, len(chain.rules) + 1, [*matches, *source],
                                    target))
    _policy(text, chains, line_offset)
    return ruleset


def _policy(text: str, chains: dict[int, Chain], line_offset: int) -> None:
    default = DEFAULT.search(text)
    for chain in chains.values():
        if default is None:
            chain.policy, chain.policy_line = "accept", chain.line
            chain.rules.append(Rule(chain.file, chain.line, len(chain.rules) + 1, [], Target(
                "undecidable", reason="the default incoming policy is not shown (`ufw status` "
                "without verbose)")))
            continue
        chain.policy = "accept" if default.group("incoming") == "allow" else "drop"
        chain.policy_line = text.count("\n", 0, default.start()) + 1 + line_offset


def _to(text: str, line: int) -> list[list[Match]]:
    """`104/tcp`, `104,4242/tcp`, `1000:2000/tcp`, `Anywhere`, `OpenSSH`, `10.0.0.5 104/tcp`,
    each optionally followed by `on eth0`: one list of matches per part of what it admits (an
    application profile such as Samba admits `137,138/udp` and `139,445/tcp`)."""
    matches: list[Match] = []
    if " on " in f" {text} ":
        text, _, interface = text.partition(" on ")
        matches.append(Interface("in", (interface.strip(),)))
        text = text.strip()
    specs = profile_ports(text)
    return [_to_one(spec, matches, line) for spec in specs or [text]]


def _to_one(text: str, interface: list[Match], line: int) -> list[Match]:
    matches = list(interface)
    words = text.split()
    if len(words) == 2 and words[0] != "Anywhere":
        spans = {v: s for v in (4, 6) if (s := addresses.network_span(words[0], v))}
        if not spans:
            return [Undecidable(f"destination {words[0]} at line {line} is not understood")]
        matches.append(Destination((words[0],), spans))
        words = words[1:]
    elif len(words) == 2:
        words = words[1:]
    spec = words[0] if words else "Anywhere"
    if spec == "Anywhere" or addresses.network_span(spec, 4) or addresses.network_span(spec, 6):
        if spec != "Anywhere":
            spans = {v: s for v in (4, 6) if (s := addresses.network_span(spec, v))}
            matches.append(Destination((spec,), spans))
        return matches
    ports, _, protocol = spec.partition("/")
    if not ports[:1].isdigit():
        return [*matches, Undecidable(f"application profile {text!r} at line {line}: its "
                                      "ports are not known to the checker")]
    protocols = frozenset({protocol}) if protocol else frozenset({"tcp", "udp"})
    matches.append(Protocol(protocols))
    matches.append(DestinationPort(port_ranges(ports), False, protocols))
    return matches


def _from(text: str, version: int, line: int) -> list[Match]:
    """`Anywhere`, `10.0.0.0/8`, `10.0.0.0/8 22/tcp` (a source port), `Anywhere on eth0`."""
    words = text.split()
    matches: list[Match] = []
    source = None if not words or words[0] == "Anywhere" else words[0]
    if len(words) >= 2 and words[1][:1].isdigit():
        ports, _, protocol = words[1].partition("/")
        protocols = frozenset({protocol}) if protocol else frozenset({"tcp", "udp"})
        matches.append(SourcePort(port_ranges(ports), False, protocols))
    if source is not None:
        span = addresses.network_span(source, version)
        if span is None:
            raise InputError(f"source {source!r} is not an IPv{version} address", line)
        matches.append(Source({version: span}))
    return matches
