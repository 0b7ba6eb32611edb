"""Caddy request matchers, as far as they decide who reaches a backend: a matcher token of a
directive (`*`, `/path*`, `@name`), named matcher definitions (`@name path ...` on one line or
a block of `path`, `remote_ip`, `client_ip`, `not ...` lines, the same kind merged as Caddy
merges them) and whether a matcher takes in every request a stranger on the internet could
send to some paths.
"""

from __future__ import annotations

from dicomguard.apps.nginx import Directive, walk
from dicomguard.facts import source_scope
from dicomguard.records import record

# Caddy's `private_ranges` shorthand for remote_ip / client_ip.
PRIVATE_RANGES = ("192.168.0.0/16", "172.16.0.0/12", "10.0.0.0/8", "127.0.0.1/8", "fd00::/8",
                  "::1")
SOURCE_MATCHERS = frozenset({"remote_ip", "client_ip"})
EVERY_PATH = ("*", "/*")


@record(frozen=True)
class Condition:
    """One matcher of a set: kind (path, remote_ip, client_ip, or another Caddy matcher, which
    dicomguard does not evaluate), its values, and whether it is negated by `not`."""

    kind: str
    values: tuple[str, ...]
    negated: bool = False


Matcher = tuple[Condition, ...]  # every condition must hold; () matches every request


def is_matcher_token(word: str) -> bool:
    return word == "*" or word.startswith(("/", "@"))


def _sources(values: list[str]) -> tuple[str, ...]:
    found: list[str] = []
    for value in values:
        if value == "private_ranges":
            found.extend(PRIVATE_RANGES)
        elif value != "forwarded":
            found.append(value)
    return tuple(found)


def _condition(name: str, values: list[str], negated: bool) -> Condition:
    if name in SOURCE_MATCHERS:
        return Condition("remote_ip", _sources(values), negated)
    if name == "path":
        return Condition("path", tuple(values), negated)
    return Condition(name or "expression", tuple(values), negated)


def _merged(conditions: list[Condition]) -> Matcher:
    """Conditions of one kind and sense merged (Caddy ORs their values)."""
    merged: dict[tuple[str, bool], list[str]] = {}
    for condition in conditions:
        merged.setdefault((condition.kind, condition.negated), []).extend(condition.values)
    return tuple(Condition(kind, tuple(values), negated)
                 for (kind, negated), values in merged.items())


def _definition(directive: Directive) -> Matcher:
    if directive.block is None:
        if not directive.args:
            return (Condition("expression", ()),)
        if directive.args[0].startswith("/"):
            return (Condition("path", tuple(directive.args)),)
        if directive.args[0] == "not" and len(directive.args) > 1:
            return (_condition(directive.args[1], directive.args[2:], True),)
        return (_condition(directive.args[0], directive.args[1:], False),)
    conditions: list[Condition] = []
    for line in directive.block:
        if line.name == "not":
            inner = [_condition(line.args[0], line.args[1:], True)] if line.args else [
                _condition(child.name, child.args, True) for child in line.block or []]
            # not (A and B) is no simple condition: kept, but never taken as covering.
            conditions.extend(inner if len(inner) == 1 else [Condition("not", ())])
        else:
            conditions.append(_condition(line.name, line.args, False))
    return _merged(conditions)


def named_matchers(directives: list[Directive]) -> dict[str, Matcher]:
    """The named matchers a site defines, at any depth."""
    return {directive.name: _definition(directive) for directive, _ in walk(directives)
            if directive.name.startswith("@") and len(directive.name) > 1}


def matcher_of(directive: Directive, named: dict[str, Matcher]) -> tuple[Matcher, list[str]]:
    """The matcher a directive's first argument gives it, and its other arguments."""
    if not directive.args or not is_matcher_token(directive.args[0]):
        return (), directive.args
    token, rest = directive.args[0], directive.args[1:]
    if token == "*":
        return (), rest
    if token.startswith("@"):
        return named.get(token, (Condition("undefined " + token, ()),)), rest
    return (Condition("path", (token,)),), rest


def under(path: str, pattern: str) -> bool:
    """Whether every request path `path` (a Caddy path pattern) matches pattern."""
    if pattern in EVERY_PATH:
        return True
    if pattern.endswith("*"):
        return path.startswith(pattern[:-1])
    return path == pattern


def _overlap(path: str, pattern: str) -> bool:
    return under(path, pattern) or under(pattern, path) or (
        path.endswith("*") and pattern.startswith(path[:-1]))


def _internet_wide(sources: tuple[str, ...]) -> bool:
    """Whether the ranges may take in the internet at large (a range not known may)."""
    return any(source_scope(source) in {"internet", "unknown"} for source in sources)


def private_only(condition: Condition) -> bool:
    """A remote_ip condition that lets in no internet-wide range."""
    return condition.kind == "remote_ip" and not condition.negated and bool(
        condition.values) and not _internet_wide(condition.values)


def takes_every_stranger(matcher: Matcher, paths: tuple[str, ...]) -> bool:
    """Whether matcher takes in every request a stranger on the internet can send to paths
    (() for every path)."""
    for condition in matcher:
        if condition.kind == "path" and not condition.negated:
            wanted = paths or ("/*",)
            if not all(any(under(path, pattern) for pattern in condition.values)
                       for path in wanted):
                return False
        elif condition.kind == "path":
            if not paths or any(_overlap(path, pattern) for path in paths
                                for pattern in condition.values):
                return False
        elif condition.kind == "remote_ip":
            # `not remote_ip <private ranges>` takes in every stranger; `remote_ip <range>`
            # only when the range is the internet itself.
            if condition.negated == _internet_wide(condition.values):
                return False
        else:
            return False
    return True


def describe(directive: Directive) -> str:
    return f"{' '.join([directive.name, *directive.args])} ({directive.file}:{directive.line})"
