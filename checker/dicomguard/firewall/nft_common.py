"""What nftables expressions mean, shared by the text (`nft -f`) and JSON (`nft -j`) readers.

Both readers reduce a rule to (selector, operator, value) matches and a verdict; this module
turns those into netfilter-model matches and targets.
"""

from __future__ import annotations

from dicomguard.firewall import addresses
from dicomguard.firewall.netfilter import (
    AddressType,
    Chain,
    ConnState,
    Destination,
    DestinationPort,
    ExtensionHeader,
    Family,
    Interface,
    Match,
    Never,
    Protocol,
    Ruleset,
    Source,
    SourcePort,
    Target,
    Undecidable,
)
from dicomguard.knowledge.netdb import service_port
from dicomguard.model import InputError
from dicomguard.records import field, record

# nft selectors of IPv6 extension headers and IPsec headers (netfilter.ExtensionHeader).
EXTENSION_HEADERS = frozenset({"rt", "frag", "hbh", "dst", "mh", "srh", "ah", "esp", "comp",
                               "exthdr"})
FAMILY_VERSIONS = {"ip": frozenset({4}), "ip6": frozenset({6}), "inet": frozenset({4, 6})}
PRIORITY_NAMES = {"raw": -300, "mangle": -150, "dstnat": -100, "filter": 0, "security": 50,
                  "srcnat": 100}
HOOKS = frozenset({"prerouting", "input", "forward"})
PORT_PROTOCOLS = {"tcp": frozenset({"tcp"}), "udp": frozenset({"udp"}),
                  "udplite": frozenset({"udplite"}), "sctp": frozenset({"sctp"}),
                  "dccp": frozenset({"dccp"}), "th": frozenset({"tcp", "udp", "udplite",
                                                                "sctp", "dccp"})}

@record(frozen=True)
class SetRef:
    name: str


# A value: a word, a list of values, an inclusive range, or a named set reference.
Value = str | list["Value"] | tuple[str, str] | SetRef


@record
class NamedSet:
    elements: list[Value] | None  # None: filled at run time
    line: int = 0


@record
class TableContext:
    family: str
    name: str
    file: str
    sets: dict[str, NamedSet] = field(default_factory=dict)

    @property
    def versions(self) -> frozenset[int]:
        return FAMILY_VERSIONS.get(self.family, frozenset())

    def chain_key(self, chain: str) -> str:
        return f"{self.family} {self.name} {chain}"


def priority_value(words: list[str]) -> int:
    """`0`, `-100`, `filter`, `dstnat - 5`, `filter + 10`."""
    total = 0
    sign = 1
    for word in words:
        if word in {"+", "-"}:
            sign = 1 if word == "+" else -1
            continue
        if word in PRIORITY_NAMES:
            total += sign * PRIORITY_NAMES[word]
        else:
            try:
                total += sign * int(word)
            except ValueError as error:
                raise InputError(f"priority {' '.join(words)!r} is not understood") from error
        sign = 1
    return total


def flatten(value: Value, table: TableContext, line: int) -> list[Value] | None:
    """The elements a value stands for; None when a named set is filled at run time."""
    if isinstance(value, SetRef):
        named = table.sets.get(value.name)
        if named is None:
            raise InputError(f"set @{value.name} is not defined in table {table.name}", line)
        if named.elements is None:
            return None
        return [item for element in named.elements
                for item in (flatten(element, table, line) or [])]
    if isinstance(value, list):
        flat: list[Value] = []
        for element in value:
            items = flatten(element, table, line)
            if items is None:
                return None
            flat.extend(items)
        return flat
    return [value]


def _words(items: list[Value]) -> list[str]:
    return [item if isinstance(item, str) else "-".join(item) for item in items
            if isinstance(item, str | tuple)]


def _port_ranges(items: list[Value], protocol: str, line: int) -> tuple[tuple[int, int], ...]:
    ranges = []
    for item in items:
        if isinstance(item, tuple):
            ranges.append((_port(item[0], protocol, line), _port(item[1], protocol, line)))
        elif isinstance(item, str) and "-" in item.strip("-"):
            low, high = item.split("-", 1)
            ranges.append((_port(low, protocol, line), _port(high, protocol, line)))
        elif isinstance(item, str):
            port = _port(item, protocol, line)
            ranges.append((port, port))
    return tuple(ranges)


