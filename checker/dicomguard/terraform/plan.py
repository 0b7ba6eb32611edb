"""Terraform plan JSON (`terraform show -json plan.out`), as documented at
https://developer.hashicorp.com/terraform/internals/json-format: resources come from
`planned_values` (root and child modules); values that `after_unknown` marks are unknown, and
those the plan's `configuration` does not write are the provider's computed values."""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Iterator
from operator import methodcaller
from typing import Any

from dicomguard.model import InputError, ScanError, SourceFile
from dicomguard.records import record
from dicomguard.surrogates import check_decoded
from dicomguard.terraform.evaluated import Attribute, Block, Computed, Reference, Resource


def load_plan(source: SourceFile) -> tuple[list[Resource], list[ScanError]]:
    try:
        text = source.read_text()
        document = json.loads(text)
    except (OSError, UnicodeDecodeError) as error:
        return [], [ScanError(source.path, None, f"cannot read: {error}")]
    except json.JSONDecodeError as error:
        return [], [ScanError(source.path, error.lineno, f"invalid JSON: {error.msg}")]
    except RecursionError:
        return [], [ScanError(source.path, 1, "invalid JSON: nested too deeply to be read")]
    if not isinstance(document, dict):
        return [], [ScanError(source.path, 1, "a plan must hold a JSON object")]
    try:
        check_decoded(document, text)
    except InputError as error:
        return [], [ScanError(source.path, error.line, error.message)]
    values = document.get("planned_values") or document.get("values")
    if not isinstance(values, dict):
        return [], [ScanError(source.path, 1, "no planned_values: not a Terraform plan")]
    plan = _Plan(_after_unknown(document), _written(document), _LineFinder(text), source.path)
    resources: list[Resource] = []
    _walk(values.get("root_module") or {}, plan, resources)
    return resources, []


def _after_unknown(document: dict[str, Any]) -> dict[str, Any]:
    found: dict[Any, Any] = {}  # addresses as the plan writes them, whatever their JSON type
    for change in document.get("resource_changes") or []:
        if isinstance(change, dict) and isinstance(change.get("change"), dict):
            found[change.get("address")] = change["change"].get("after_unknown") or {}
    return found


_INSTANCE_KEY = re.compile(r'\[(?:"(?:[^"\\]|\\.)*"|[0-9]+)\]')


