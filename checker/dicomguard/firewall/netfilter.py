"""A provider-neutral model of a netfilter rule set: chains of rules, each a conjunction of
matches and one target. Every format (iptables-save, nftables, firewalld, ufw) parses into it,
and evaluate.py walks it the way the kernel walks packets.

Matches answer for a probe packet: a NEW connection from an internet address to one port.
- a *static* match depends only on the probe: True, False, or a reason it cannot be known;
- a *source* match splits the set of addresses the packet may come from;
- a *choice* match is something the sender picks (the source port): some packets match, some not.
"""

from __future__ import annotations

import re

from dicomguard.firewall import addresses
from dicomguard.firewall.addresses import Span
from dicomguard.records import field, record

# Interfaces the internet never arrives on: loopback, and the bridges Docker, Podman, libvirt,
# LXC/LXD and CNI create for local containers and VMs under these names.
LOCAL_INTERFACE = re.compile(r"^(lo|docker0|docker_gwbridge|br-[0-9a-f]{12}|virbr\d+|podman\d+|"
                             r"cni\d+|lxcbr\d+|lxdbr\d+)$")


def interface_matches(pattern: str, name: str) -> bool:
    """An interface name as a rule writes it: `eth+` (iptables) and `eth*` (nft) are
    prefixes."""
    if pattern.endswith(("+", "*")):
        return name.startswith(pattern[:-1])
    return pattern == name


@record(frozen=True)
class Probe:
    """The first packet of a NEW connection from the internet."""

    version: int
    protocol: str
    dport: int
    hook: str  # prerouting | input | forward
    daddr: str | None = None  # known only once DNAT chose it
    natted: bool = False  # destination NAT applied (conntrack state DNAT)
    # Interfaces the internet arrives on (Ruleset.uplinks); complete when the configuration
    # names them all (internet_interfaces), so that any other interface is not the internet.
    uplinks: tuple[str, ...] = ()
    uplinks_complete: bool = False
    # Subnets of this IP version that live behind a local bridge (Ruleset.bridges): a packet
    # DNAT sends into one can only leave by that bridge.
    bridges: tuple[tuple[str, Span], ...] = ()

    def leaving_interface(self) -> str | None:
        """The interface a forwarded packet leaves by, when its destination is in a bridge's
        subnet."""
        target = addresses.network_span(self.daddr, self.version) if self.daddr else None
        for name, subnet in self.bridges:
            if target and not addresses.subtract(target, subnet):
                return name
        return None


Static = bool | str  # True, False, or why it cannot be known


class Match:
    kind = "static"
    negated: bool = False

    def test(self, probe: Probe) -> Static:
        raise NotImplementedError


def negate(result: Static, negated: bool) -> Static:
    if isinstance(result, bool) and negated:
        return not result
    return result


@record
class Protocol(Match):
    names: frozenset[str]  # tcp, udp, ...; "all" matches every protocol
    negated: bool = False

    def test(self, probe: Probe) -> Static:
        return negate("all" in self.names or probe.protocol in self.names, self.negated)


@record
class Family(Match):
    version: int

    def test(self, probe: Probe) -> Static:
        return probe.version == self.version


@record
class DestinationPort(Match):
    ranges: tuple[tuple[int, int], ...]
    negated: bool = False
    protocols: frozenset[str] = frozenset({"all"})  # `tcp dport` implies tcp

    def test(self, probe: Probe) -> Static:
        if "all" not in self.protocols and probe.protocol not in self.protocols:
            return False
        inside = any(low <= probe.dport <= high for low, high in self.ranges)
        return negate(inside, self.negated)


@record
class SourcePort(Match):
    """The sender chooses its source port: unless the ranges cover every port, some packets
    match and others do not."""

    ranges: tuple[tuple[int, int], ...]
    negated: bool = False
    protocols: frozenset[str] = frozenset({"all"})
    kind = "choice"

    def test(self, probe: Probe) -> Static:
        if "all" not in self.protocols and probe.protocol not in self.protocols:
            return False
        covers_all = any(low <= 0 and high >= 65535 for low, high in self.ranges)
        if covers_all:
            return not self.negated
        return "choice"


@record
class EitherPort(Match):
    """multiport --ports: the source or the destination port is listed. The sender can always
    pick a listed source port, so only a listed destination port is a certain match."""

    ranges: tuple[tuple[int, int], ...]
    protocols: frozenset[str] = frozenset({"all"})
    kind = "choice"

    def test(self, probe: Probe) -> Static:
        if "all" not in self.protocols and probe.protocol not in self.protocols:
            return False
        if any(low <= probe.dport <= high for low, high in self.ranges):
            return True
        return "choice"


@record
class Source(Match):
    """Source addresses, per IP version. A version without entries never matches (an `ip saddr`
    match in an inet table does not match IPv6 packets)."""

    spans: dict[int, Span]
    negated: bool = False
    kind = "source"

    def span(self, version: int) -> Span:
        span = self.spans.get(version, addresses.EMPTY)
        return addresses.subtract(addresses.everything(version), span) if self.negated else span


