"""nftables configuration (`nft -f` input: nftables.conf, *.nft) into the netfilter model."""

from __future__ import annotations

import re

from dicomguard.firewall.iptables import split_address_port
from dicomguard.firewall.netfilter import Chain, Match, Rule, Ruleset, Target, Undecidable
from dicomguard.firewall.nft_common import (
    NamedSet,
    SetRef,
    TableContext,
    Value,
    add_chain,
    finish,
    match_for,
    verdict_target,
)
from dicomguard.limits import check_length
from dicomguard.model import InputError
from dicomguard.records import record

TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"|#[^\n]*|\n|[{};,]|[^\s{};,"#]+')
OPERATORS = frozenset({"==", "!=", "eq", "ne", "<", ">", "<=", ">=", "lt", "gt", "le", "ge"})
TWO_WORD_HEADS = frozenset({"ip", "ip6", "tcp", "udp", "udplite", "th", "sctp", "dccp", "meta",
                            "ct", "icmp", "icmpv6", "ether", "vlan", "arp", "ah", "esp", "comp",
                            "rt", "frag", "dst", "hbh", "mh", "srh", "osf", "socket", "ipsec",
                            "exthdr", "tunnel"})
ONE_WORD_SELECTORS = frozenset({"iif", "iifname", "oif", "oifname", "l4proto", "nfproto",
                                "pkttype", "mark", "iiftype", "oiftype", "skuid", "skgid",
                                "cpu", "cgroup", "priority", "length", "protocol"})
TABLE_BLOCKS = frozenset({"flowtable", "counter", "quota", "ct", "limit", "secmark", "synproxy"})
LOG_OPTIONS = frozenset({"prefix", "level", "flags", "group", "snaplen", "queue-threshold"})


@record(eq=False)
class Literal:
    """An anonymous set `{ a, b, c }`: elements, each a list of words."""

    elements: list[list[str]]
    line: int


Token = str | Literal


class Reader:
    def __init__(self, text: str, line_offset: int) -> None:
        self.items: list[tuple[str, int]] = []
        line = 1 + line_offset
        for match in TOKEN.finditer(text):
            word = match.group()
            if word == "\n":
                self.items.append((";", line))
                line += 1
            elif not word.startswith("#"):
                self.items.append((word, line))
        self.position = 0
        self.defines: dict[str, list[Token]] = {}

    def peek(self) -> str | None:
        return self.items[self.position][0] if self.position < len(self.items) else None

    def line(self) -> int:
        if self.position < len(self.items):
            return self.items[self.position][1]
        return self.items[-1][1] if self.items else 1

    def take(self) -> tuple[str, int]:
        if self.position >= len(self.items):
            raise InputError("unexpected end of file (a '}' is missing)", self.line())
        item = self.items[self.position]
        self.position += 1
        return item

    def skip_separators(self) -> None:
        while self.peek() == ";":
            self.position += 1

    def statement(self) -> tuple[list[Token], int]:
        """Words up to the end of the line, `;` or `}`; anonymous sets become Literals and
        $variables are replaced by their definitions."""
        self.skip_separators()
        line = self.line()
        words: list[Token] = []
        while (word := self.peek()) is not None and word not in {";", "}"}:
            if word == "{":
                words.append(self.literal())
            else:
                self.position += 1
                words.extend(self.expand(word, line))
                check_length(len(words), "a statement with its variables expanded", line)
        return words, line

    def header(self) -> tuple[list[str], int]:
        """Words before a block's `{` (which is consumed)."""
        line = self.line()
        words = []
        while (word := self.peek()) != "{":
            if word is None or word in {";", "}"}:
                raise InputError("expected '{'", line)
            words.append(self.take()[0])
        self.position += 1
        return words, line

    def literal(self) -> Literal:
        _, line = self.take()  # {
        elements: list[list[str]] = []
        current: list[str] = []
        while True:
            word, _ = self.take()
            if word == "}":
                break
            if word == "{":
                self.position -= 1
                inner = self.literal()
                current.extend(item for element in inner.elements for item in element)
            elif word == ",":
                if current:
                    elements.append(current)
                current = []
            elif word != ";":
                for item in self.expand(word, line):
                    if isinstance(item, Literal):
                        elements.extend(item.elements)
                    else:
                        current.append(item)
                check_length(len(elements) + len(current), "a set with its variables expanded",
                             line)
        if current:
            elements.append(current)
        return Literal(elements, line)

    def expand(self, word: str, line: int) -> list[Token]:
        if word.startswith("$"):
            name = word[1:]
            if name not in self.defines:
                raise InputError(f"variable ${name} is not defined", line)
            return list(self.defines[name])
        return [word]

    def block_end(self) -> None:
        self.skip_separators()
        word, line = self.take()
        if word != "}":
            raise InputError(f"expected '}}', found {word!r}", line)


