"""`nft -j list ruleset` JSON into the netfilter model."""

from __future__ import annotations

import json
import re
from typing import Any

from dicomguard.firewall.netfilter import Match, Rule, Ruleset, Target, Undecidable
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
from dicomguard.model import InputError
from dicomguard.surrogates import check_decoded

# Where each table, chain, set and rule object starts, for line numbers in pretty-printed JSON
# (`nft -j` itself prints one line).
ITEM_START = re.compile(r'\{\s*"(table|chain|set|map|rule)"\s*:\s*\{')
IGNORED_STATEMENTS = frozenset({"counter", "log", "comment", "mangle", "snat",
                                "masquerade", "xt", "set", "meter", "ct helper", "ct timeout",
                                "quota", "flow"})


def parse(text: str, file: str, *, line_offset: int = 0) -> Ruleset:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError(f"not valid JSON: {error.msg}", error.lineno + line_offset) from None
    check_decoded(document, text, line_offset)
    items = document.get("nftables") if isinstance(document, dict) else None
    if not isinstance(items, list):
        raise InputError("expected an object with an \"nftables\" list", 1 + line_offset)
    starts = iter([text.count("\n", 0, match.start(1)) + 1 + line_offset
                   for match in ITEM_START.finditer(text)])
    ruleset = Ruleset(platform={}, file=file)
    tables: dict[tuple[str, str], TableContext] = {}
    for item in items:
        if not isinstance(item, dict) or len(item) != 1:
            continue
        (kind, body), = item.items()
        if not isinstance(body, dict):
            continue
        line = next(starts, 1 + line_offset) if kind in {"table", "chain", "set", "map",
                                                          "rule"} else 1 + line_offset
        family, table_name = str(body.get("family", "ip")), str(body.get("table", ""))
        if kind == "table":
            table_name = str(body.get("name", ""))
        table = tables.setdefault((family, table_name), TableContext(family, table_name, file))
        if kind == "chain":
            base: dict[str, str | list[str]] | None = None
            if "hook" in body:
                base = {"type": str(body.get("type", "filter")), "hook": str(body["hook"]),
                        "priority": str(body.get("prio", 0)),
                        "policy": str(body.get("policy", "accept"))}
            add_chain(ruleset, table, str(body.get("name", "")), line, base)
        elif kind in {"set", "map"}:
            elements = body.get("elem")
            if elements is not None and not isinstance(elements, list):
                raise InputError(f"the elements of {kind} {body.get('name')!r} are not a list",
                                 line)
            table.sets[str(body.get("name", ""))] = NamedSet(
                None if elements is None else [_value(e, line) for e in elements], line)
        elif kind == "rule":
            chain = add_chain(ruleset, table, str(body.get("chain", "")), line, None)
            chain.rules.append(_rule(body.get("expr", []), table, line, file))
    return finish(ruleset)


def _rule(expressions: Any, table: TableContext, line: int, file: str) -> Rule:
    if not isinstance(expressions, list):
        raise InputError("a rule's expr is not a list", line)
    matches: list[Match] = []
    target = Target("continue")
    for expression in expressions:
        if not isinstance(expression, dict) or len(expression) != 1:
            raise InputError("a rule expression is not a one-key object", line)
        (key, body), = expression.items()
        verdict = verdict_target(key, str((body or {}).get("target", ""))
                                 if isinstance(body, dict) else "")
        if verdict is not None:
            target = verdict
        elif key == "match":
            matches.extend(_match(body, table, line))
        elif key == "vmap":
            target = _vmap(body, line)
        elif key == "dnat":
            port = body.get("port")
            target = Target("dnat", address=str(body.get("addr", "")),
                            port=int(port) if isinstance(port, int) else None, text="dnat")
        elif key == "redirect":
            port = (body or {}).get("port")
            target = Target("redirect", port=int(port) if isinstance(port, int) else None,
                            text="redirect")
        elif key == "notrack":
            target = Target("taint", reason=f"notrack at line {line}: later connection-state "
                            "matches are not evaluated", text=key)
        elif key == "limit":
            matches.append(Undecidable(f"limit at line {line}: whether a connection is over "
                                       "the rate cannot be known"))
        elif key not in IGNORED_STATEMENTS:
            matches.append(Undecidable(f"{key} at line {line}: not evaluated"))
    return Rule(file, line, 0, matches, target)