@record
class Destination(Match):
    """Destination addresses. On the INPUT path the packet is addressed to one of this host's
    addresses, which a rule file does not say; after DNAT the address is known."""

    texts: tuple[str, ...]
    spans: dict[int, Span]
    negated: bool = False

    def test(self, probe: Probe) -> Static:
        span = self.spans.get(probe.version)
        if span is None:
            return self.negated
        if probe.daddr is not None:
            target = addresses.network_span(probe.daddr, probe.version)
            if target:
                return negate(bool(addresses.intersect(span, target)), self.negated)
        if addresses.scope(span, probe.version) == "" or _only_local_scope(span, probe.version):
            return self.negated
        return (f"destination {'! ' if self.negated else ''}{', '.join(self.texts)}: whether it "
                "is the address the internet reaches is not known")


def _only_local_scope(span: Span, version: int) -> bool:
    """Loopback and multicast destinations: never the address of an internet connection."""
    local = addresses.union(*(addresses.network_span(text, version) or addresses.EMPTY
                              for text in ("127.0.0.0/8", "224.0.0.0/4", "255.255.255.255/32",
                                           "::1/128", "ff00::/8")))
    return not addresses.subtract(span, local)


@record
class Interface(Match):
    direction: str  # in | out
    names: tuple[str, ...]
    negated: bool = False

    def test(self, probe: Probe) -> Static:
        if self.direction == "in" and all(LOCAL_INTERFACE.match(name) for name in self.names):
            return self.negated
        leaving = probe.leaving_interface() if self.direction == "out" else None
        if leaving is not None:
            return negate(any(interface_matches(name, leaving) for name in self.names),
                          self.negated)
        if self.direction == "in" and probe.uplinks_complete:
            hits = {any(interface_matches(name, uplink) for name in self.names)
                    for uplink in probe.uplinks} or {False}
            if len(hits) == 1:
                return negate(hits.pop(), self.negated)
        elif self.direction == "in" and not self.negated and probe.uplinks and all(
                any(interface_matches(name, uplink) for name in self.names)
                for uplink in probe.uplinks):
            return True  # the internet arrives on an uplink this rule names
        flag = "iif" if self.direction == "in" else "oif"
        names = ", ".join(self.names)
        return (f"{flag} {'! ' if self.negated else ''}{names}: whether internet traffic "
                f"{'arrives on' if self.direction == 'in' else 'leaves by'} {names} is not known")


@record
class ConnState(Match):
    """Connection tracking state; the probe is always NEW."""

    states: frozenset[str]
    negated: bool = False

    def test(self, probe: Probe) -> Static:
        inside = "new" in self.states or (probe.natted and "dnat" in self.states)
        return negate(inside, self.negated)


@record
class AddressType(Match):
    direction: str  # src | dst
    types: frozenset[str]
    negated: bool = False

    def test(self, probe: Probe) -> Static:
        if self.direction == "src" or probe.hook == "forward":
            inside = "unicast" in self.types
        else:
            inside = bool(self.types & {"local", "unicast"})
        return negate(inside, self.negated)


@record
class TcpFlags(Match):
    """--syn / --tcp-flags: the first packet of a connection carries SYN only."""

    mask: frozenset[str]
    set_flags: frozenset[str]
    negated: bool = False

    def test(self, probe: Probe) -> Static:
        if probe.protocol != "tcp":
            return False
        present = {"syn"} & self.mask
        return negate(present == set(self.set_flags & self.mask), self.negated)


@record
class Undecidable(Match):
    """A match the checker cannot evaluate statically (-m recent, -m set, limit, geoip...)."""

    reason: str

    def test(self, probe: Probe) -> Static:
        return self.reason


@record
class Never(Match):
    """A match no NEW internet TCP/UDP packet satisfies (ICMP types, fragments)."""

    def test(self, probe: Probe) -> Static:
        return False


class ExtensionHeader(Undecidable):
    """A match on an IPv6 extension header or an IPsec header (`-m rt`, nft `frag ...`), which
    the packets of an ordinary TCP or UDP connection do not carry. A sender who wants to get
    through leaves the header out, so a drop or reject on it never stops them (ufw's
    `-m rt --rt-type 0 -j DROP`); on an accept the sender could add it, so it stays
    undecidable."""


DENYING_TARGETS = frozenset({"drop", "reject"})
SOURCE_NAT_TARGETS = frozenset({"masquerade", "snat"})


@record
class Target:
    """accept, drop, reject, return, jump, goto, dnat, redirect, continue, vmap, undecidable,
    or taint (the packet goes on, but what it does later can no longer be decided)."""

    kind: str
    chain: str = ""
    address: str = ""  # dnat target address, "" to keep the destination
    port: int | None = None  # dnat/redirect port, None to keep the port
    reason: str = ""
    vmap_key: str = ""  # ct state | dport
    vmap: tuple[tuple[tuple[str, ...], Target], ...] = ()
    text: str = ""