def _port(text: str, protocol: str, line: int) -> int:
    """A port number, or a service name nft resolves through /etc/services."""
    text = text.strip().strip('"')
    if text.isdigit():
        if int(text) > 65535:
            raise InputError(f"port {text} is out of range (0-65535)", line)
        return int(text)
    if "\x00" in text:
        raise InputError("a port name holds a NUL character", line)
    port = service_port(text, protocol)
    if port is None:
        raise InputError(f"port {text!r} is not a number or a known service", line)
    return port


def _spans(items: list[Value], versions: frozenset[int], line: int) -> dict[int, addresses.Span]:
    spans: dict[int, addresses.Span] = {}
    for item in items:
        text = "-".join(item) if isinstance(item, tuple) else str(item)
        found = False
        for version in versions:
            span = addresses.network_span(text, version)
            if span is not None:
                spans[version] = addresses.union(spans.get(version, ()), span)
                found = True
        if not found:
            raise InputError(f"{text!r} is not an address of this family", line)
    return spans


def match_for(selector: tuple[str, ...], op: str, value: Value, table: TableContext,
              line: int) -> list[Match]:
    """The matches for `selector op value`, e.g. (tcp, dport) == {104, 11112}."""
    negated = op in {"!=", "ne"}
    text = " ".join(selector)
    items = flatten(value, table, line)
    if items is None:
        head = selector[0]
        family: list[Match] = [Family(4 if head == "ip" else 6)] if head in {"ip", "ip6"} else []
        name = getattr(value, "name", "")
        return [*family, Undecidable(f"{text} @{name} at line {line}: the set is filled at "
                                     "run time")]
    head = selector[0]
    field_name = selector[-1]
    if op in {"<", ">", "<=", ">=", "lt", "gt", "le", "ge"} and field_name in {"dport", "sport"}:
        items = [_comparison(op, items, line)]
        negated = False
    if head in PORT_PROTOCOLS and field_name in {"dport", "sport"}:
        protocols = PORT_PROTOCOLS[head]
        ranges = _port_ranges(items, head, line)
        if field_name == "dport":
            return [DestinationPort(ranges, negated, protocols)]
        return [SourcePort(ranges, negated, protocols)]
    if head in {"ip", "ip6"} and field_name in {"saddr", "daddr"}:
        version = 4 if head == "ip" else 6
        spans = _spans(items, frozenset({version}), line)
        address_family = Family(version)
        if field_name == "saddr":
            return [address_family, Source(spans, negated)]
        return [address_family, Destination(tuple(_words(items)), spans, negated)]
    if text in {"ip protocol", "ip6 nexthdr", "meta l4proto", "l4proto", "meta protocol"}:
        names = frozenset(_protocol_name(word) for word in _words(items))
        matches: list[Match] = []
        if head in {"ip", "ip6"}:
            matches.append(Family(4 if head == "ip" else 6))
        if text == "meta protocol":
            versions = {4 if word == "ip" else 6 for word in names if word in {"ip", "ip6"}}
            return [_family_match(versions, negated)]
        matches.append(Protocol(names, negated))
        return matches
    if text in {"meta nfproto", "nfproto"}:
        versions = {4 if word == "ipv4" else 6 for word in _words(items)}
        return [_family_match(versions, negated)]
    if text in {"iif", "iifname", "meta iif", "meta iifname", "oif", "oifname", "meta oif",
                "meta oifname"}:
        direction = "in" if "iif" in text else "out"
        return [Interface(direction, tuple(word.strip('"') for word in _words(items)),
                          negated)]
    if text in {"ct state", "ct status"}:
        states = frozenset(word.lower() for word in _words(items))
        return [ConnState(states, negated)]
    if text == "fib daddr type":
        return [AddressType("dst", frozenset(_words(items)), negated)]
    if text == "fib saddr type":
        return [AddressType("src", frozenset(_words(items)), negated)]
    if text in {"meta pkttype", "pkttype"}:
        unicast = bool({"host", "unicast"} & set(_words(items)))
        return [Protocol(frozenset({"all"})) if unicast != negated else Never()]
    if text == "tcp flags":
        if _words(items) == ["syn"]:
            return [Protocol(frozenset({"tcp"}), negated)]
        return [Undecidable(f"tcp flags at line {line}: this flag test is not understood")]
    if head in {"icmp", "icmpv6"}:
        return [Never()]
    if head in EXTENSION_HEADERS:
        return [ExtensionHeader(f"{text} at line {line}: whether it matches cannot be decided")]
    return [Undecidable(f"{text} at line {line}: whether it matches cannot be decided")]


