"""iptables-save / ip6tables-save (and iptables-restore input such as ufw's user.rules) into the
netfilter model."""

from __future__ import annotations

import re

from dicomguard.facts import parse_port_spec
from dicomguard.firewall import addresses
from dicomguard.firewall.netfilter import (
    AddressType,
    Chain,
    ConnState,
    Destination,
    DestinationPort,
    EitherPort,
    ExtensionHeader,
    Interface,
    Match,
    Never,
    Protocol,
    Rule,
    Ruleset,
    Source,
    SourcePort,
    Target,
    TcpFlags,
    Undecidable,
)
from dicomguard.knowledge.netdb import numbered
from dicomguard.model import InputError, is_unknown
from dicomguard.records import field, record

# Built-in chains a NEW inbound connection traverses: (table, chain) -> (hook, priority).
BUILTIN_HOOKS = {
    ("raw", "PREROUTING"): ("prerouting", -300),
    ("mangle", "PREROUTING"): ("prerouting", -150),
    ("nat", "PREROUTING"): ("prerouting", -100),
    ("mangle", "INPUT"): ("input", -150),
    ("filter", "INPUT"): ("input", 0),
    ("security", "INPUT"): ("input", 50),
    ("mangle", "FORWARD"): ("forward", -150),
    ("filter", "FORWARD"): ("forward", 0),
    ("security", "FORWARD"): ("forward", 50),
}
BUILTIN_CHAINS = {
    "filter": ("INPUT", "FORWARD", "OUTPUT"),
    "nat": ("PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"),
    "mangle": ("PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"),
    "raw": ("PREROUTING", "OUTPUT"),
    "security": ("INPUT", "FORWARD", "OUTPUT"),
}
NON_TERMINAL_TARGETS = frozenset({
    "LOG", "NFLOG", "ULOG", "MARK", "CONNMARK", "TRACE", "TCPMSS", "CLASSIFY",
    "DSCP", "TOS", "TTL", "HL", "SECMARK", "CONNSECMARK", "AUDIT", "CHECKSUM", "SET", "LED",
    "IDLETIMER", "SNAT", "MASQUERADE", "RATEEST", "HMARK", "TEE", "SYNPROXY", "NETMAP",
})
UNDECIDABLE_TARGETS = frozenset({"QUEUE", "NFQUEUE", "TPROXY"})
# Targets that change the connection-tracking state later rules test (NEW no longer matches).
CONNTRACK_TARGETS = frozenset({"CT", "NOTRACK"})
# Matches whose outcome for one NEW connection cannot be known from the rules alone.
UNDECIDABLE_MODULES = frozenset({
    "recent", "set", "geoip", "limit", "hashlimit", "connlimit", "string", "time", "mac",
    "mark", "connmark", "u32", "bpf", "statistic", "quota", "owner", "physdev", "policy",
    "helper", "length", "ttl", "hl", "tos", "dscp", "ecn", "realm", "cgroup", "socket", "rpfilter",
    "ipvs", "cluster", "connbytes", "nfacct", "osf", "devgroup", "ipv6header", "frag", "hbh",
    "dst", "rt", "mh", "eui64", "ah", "esp", "sctp", "dccp", "conntrack-extra", "condition",
    "pkttype-extra", "xt_geoip",
})
EXTENSION_HEADER_MODULES = frozenset({"rt", "frag", "hbh", "dst", "mh", "ah", "esp"})
MISSING_FILTER = {
    hook: f"the file has no filter table with a {hook.upper()} chain; the kernel accepts unless "
          "another file adds one" for hook in ("input", "forward")}
TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|\S+')


@record
class Option:
    negated: bool
    name: str
    args: list[str] = field(default_factory=list)


def tokens(line: str) -> list[str]:
    if '"' not in line:
        return line.split()
    return [token[1:-1] if token.startswith('"') else token for token in TOKEN.findall(line)]


def options(words: list[str]) -> list[Option]:
    """Group words into options with their arguments; `!` before or after an option name
    negates it."""
    grouped: list[Option] = []
    negated = False
    for word in words:
        if word == "!":
            if grouped and not grouped[-1].args and not negated:
                grouped[-1].negated = True
            else:
                negated = True
        elif word.startswith("-") and not _is_number(word):
            grouped.append(Option(negated, word))
            negated = False
        elif grouped:
            grouped[-1].args.append(word)
        else:
            raise InputError(f"unexpected word {word!r}")
    return grouped