@record
class Rule:
    file: str
    line: int
    number: int  # position in its chain, from 1, as `iptables -L --line-numbers` shows
    matches: list[Match]
    target: Target
    static: list[Match] = field(default_factory=list)
    source: list[Source] = field(default_factory=list)
    choice: list[Match] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.target.kind in DENYING_TARGETS:
            self.matches = [Never() if isinstance(match, ExtensionHeader) else match
                            for match in self.matches]
        self.static = [m for m in self.matches if m.kind == "static"]
        self.source = [m for m in self.matches if m.kind == "source"]  # type: ignore[misc]
        self.choice = [m for m in self.matches if m.kind == "choice"]


@record
class Chain:
    name: str
    label: str  # how paths name it: INPUT, "inet filter input"
    file: str = ""
    line: int = 0
    hook: str | None = None  # prerouting | input | forward | None for a regular chain
    priority: int = 0
    policy: str | None = None  # accept | drop for base chains
    policy_line: int = 0
    versions: frozenset[int] = frozenset({4, 6})
    nat: bool = False
    rules: list[Rule] = field(default_factory=list)
    coalesced: list[Rule] | None = None  # rules as evaluate.py walks them, built on first use


@record
class Ruleset:
    """Base chains by hook, every chain by key, and what each IP version is called."""

    platform: dict[int, str]  # version -> iptables / ip6tables / nftables / ufw / firewalld
    chains: dict[str, Chain] = field(default_factory=dict)
    file: str = ""
    # Hooks the rule set leaves to the kernel default (ACCEPT) or to another file: the reason
    # why a verdict through them is not known, per hook. Empty when absence means ACCEPT.
    missing_hook_reason: dict[str, str] = field(default_factory=dict)
    # Reasons that apply to the whole file (an include that could not be followed).
    global_reasons: tuple[str, ...] = ()
    # The interfaces the configuration says the internet arrives on (internet_interfaces);
    # None: inferred from the rule set's own masquerading.
    configured_uplinks: tuple[str, ...] | None = None
    _inferred_uplinks: dict[str, tuple[Chain, Rule]] | None = field(
        default=None, compare=False)
    _bridge_rules: list[tuple[str, dict[int, Span], Chain, Rule]] | None = field(
        default=None, compare=False)

    def uplink_rules(self) -> dict[str, tuple[Chain, Rule]]:
        """Interfaces the rule set masquerades or source-NATs through (`-o eth0 -j MASQUERADE`,
        `oifname "eth0" masquerade`), each with the first rule that does: the uplink, where the
        internet arrives. Wildcards and negations name no interface and are not used. Read once:
        every probe of the rule set asks."""
        if self._inferred_uplinks is not None:
            return self._inferred_uplinks
        found: dict[str, tuple[Chain, Rule]] = {}
        for chain in self.chains.values():
            for rule in chain.rules:
                if rule.target.text.lower() not in SOURCE_NAT_TARGETS:
                    continue
                for match in rule.matches:
                    if (isinstance(match, Interface) and match.direction == "out"
                            and not match.negated):
                        for name in match.names:
                            if not name.endswith(("+", "*")) and not LOCAL_INTERFACE.match(name):
                                found.setdefault(name, (chain, rule))
        self._inferred_uplinks = dict(sorted(found.items()))
        return self._inferred_uplinks

    def bridge_rules(self) -> list[tuple[str, dict[int, Span], Chain, Rule]]:
        """Local bridges and the subnets behind them, from the rule that masquerades a subnet
        out of every interface but the bridge (Docker's `-s 172.17.0.0/16 ! -o docker0 -j
        MASQUERADE`): the containers' subnet, reached only through that bridge."""
        if self._bridge_rules is None:
            self._bridge_rules = []
            for chain in self.chains.values():
                for rule in chain.rules:
                    bridge = _masqueraded_bridge(rule)
                    sources = [match for match in rule.source if not match.negated]
                    if bridge is not None and len(sources) == 1:
                        self._bridge_rules.append((bridge, sources[0].spans, chain, rule))
        return self._bridge_rules

    def bridges(self, version: int) -> tuple[tuple[str, Span], ...]:
        return tuple((name, spans[version]) for name, spans, _, _ in self.bridge_rules()
                     if spans.get(version))

    def uplinks(self) -> tuple[str, ...]:
        if self.configured_uplinks is not None:
            return self.configured_uplinks
        return tuple(self.uplink_rules())

    def base_chains(self, hook: str, version: int) -> list[Chain]:
        chains = [chain for chain in self.chains.values()
                  if chain.hook == hook and version in chain.versions]
        return sorted(chains, key=lambda chain: chain.priority)


def _masqueraded_bridge(rule: Rule) -> str | None:
    if rule.target.text.lower() not in SOURCE_NAT_TARGETS:
        return None
    outs = [match for match in rule.matches if isinstance(match, Interface)
            and match.direction == "out"]
    if len(outs) == 1 and outs[0].negated and len(outs[0].names) == 1 \
            and LOCAL_INTERFACE.match(outs[0].names[0]):
        return outs[0].names[0]
    return None