def parse(text: str, file: str, *, line_offset: int = 0) -> Ruleset:
    reader = Reader(text, line_offset)
    ruleset = Ruleset(platform={}, file=file)
    tables: dict[tuple[str, str], TableContext] = {}
    notes: list[str] = []
    while True:
        reader.skip_separators()
        word = reader.peek()
        if word is None:
            break
        if word == "table":
            reader.take()
            words, line = reader.header()
            table = _table(tables, words, file, line)
            _table_body(reader, ruleset, table)
            reader.block_end()
        elif word == "define":
            statement, line = reader.statement()
            if len(statement) < 3 or statement[2] != "=":
                raise InputError("expected define NAME = VALUE", line)
            reader.defines[str(statement[1])] = statement[3:]
        elif word == "include":
            statement, line = reader.statement()
            notes.append(f"line {line} includes {' '.join(map(str, statement[1:]))}, which is "
                         "evaluated on its own, not as part of this rule set")
        elif word in {"add", "create", "insert"}:
            _command(reader, ruleset, tables, file)
        elif word in {"flush", "delete", "destroy", "list", "reset"}:
            reader.statement()
        else:
            raise InputError(f"{word!r} is not an nft command", reader.line())
    ruleset.global_reasons = tuple(notes)
    return finish(ruleset)


def _table(tables: dict[tuple[str, str], TableContext], words: list[str], file: str,
           line: int) -> TableContext:
    if len(words) == 1:
        family, name = "ip", words[0]
    elif len(words) == 2:
        family, name = words
    else:
        raise InputError(f"table {' '.join(words)!r} is not `table [family] name`", line)
    return tables.setdefault((family, name), TableContext(family, name, file))


def _table_body(reader: Reader, ruleset: Ruleset, table: TableContext) -> None:
    """Sets may be declared after the chains that use them: rules are read at the end."""
    pending: list[tuple[Chain, list[tuple[list[Token], int]]]] = []
    while True:
        reader.skip_separators()
        word = reader.peek()
        if word == "}" or word is None:
            break
        if word in {"chain", "set", "map"}:
            reader.take()
            words, line = reader.header()
            if not words:
                raise InputError(f"a {word} needs a name", line)
            if word == "chain":
                pending.append(_chain_body(reader, ruleset, table, words[-1], line))
            else:
                table.sets[words[-1]] = _set_body(reader, line)
            reader.block_end()
        elif word in TABLE_BLOCKS:
            reader.header()
            _skip_block(reader)
        else:
            reader.statement()  # flags, comment
    for chain, rules in pending:
        _add_rules(chain, rules, table, ruleset.file)


def _add_rules(chain: Chain, rules: list[tuple[list[Token], int]], table: TableContext,
               file: str) -> None:
    for words, line in rules:
        chain.rules.append(parse_rule(words, table, line, file))


def _skip_block(reader: Reader) -> None:
    depth = 1
    while depth:
        word, _ = reader.take()
        depth += {"{": 1, "}": -1}.get(word, 0)


def _set_body(reader: Reader, line: int) -> NamedSet:
    elements: list[Value] | None = None
    while reader.peek() not in {"}", None}:
        words, _ = reader.statement()
        if words and words[0] == "elements":
            literal = words[-1]
            if not isinstance(literal, Literal):
                raise InputError("expected elements = { ... }", line)
            elements = _values(literal)
        reader.skip_separators()
    return NamedSet(elements, line)


def _values(literal: Literal) -> list[Value]:
    return [" ".join(element) if len(element) > 1 and ":" not in element else element[0]
            for element in literal.elements if element]


def _chain_body(reader: Reader, ruleset: Ruleset, table: TableContext, name: str,
                line: int) -> tuple[Chain, list[tuple[list[Token], int]]]:
    base: dict[str, str | list[str]] = {}
    rules: list[tuple[list[Token], int]] = []
    while True:
        words, statement_line = reader.statement()
        if words:
            first = words[0]
            if first == "type" and len(words) >= 4:
                base["type"], base["hook"] = str(words[1]), str(words[3])
                if "priority" in words:
                    base["priority"] = [str(w) for w in words[words.index("priority") + 1:]]
            elif first == "policy" and len(words) == 2:
                base["policy"], base["policy_line"] = str(words[1]), str(statement_line)
            elif first in {"comment", "devices", "device"}:
                pass
            else:
                rules.append((words, statement_line))
        if reader.peek() in {"}", None}:
            break
    return add_chain(ruleset, table, name, line, base or None), rules