def _family_match(versions: set[int], negated: bool) -> Match:
    wanted = versions if not negated else {4, 6} - versions
    if wanted == {4, 6}:
        return Protocol(frozenset({"all"}))
    if not wanted:
        return Never()
    return Family(next(iter(wanted)))


def _comparison(op: str, items: list[Value], line: int) -> tuple[str, str]:
    if len(items) != 1 or not isinstance(items[0], str) or not items[0].isdigit():
        raise InputError("a port comparison needs one number", line)
    port = int(items[0])
    low, high = {"<": (0, port - 1), "lt": (0, port - 1), "<=": (0, port), "le": (0, port),
                 ">": (port + 1, 65535), "gt": (port + 1, 65535), ">=": (port, 65535),
                 "ge": (port, 65535)}[op]
    return str(low), str(high)


def _protocol_name(word: str) -> str:
    from dicomguard.facts import normalise_protocol

    return normalise_protocol(word)


def verdict_target(word: str, argument: str = "") -> Target | None:
    """accept, drop, reject, return, continue, queue, jump X, goto X."""
    if word in {"accept", "drop", "reject", "return"}:
        return Target(word, text=word)
    if word == "continue":
        return Target("continue", text=word)
    if word in {"queue", "tproxy"}:
        return Target("undecidable", reason=f"{word}: the verdict is decided elsewhere",
                      text=word)
    if word in {"jump", "goto"}:
        return Target(word, chain=argument, text=f"{word} {argument}")
    return None


def add_chain(ruleset: Ruleset, table: TableContext, name: str, line: int,
              base: dict[str, str | list[str]] | None) -> Chain:
    """Create (or find) a chain; `base` holds type, hook, priority and policy of a base chain."""
    key = table.chain_key(name)
    chain = ruleset.chains.get(key)
    if chain is None:
        chain = Chain(key, f"{table.family} {table.name} {name}", table.file, line,
                      versions=table.versions)
        ruleset.chains[key] = chain
    if base:
        hook = str(base.get("hook", ""))
        if hook in HOOKS and table.versions:
            chain.hook = hook
            chain.nat = base.get("type") == "nat"
            chain.policy = str(base.get("policy", "accept"))
            chain.policy_line = int(base.get("policy_line", line))  # type: ignore[arg-type]
            priority = base.get("priority", "0")
            words = priority if isinstance(priority, list) else [priority]
            try:
                chain.priority = priority_value([str(word) for word in words])
            except InputError as error:
                raise InputError(error.message, line) from None
    return chain


def finish(ruleset: Ruleset) -> Ruleset:
    """Resolve chain names in jumps, number rules, and say which IP versions are described."""
    versions: set[int] = set()
    for chain in ruleset.chains.values():
        if chain.hook:
            versions |= chain.versions
        family, table = chain.name.split(" ")[:2]
        for number, rule in enumerate(chain.rules, start=1):
            rule.number = number
            _resolve(rule.target, ruleset, f"{family} {table}", rule.line)
    ruleset.platform = {version: "nftables" for version in sorted(versions)}
    ruleset.missing_hook_reason = {
        hook: f"the file has no {hook} chain; the kernel accepts unless another file adds one"
        for hook in ("input", "forward")
    }
    return ruleset


def _resolve(target: Target, ruleset: Ruleset, prefix: str, line: int) -> None:
    if target.kind in {"jump", "goto"} and " " not in target.chain:
        key = f"{prefix} {target.chain}"
        if key not in ruleset.chains:
            raise InputError(f"{target.kind} to {target.chain}, which is not a chain of the "
                             "table", line)
        target.chain = key
    for _, inner in target.vmap:
        _resolve(inner, ruleset, prefix, line)