def _is_number(word: str) -> bool:
    return word.lstrip("-").isdigit()


def port_ranges(text: str) -> tuple[tuple[int, int], ...]:
    """Ports and ranges as iptables and firewalld write them; like those tools, a number past
    65535, or port 0 on its own, is refused."""
    ranges = []
    for piece in text.split(","):
        value = parse_port_spec(numbered(piece))
        if is_unknown(value) or not piece.strip():
            raise InputError(f"port {piece!r} is not a port or range")
        numbers = [int(number) for number in re.findall(r"\d+", piece)]
        if any(number > 65535 for number in numbers) or numbers == [0]:
            raise InputError(f"port {piece.strip()!r} is out of range (1-65535)")
        ranges.append((value[0], value[1]))
    return tuple(ranges)


def address_spans(text: str, versions: tuple[int, ...]) -> dict[int, addresses.Span] | None:
    """Comma-separated addresses (iptables expands them into one rule each); None when one of
    them is a host name."""
    spans: dict[int, addresses.Span] = {}
    for piece in text.split(","):
        found = False
        for version in versions:
            span = addresses.network_span(piece, version)
            if span is not None:
                spans[version] = addresses.union(spans.get(version, ()), span)
                found = True
        if not found:
            return None
    return spans


class RuleParser:
    """One `-A CHAIN ...` line into a Rule."""

    def __init__(self, version: int, table: str, chains: dict[str, Chain], file: str) -> None:
        self.version = version
        self.table = table
        self.chains = chains
        self.file = file

    def parse(self, parsed: list[Option], line: int, number: int) -> Rule:
        matches: list[Match] = []
        protocols = frozenset({"all"})
        module = ""
        target = Target("continue")
        in_target = False
        for option in parsed:
            name, negated = option.name, option.negated
            if name in {"-p", "--protocol"}:
                protocols = frozenset({_protocol(self._one(option))})
                matches.append(Protocol(protocols, negated))
                module = ""
            elif name in {"-s", "--source", "--src", "-d", "--destination", "--dst"}:
                matches.append(self._address(option, source=name in {"-s", "--source", "--src"}))
            elif name in {"-i", "--in-interface", "-o", "--out-interface"}:
                direction = "in" if name in {"-i", "--in-interface"} else "out"
                matches.append(Interface(direction, (self._one(option),), negated))
            elif name in {"-m", "--match"}:
                module = self._one(option)
                in_target = False
                if module in UNDECIDABLE_MODULES:
                    kind = ExtensionHeader if module in EXTENSION_HEADER_MODULES else Undecidable
                    matches.append(kind(f"-m {module} at line {line}: whether it matches a "
                                        "connection cannot be known from the rules"))
            elif name in {"-j", "--jump", "-g", "--goto"}:
                target = self._target(self._one(option), goto=name in {"-g", "--goto"})
                in_target = True
            elif name in {"-f", "--fragment"}:
                matches.append(Protocol(frozenset({"all"}), False) if negated else Never())
            elif name in {"-c", "--set-counters", "-4", "--ipv4", "-6", "--ipv6"}:
                if (name in {"-4", "--ipv4"} and self.version == 6) or (
                        name in {"-6", "--ipv6"} and self.version == 4):
                    matches.append(Never())
            elif in_target:
                target = self._target_option(target, option)
            else:
                matches.extend(self._module_option(module, protocols, option, line))
        return Rule(self.file, line, number, matches, target)

    def _one(self, option: Option) -> str:
        if len(option.args) != 1:
            raise InputError(f"{option.name} takes one value")
        return option.args[0]

    def _address(self, option: Option, *, source: bool) -> Match:
        text = self._one(option)
        spans = address_spans(text, (self.version,))
        if spans is None:
            return Undecidable(f"{option.name} {text}: a host name, resolved only when loaded")
        if source:
            return Source(spans, option.negated)
        return Destination((text,), spans, option.negated)

    def _target(self, name: str, *, goto: bool) -> Target:
        if name in {"ACCEPT", "DROP", "REJECT", "RETURN"}:
            return Target(name.lower(), text=name)
        if name in {"DNAT", "REDIRECT"}:
            return Target(name.lower(), text=name)
        if name in self.chains:
            return Target("goto" if goto else "jump", chain=_key(self.table, name), text=name)
        if name in NON_TERMINAL_TARGETS:
            return Target("continue", text=name)
        if name in CONNTRACK_TARGETS:
            return Target("taint", reason=f"-j {name}: later connection-state matches are not "
                          "evaluated for packets it marks", text=name)
        if name in UNDECIDABLE_TARGETS:
            return Target("undecidable", reason=f"-j {name}: the verdict is decided elsewhere",
                          text=name)
        raise InputError(f"jump to {name}, which is neither a chain of table {self.table} "
                         "nor a known target")

    def _target_option(self, target: Target, option: Option) -> Target:
        if target.kind == "dnat" and option.name == "--to-destination":
            address, port = split_address_port(self._one(option))
            target.address, target.port = address, port
        elif target.kind == "redirect" and option.name == "--to-ports":
            ports = port_ranges(self._one(option))
            target.port = ports[0][0]
        return target

    def _module_option(self, module: str, protocols: frozenset[str], option: Option,
                       line: int) -> list[Match]:
        name, negated = option.name, option.negated
        context = module or next(iter(protocols))
        if name in {"--dport", "--destination-port", "--dports", "--destination-ports"}:
            return [DestinationPort(port_ranges(self._one(option)), negated, protocols)]
        if name in {"--sport", "--source-port", "--sports", "--source-ports"}:
            return [SourcePort(port_ranges(self._one(option)), negated, protocols)]
        if name == "--ports" and context == "multiport":
            ranges = port_ranges(self._one(option))
            if negated:
                return [DestinationPort(ranges, True, protocols), SourcePort(ranges, True)]
            return [EitherPort(ranges, protocols)]
        if name in {"--ctstate", "--state"}:
            states = frozenset(s.lower() for s in self._one(option).split(","))
            return [ConnState(states, negated)]
        if name in {"--src-range", "--dst-range"}:
            spans = address_spans(self._one(option), (self.version,))
            if spans is None:
                raise InputError(f"{name} {self._one(option)!r} is not an address range")
            if name == "--src-range":
                return [Source(spans, negated)]
            return [Destination(tuple(option.args), spans, negated)]
        if name in {"--src-type", "--dst-type"}:
            types = frozenset(t.lower() for t in self._one(option).split(","))
            return [AddressType(name[2:5], types, negated)]
        if name == "--syn":
            syn = frozenset({"syn", "rst", "ack", "fin"})
            return [TcpFlags(syn, frozenset({"syn"}), negated)]
        if name == "--tcp-flags" and len(option.args) == 2:
            mask, chosen = (frozenset(_flags(arg)) for arg in option.args)
            return [TcpFlags(mask, chosen, negated)]
        if name in {"--icmp-type", "--icmpv6-type"}:
            return [Never()] if not negated else []
        if name in {"--comment", "--limit-iface-in", "--limit-iface-out"}:
            return []
        if module in UNDECIDABLE_MODULES:
            return []  # already recorded as undecidable when the module was loaded
        return [Undecidable(f"{module or 'rule'} option {name} at line {line} is not understood; "
                            "whether it matches cannot be decided")]