def _selector(left: Any) -> tuple[str, ...] | None:
    if not isinstance(left, dict) or len(left) != 1:
        return None
    (kind, body), = left.items()
    if kind == "payload" and isinstance(body, dict):
        return (str(body.get("protocol", "")), str(body.get("field", "")))
    if kind in {"meta", "ct"} and isinstance(body, dict):
        return (kind, str(body.get("key", "")))
    if kind == "fib" and isinstance(body, dict):
        flags = body.get("flags", [])
        flags = flags if isinstance(flags, list) else [flags]
        return ("fib", *map(str, flags), str(body.get("result", "")))
    return None


def _match(body: Any, table: TableContext, line: int) -> list[Match]:
    if not isinstance(body, dict):
        raise InputError("a match is not an object", line)
    selector = _selector(body.get("left"))
    if selector is None:
        return [Undecidable(f"match on {json.dumps(body.get('left'))} at line {line}: not "
                            "evaluated")]
    op = str(body.get("op", "=="))
    op = "==" if op == "in" else op
    if selector[0] == "meta" and selector[1] in {"iif", "iifname", "oif", "oifname",
                                                 "l4proto", "nfproto"}:
        selector = (selector[1],)
    return match_for(selector, op, _value(body.get("right"), line), table, line)


def _value(value: Any, line: int) -> Value:
    if isinstance(value, bool):
        raise InputError("a boolean where a value was expected", line)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return SetRef(value[1:]) if value.startswith("@") else value
    if isinstance(value, list):
        return [_value(item, line) for item in value]
    if isinstance(value, dict) and len(value) == 1:
        (kind, body), = value.items()
        if kind == "set":
            items = body if isinstance(body, list) else [body]
            return [_value(item, line) for item in items]
        if kind == "prefix" and isinstance(body, dict):
            return f"{body.get('addr')}/{body.get('len')}"
        if kind == "range" and isinstance(body, list) and len(body) == 2:
            return (str(_value(body[0], line)), str(_value(body[1], line)))
        if kind == "elem" and isinstance(body, dict):
            return _value(body.get("val"), line)
    raise InputError(f"value {json.dumps(value)[:60]} is not understood", line)


def _vmap(body: Any, line: int) -> Target:
    selector = _selector(body.get("key")) if isinstance(body, dict) else None
    data = body.get("data", {}) if isinstance(body, dict) else {}
    entries = data.get("set", []) if isinstance(data, dict) else []
    if not isinstance(entries, list):
        raise InputError("a vmap's entries are not a list", line)
    if selector is None:
        return Target("undecidable", reason=f"verdict map at line {line}", text="vmap")
    key = "ct state" if selector == ("ct", "state") else (
        "dport" if selector[-1] == "dport" else " ".join(selector))
    mapped = []
    for entry in entries:
        if not isinstance(entry, list) or len(entry) != 2 or not isinstance(entry[1], dict):
            raise InputError("a vmap entry is not [key, verdict]", line)
        (word, argument), = entry[1].items()
        verdict = verdict_target(word, str((argument or {}).get("target", ""))
                                 if isinstance(argument, dict) else "")
        if verdict is None:
            raise InputError(f"{word!r} is not a verdict", line)
        keys = _value(entry[0], line)
        flat = keys if isinstance(keys, list) else [keys]
        mapped.append((tuple("-".join(k) if isinstance(k, tuple) else str(k) for k in flat),
                       verdict))
    return Target("vmap", vmap_key=key, vmap=tuple(mapped), text="vmap")