def _written(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The attribute expressions the configuration writes, by resource address without
    instance keys (`module.db.aws_db_instance.index`)."""
    found: dict[str, dict[str, Any]] = {}

    def walk(module: Any, prefix: str) -> None:
        if not isinstance(module, dict):
            return
        for resource in module.get("resources") or []:
            if isinstance(resource, dict) and isinstance(resource.get("expressions"), dict):
                found[prefix + str(resource.get("address", ""))] = resource["expressions"]
        calls = module.get("module_calls")
        for name, call in (calls.items() if isinstance(calls, dict) else []):
            if isinstance(call, dict):
                walk(call.get("module"), f"{prefix}module.{name}.")

    configuration = document.get("configuration")
    if isinstance(configuration, dict):
        walk(configuration.get("root_module"), "")
    return found


@record
class _Plan:
    unknown: dict[str, Any]
    written: dict[str, dict[str, Any]]
    lines: _LineFinder
    file: str


class _LineFinder:
    """The line where a resource's address appears, so findings can point into the plan: the
    first `"address":"..."` that names it, else the first string equal to it. Both indexes are
    built in one pass over the text, so a plan of thousands of resources stays linear."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.newlines = list(map(re.Match.start, re.finditer("\n", text)))
        self.addresses = _first_offsets(_ADDRESS_KEY.finditer(text))
        self.strings: dict[str, int] | None = None  # built when an address is not a key

    def line(self, address: str) -> int:
        quoted = json.dumps(address)
        offset = self.addresses.get(quoted)
        if offset is None:
            if self.strings is None:
                self.strings = _first_offsets(_STRING.finditer(self.text))
            offset = self.strings.get(quoted)
        if offset is None:
            return 1
        return bisect.bisect_right(self.newlines, offset) + 1


_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
_ADDRESS_KEY = re.compile(r'"address":("[^"\\]*(?:\\.[^"\\]*)*")')


def _first_offsets(matches: Iterator[re.Match[str]]) -> dict[str, int]:
    """Each matched string (the last group) at the offset of its first match."""
    found = list(matches)
    if not found:
        return {}
    strings = map(methodcaller("group", found[0].lastindex or 0), reversed(found))
    # read backwards, so that the first match of a string is the one kept
    return dict(zip(strings, map(re.Match.start, reversed(found)), strict=True))


def _walk(module: dict[str, Any], plan: _Plan, resources: list[Resource]) -> None:
    for entry in module.get("resources") or []:
        if not isinstance(entry, dict):
            continue
        address = str(entry.get("address", ""))
        line = plan.lines.line(address)
        body = _block(entry.get("type", ""), entry.get("values") or {},
                      plan.unknown.get(address) or {},
                      plan.written.get(_INSTANCE_KEY.sub("", address)),
                      _Where(plan.file, line, address))
        resources.append(Resource(address, str(entry.get("type", "")),
                                  str(entry.get("name", "")), body,
                                  module_address=str(module.get("address", "")),
                                  mode=str(entry.get("mode", "managed"))))
    for child in module.get("child_modules") or []:
        if isinstance(child, dict):
            _walk(child, plan, resources)


def _marked(value: Any, marks: Any, address: str, name: str) -> Any:
    if marks is True:
        return Reference(f"{address}.{name} is known only after apply", address, name)
    if isinstance(value, list) and isinstance(marks, list):
        return [_marked(item, marks[index] if index < len(marks) else False, address, name)
                for index, item in enumerate(value)]
    if isinstance(value, dict) and isinstance(marks, dict):
        keys = list(value) + [key for key, mark in marks.items()
                              if mark is True and key not in value]
        return {key: _marked(value.get(key), marks.get(key, False), address, f"{name}.{key}")
                for key in keys}
    return value


@record(frozen=True)
class _Where:
    file: str
    line: int
    address: str


def _block(block_type: str, values: dict[str, Any], marks: dict[str, Any],
           written: dict[str, Any] | None, where: _Where, key: str = "") -> Block:
    """One resource body or nested block. `written` holds the expressions the configuration
    writes for it, None when the plan does not say (then every unknown may be a setting)."""
    attributes: dict[str, Attribute] = {}
    blocks: list[Block] = []
    names = set(values) | {key for key, mark in marks.items() if mark is True}
    for name in sorted(names):
        if values.get(name) is None and marks.get(name) is True and written is not None \
                and name not in written:
            reason = f"{where.address}.{name} is computed by the provider after apply"
            attributes[name] = Attribute(name, Computed(reason, where.address, name),
                                         where.line, where.line)
            continue
        value = _marked(values.get(name), marks.get(name, False), where.address, name)
        if value is None:
            continue
        attributes[name] = Attribute(name, value, where.line, where.line)
        nested = value if isinstance(value, list) else [value]
        if nested and all(isinstance(item, dict) for item in nested):
            listed = marks.get(name)
            item_marks = listed if isinstance(listed, list) else []
            nested_written = _nested_written(written, name)
            for index, item in enumerate(nested):
                mark = item_marks[index] if index < len(item_marks) else {}
                item_key = f"{key}/{name}[{index}]" if key else f"{name}[{index}]"
                blocks.append(_block(name, item, mark if isinstance(mark, dict) else {},
                                     nested_written, where, item_key))
    return Block(block_type, [], attributes, blocks, where.file, where.line, where.line, key)


def _nested_written(written: dict[str, Any] | None, name: str) -> dict[str, Any] | None:
    """What the configuration writes inside the nested blocks called `name`, merged over
    them (a plan may order set blocks differently); None when the configuration does not
    show them (dynamic blocks are left out of it)."""
    blocks = written.get(name) if written is not None else None
    if isinstance(blocks, dict):
        blocks = [blocks]
    if not isinstance(blocks, list) or not all(isinstance(item, dict) for item in blocks):
        return None
    merged: dict[str, Any] = {}
    for item in blocks:
        merged.update(item)
    return merged