def _command(reader: Reader, ruleset: Ruleset, tables: dict[tuple[str, str], TableContext],
             file: str) -> None:
    """add/create/insert table|chain|rule|set|map|element."""
    verb, line = reader.take()
    noun, _ = reader.take()
    if noun in {"table", "chain", "set", "map"}:
        words: list[str] = []
        while reader.peek() not in {"{", ";", "}", None}:
            words.append(reader.take()[0])
        if noun == "table":
            table = _table(tables, words, file, line)
            if reader.peek() == "{":
                reader.take()
                _table_body(reader, ruleset, table)
                reader.block_end()
            return
        family, table_name, rest = _address(list(words), line)
        table = tables.setdefault((family, table_name), TableContext(family, table_name, file))
        name = str(rest[0])
        if noun == "chain":
            if reader.peek() == "{":
                reader.take()
                chain, rules = _chain_body(reader, ruleset, table, name, line)
                reader.block_end()
                _add_rules(chain, rules, table, file)
            else:
                add_chain(ruleset, table, name, line, None)
        else:
            table.sets.setdefault(name, NamedSet(None, line))
            if reader.peek() == "{":
                reader.take()
                table.sets[name] = _set_body(reader, line)
                reader.block_end()
        return
    statement, line = reader.statement()
    if noun not in {"rule", "element"}:
        raise InputError(f"{verb} {noun} is not an nft command this checker knows", line)
    family, table_name, rest = _address(statement, line)
    table = tables.setdefault((family, table_name), TableContext(family, table_name, file))
    if noun == "rule":
        chain = add_chain(ruleset, table, str(rest[0]), line, None)
        body = rest[1:]
        if body[:1] in (["position"], ["handle"], ["index"]):
            body = body[2:]
        rule = parse_rule(body, table, line, file)
        if verb == "insert":
            chain.rules.insert(0, rule)
        else:
            chain.rules.append(rule)
    else:
        named = table.sets.setdefault(str(rest[0]), NamedSet(None, line))
        literal = rest[-1]
        if isinstance(literal, Literal):
            named.elements = (named.elements or []) + _values(literal)


def _address(statement: list[Token], line: int) -> tuple[str, str, list[Token]]:
    words = statement
    if len(words) >= 2 and words[0] in {"ip", "ip6", "inet", "arp", "bridge", "netdev"}:
        family, table, rest = str(words[0]), str(words[1]), list(words[2:])
    elif words:
        family, table, rest = "ip", str(words[0]), list(words[1:])
    else:
        raise InputError("a table name is missing", line)
    if not rest:
        raise InputError("a chain or set name is missing", line)
    return family, table, rest


def parse_rule(words: list[Token], table: TableContext, line: int, file: str) -> Rule:
    parser = _RuleWords(words, table, line)
    matches, target = parser.parse()
    return Rule(file, line, 0, matches, target)