def _flags(text: str) -> list[str]:
    words = [word.lower() for word in text.split(",")]
    if "all" in words:
        return ["syn", "ack", "fin", "rst", "urg", "psh"]
    return [word for word in words if word != "none"]


def _protocol(text: str) -> str:
    from dicomguard.facts import normalise_protocol

    return normalise_protocol(text)


def split_address_port(text: str) -> tuple[str, int | None]:
    """10.0.0.5:104, [fd00::5]:104, 10.0.0.5, :104 (port only), 10.0.0.5-10.0.0.9:100-200."""
    if text.startswith("["):
        address, _, rest = text[1:].partition("]")
        port_text = rest.lstrip(":")
    elif text.count(":") == 1:
        address, port_text = text.split(":")
    elif ":" in text and not text.startswith(":"):
        address, port_text = text, ""
    else:
        address, _, port_text = text.partition(":")
    address = address.split("-")[0]
    port = int(port_text.split("-")[0]) if port_text.split("-")[0].isdigit() else None
    return address, port


def _key(table: str, chain: str) -> str:
    return f"{table}/{chain}"


def parse(text: str, file: str, version: int, *, line_offset: int = 0,
          platform: str | None = None) -> Ruleset:
    """Parse iptables-restore input. Raises InputError (with a line) on what the kernel would
    refuse."""
    platform = platform or ("iptables" if version == 4 else "ip6tables")
    ruleset = Ruleset(platform={version: platform}, file=file,
                      missing_hook_reason=MISSING_FILTER)
    add_tables(ruleset, text, file, version, line_offset)
    return ruleset


