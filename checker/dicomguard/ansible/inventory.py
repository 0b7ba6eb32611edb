"""Inventories (INI and YAML): hosts, groups, their nesting and their inline variables."""

from __future__ import annotations

import ast
import re
import shlex
from typing import Any

from dicomguard.ansible.loader import load_yaml
from dicomguard.model import InputError
from dicomguard.records import field, record


@record
class Group:
    name: str
    variables: dict[str, Any] = field(default_factory=dict)
    hosts: set[str] = field(default_factory=set)
    children: set[str] = field(default_factory=set)


@record
class Inventory:
    """One inventory source (a directory of inventory files counts as one)."""

    directory: str
    groups: dict[str, Group] = field(default_factory=dict)
    host_variables: dict[str, dict[str, Any]] = field(default_factory=dict)

    def group(self, name: str) -> Group:
        if name not in self.groups:
            self.groups[name] = Group(name)
        return self.groups[name]

    def add_host(self, host: str, group: str, variables: dict[str, Any]) -> None:
        self.group(group).hosts.add(host)
        self.host_variables.setdefault(host, {}).update(variables)

    @property
    def hosts(self) -> list[str]:
        return sorted(self.host_variables)

    def groups_of(self, host: str) -> list[str]:
        """Every group a host belongs to, parents before children ('all' first), the order in
        which Ansible layers group variables."""
        direct = {name for name, group in self.groups.items() if host in group.hosts}
        found: set[str] = set()
        pending = list(direct)
        while pending:
            name = pending.pop()
            if name in found:
                continue
            found.add(name)
            pending.extend(parent for parent, group in self.groups.items()
                           if name in group.children)
        found.discard("all")
        return ["all", *sorted(found, key=lambda name: (self._depth(name), name))]

    def _depth(self, name: str, seen: frozenset[str] = frozenset()) -> int:
        parents = [parent for parent, group in self.groups.items()
                   if name in group.children and parent not in seen and parent != "all"]
        if not parents:
            return 1
        return 1 + max(self._depth(parent, seen | {name}) for parent in parents)

    def hosts_matching(self, pattern: str) -> list[str]:
        """Hosts a play's `hosts:` pattern selects (unions, `!` exclusions, `&` intersections)."""
        selected: list[str] = []
        for term in (part.strip() for part in pattern.replace(",", ":").split(":")):
            if not term:
                continue
            if term.startswith("!"):
                excluded = set(self._hosts_of(term[1:]))
                selected = [host for host in selected if host not in excluded]
            elif term.startswith("&"):
                kept = set(self._hosts_of(term[1:]))
                selected = [host for host in selected if host in kept]
            else:
                selected.extend(host for host in self._hosts_of(term) if host not in selected)
        return selected

    def _hosts_of(self, name: str) -> list[str]:
        if name in {"all", "*"}:
            return self.hosts
        if name in self.host_variables:
            return [name]
        if name not in self.groups:
            return []
        members: set[str] = set()
        pending, seen = [name], set()
        while pending:
            current = pending.pop()
            if current in seen or current not in self.groups:
                continue
            seen.add(current)
            members.update(self.groups[current].hosts)
            pending.extend(self.groups[current].children)
        return sorted(members)


_HOST_RANGE = re.compile(r"\[(\d+):(\d+)(?::(\d+))?\]|\[([a-z]):([a-z])\]")
LARGEST_HOST_RANGE = 10_000


def expand_host_range(pattern: str) -> list[str]:
    """`pacs[01:03].example.org` -> pacs01, pacs02, pacs03 (the first range; numeric keeps
    its zero padding, alphabetic `[a:c]` too)."""
    match = _HOST_RANGE.search(pattern)
    if match is None:
        return [pattern]
    head, tail = pattern[:match.start()], pattern[match.end():]
    if match.group(4):
        names = [chr(code) for code in range(ord(match.group(4)), ord(match.group(5)) + 1)]
    else:
        start, end, step = match.group(1), match.group(2), int(match.group(3) or 1)
        width = len(start) if start.startswith("0") else 0
        numbers = range(int(start), int(end) + 1, max(step, 1))
        names = [str(number).zfill(width) for number in numbers[:LARGEST_HOST_RANGE]]
    return [host for name in names for host in expand_host_range(head + name + tail)
            ][:LARGEST_HOST_RANGE]


def _ini_value(text: str) -> Any:
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return text


def _assignments(words: list[str]) -> dict[str, Any]:
    return {key: _ini_value(value) for key, _, value in
            (word.partition("=") for word in words) if key}


def read_ini(text: str, inventory: Inventory) -> None:
    section, kind = "ungrouped", "hosts"
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            if not line.endswith("]"):
                raise InputError(f"malformed inventory section header {line!r}", number)
            section, _, kind = line[1:-1].partition(":")
            kind = kind or "hosts"
            inventory.group(section)
            continue
        try:
            words = shlex.split(line, comments=True)
        except ValueError as error:
            raise InputError(f"malformed inventory line: {error}", number) from None
        if not words:
            continue
        if kind == "vars":
            key, _, value = line.partition("=")
            inventory.group(section).variables[key.strip()] = _ini_value(value.strip())
        elif kind == "children":
            inventory.group(section).children.add(words[0])
            inventory.group(words[0])
        else:
            for host in expand_host_range(words[0]):
                inventory.add_host(host, section, _assignments(words[1:]))


def read_yaml(text: str, inventory: Inventory) -> None:
    document = load_yaml(text)
    if document is None:
        return
    if not isinstance(document, dict):
        raise InputError("a YAML inventory is a mapping of groups", getattr(document, "line", 1))
    for name, body in document.items():
        _yaml_group(str(name), body, inventory)


def _yaml_group(name: str, body: Any, inventory: Inventory) -> None:
    group = inventory.group(name)
    if not isinstance(body, dict):
        return
    for pattern, variables in (body.get("hosts") or {}).items():
        for host in expand_host_range(str(pattern)):
            inventory.add_host(host, name, dict(variables or {}))
    group.variables.update(body.get("vars") or {})
    for child, child_body in (body.get("children") or {}).items():
        group.children.add(str(child))
        _yaml_group(str(child), child_body, inventory)