class _RuleWords:
    def __init__(self, words: list[Token], table: TableContext, line: int) -> None:
        self.words = words
        self.table = table
        self.line = line
        self.index = 0

    def next(self, offset: int = 0) -> Token | None:
        position = self.index + offset
        return self.words[position] if position < len(self.words) else None

    def take(self) -> Token:
        word = self.next()
        if word is None:
            raise InputError("the rule ends too early", self.line)
        self.index += 1
        return word

    def parse(self) -> tuple[list[Match], Target]:
        matches: list[Match] = []
        target = Target("continue")
        while self.next() is not None:
            word = self.take()
            if isinstance(word, Literal):
                raise InputError("a set `{ ... }` where a keyword was expected", self.line)
            verdict = verdict_target(word, str(self.next() or ""))
            if verdict is not None:
                if verdict.kind in {"jump", "goto"}:
                    self.take()
                target = verdict
                self._skip_verdict_options(word)
            elif word == "counter":
                self._skip_pairs({"packets", "bytes", "name"})
            elif word == "log":
                self._skip_pairs(LOG_OPTIONS)
            elif word == "comment":
                self.take()
            elif word == "limit":
                matches.append(self._limit())
            elif word in {"dnat", "snat", "masquerade", "redirect"}:
                target = self._nat(word) or target
            elif word == "notrack":
                target = Target("taint", reason=f"notrack at line {self.line}: later "
                                "connection-state matches are not evaluated", text=word)
            elif self.next(1) == "set" and word in {"meta", "ct"}:
                self.index += 3
            elif word == "mark" and self.next() == "set":
                self.index += 2
            elif word == "ct" and self.next() == "count":
                self._skip_until_keyword()
                matches.append(Undecidable(f"ct count at line {self.line}: depends on how many "
                                           "connections are open"))
            else:
                found, vmap = self._selector(word)
                matches.extend(found)
                if vmap is not None:
                    target = vmap
        return matches, target

    def _skip_verdict_options(self, word: str) -> None:
        if word == "reject" and self.next() == "with":
            self.index += 4 if self.next(2) == "type" else 3
        elif word == "queue":
            self._skip_until_keyword()

    def _skip_pairs(self, names: frozenset[str] | set[str]) -> None:
        while self.next() in names:
            self.index += 2

    def _skip_until_keyword(self) -> None:
        while (word := self.next()) is not None and not (
                isinstance(word, str) and verdict_target(word) is not None):
            self.index += 1

    def _limit(self) -> Match:
        self._skip_until_keyword()
        return Undecidable(f"limit at line {self.line}: whether a connection is over the rate "
                           "cannot be known")

    def _nat(self, word: str) -> Target | None:
        if word in {"snat", "masquerade"}:
            self._skip_until_keyword()
            return Target("continue", text=word)  # Ruleset.uplinks reads where it leaves
        if self.next() in {"ip", "ip6"}:
            self.index += 1
        if self.next() == "to":
            self.index += 1
        destination = self.next()
        if word == "redirect":
            if isinstance(destination, str) and destination.lstrip(":").isdigit():
                self.index += 1
                return Target("redirect", port=int(destination.lstrip(":")), text="redirect")
            return Target("redirect", text="redirect")
        if not isinstance(destination, str) or destination in {"ip", "ip6", "tcp", "udp", "th"}:
            self._skip_until_keyword()
            return Target("undecidable", reason=f"dnat at line {self.line} picks its target "
                          "from a map", text="dnat")
        self.index += 1
        address, port = split_address_port(destination)
        following = self.next(1)
        if port is None and self.next() == ":" and isinstance(following, str) and (
                following.isdigit()):
            self.index += 2
            port = int(following)
        return Target("dnat", address=address, port=port, text=f"dnat to {destination}")

    def _selector(self, word: str) -> tuple[list[Match], Target | None]:
        selector = [word]
        if word in TWO_WORD_HEADS and isinstance(self.next(), str):
            selector.append(str(self.take()))
        elif word == "fib":
            while isinstance(self.next(), str) and self.next() != "type":
                selector.append(str(self.take()))
            selector.append(str(self.take()))
        elif word not in ONE_WORD_SELECTORS:
            self._skip_until_keyword()
            return [Undecidable(f"{word} ... at line {self.line}: an expression this checker "
                                "does not evaluate")], None
        if self.next() == ".":
            return self._concatenation(selector)
        if self.next() == "&":
            self._skip_until_keyword()
            return [Undecidable(f"{' '.join(selector)} & ... at line {self.line}: bit tests "
                                "are not evaluated")], None
        op = "=="
        if self.next() in OPERATORS:
            op = str(self.take())
        if self.next() == "vmap":
            self.take()
            literal = self.take()
            if not isinstance(literal, Literal):
                raise InputError("vmap needs { key : verdict, ... }", self.line)
            return [], self._vmap(selector, literal)
        value = self._value()
        return match_for(tuple(selector), op, value, self.table, self.line), None

    def _concatenation(self, selector: list[str]) -> tuple[list[Match], Target | None]:
        """`ip saddr . tcp dport @allowed`: matched as a whole, which is not evaluated."""
        while self.next() == ".":
            self.index += 1
            head = self.take()
            if head in TWO_WORD_HEADS:
                self.take()
        if self.next() in OPERATORS:
            self.index += 1
        reason = (f"{' '.join(selector)} . ... at line {self.line}: concatenated matches are "
                  "not evaluated")
        if self.next() == "vmap":
            self.index += 2
            return [], Target("undecidable", reason=reason, text="vmap")
        self.take()
        return [Undecidable(reason)], None

    def _value(self) -> Value:
        word = self.take()
        if isinstance(word, Literal):
            return _values(word)
        if word.startswith("@"):
            return SetRef(word[1:])
        values: list[Value] = [word]
        while self.next() == ",":
            self.index += 1
            values.append(str(self.take()))
        return values if len(values) > 1 else word

    def _vmap(self, selector: list[str], literal: Literal) -> Target:
        key = " ".join(selector)
        kind = "ct state" if key == "ct state" else "dport" if selector[-1] == "dport" else key
        entries = []
        for element in literal.elements:
            colon = element.index(":") if ":" in element else -1
            if colon < 1 or colon + 1 >= len(element):
                raise InputError("vmap entries are key : verdict", self.line)
            keys = tuple(element[:colon])
            verdict = verdict_target(element[colon + 1], element[colon + 2]
                                     if len(element) > colon + 2 else "")
            if verdict is None:
                raise InputError(f"{element[colon + 1]!r} is not a verdict", self.line)
            entries.append((keys, verdict))
        return Target("vmap", vmap_key=kind, vmap=tuple(entries), text=f"{key} vmap")