def add_tables(ruleset: Ruleset, text: str, file: str, version: int,
               line_offset: int = 0) -> None:
    """Add the tables of one iptables-restore text to a rule set (ufw combines several files)."""
    table = ""
    table_line = 0
    pending: list[tuple[int, str]] = []
    declared: dict[str, Chain] = {}
    for index, raw in enumerate(text.splitlines(), start=1 + line_offset):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("*"):
            table, table_line = line[1:].strip(), index
            pending = []
            declared = {chain.name.split("/", 1)[1]: chain for chain in ruleset.chains.values()
                        if chain.name.startswith(f"{table}/")}
            for name in BUILTIN_CHAINS.get(table, ()):
                if name not in declared:
                    declared[name] = _chain(table, name, file, index, version)
        elif line == "COMMIT":
            if not table:
                raise InputError("COMMIT outside a table", index)
            _commit(ruleset, table, declared, pending, file, version)
            table = ""
        elif line.startswith(":"):
            if not table:
                raise InputError("chain declared outside a table (no *filter line)", index)
            parts = line[1:].split()
            if not parts:
                raise InputError("empty chain declaration", index)
            name = parts[0]
            chain = declared.get(name) or _chain(table, name, file, index, version)
            policy = parts[1] if len(parts) > 1 else "-"
            if policy != "-":
                if policy not in {"ACCEPT", "DROP"}:
                    raise InputError(f"policy {policy} is not ACCEPT or DROP", index)
                chain.policy, chain.policy_line, chain.file = policy.lower(), index, file
            declared[name] = chain
        elif table:
            pending.append((index, line))
        else:
            raise InputError("rule outside a table (no *filter line before it)", index)
    if table:
        raise InputError(f"table {table} is not committed (no COMMIT line)", table_line)


def _chain(table: str, name: str, file: str, line: int, version: int) -> Chain:
    hook, priority = BUILTIN_HOOKS.get((table, name), (None, 0))
    builtin = name in BUILTIN_CHAINS.get(table, ())
    label = name if table == "filter" else f"{table} {name}"
    return Chain(_key(table, name), label, file, line, hook, priority,
                 "accept" if builtin else None, line, frozenset({version}),
                 nat=table == "nat")


def _commit(ruleset: Ruleset, table: str, declared: dict[str, Chain],
            pending: list[tuple[int, str]], file: str, version: int) -> None:
    for declared_chain in declared.values():
        ruleset.chains[declared_chain.name] = declared_chain
    parser = RuleParser(version, table, declared, file)
    for line, text in pending:
        words = tokens(text)
        if words and words[0].startswith("[") and words[0].endswith("]"):
            words = words[1:]
        try:
            parsed = options(words)
        except InputError as error:
            raise InputError(error.message, line) from None
        if not parsed or parsed[0].name not in {"-A", "--append", "-I", "--insert"}:
            raise InputError(f"expected -A or -I, found {text.split()[0]!r}", line)
        command = parsed[0]
        if not command.args:
            raise InputError(f"{command.name} needs a chain name", line)
        name = command.args[0]
        chain = declared.get(name)
        if chain is None:
            raise InputError(f"chain {name} is not declared in table {table}", line)
        try:
            rule = parser.parse(parsed[1:], line, 0)
        except InputError as error:
            raise InputError(error.message, line) from None
        if command.name in {"-I", "--insert"}:
            if len(command.args) > 1 and not command.args[1].isdigit():
                raise InputError(f"-I {name} {command.args[1]}: not a rule position", line)
            position = int(command.args[1]) - 1 if len(command.args) > 1 else 0
            chain.rules.insert(max(position, 0), rule)
        else:
            chain.rules.append(rule)
    for chain in declared.values():
        for number, rule in enumerate(chain.rules, start=1):
            rule.number = number
