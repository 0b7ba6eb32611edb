"""Terraform plan JSON (`terraform show -json plan.out`), as documented at
https://developer.hashicorp.com/terraform/internals/json-format: resources come from
`planned_values` (root and child modules); values that `after_unknown` marks are unknown."""

from __future__ import annotations

import json
import re
from typing import Any

from dicomguard.model import InputError, ScanError, SourceFile
from dicomguard.surrogates import check_decoded
from dicomguard.terraform.model import Attribute, Block, Reference, Resource


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
    unknown = _after_unknown(document)
    lines = _LineFinder(text)
    resources: list[Resource] = []
    _walk(values.get("root_module") or {}, source.path, unknown, lines, resources)
    return resources, []


def _after_unknown(document: dict[str, Any]) -> dict[str, Any]:
    found = {}
    for change in document.get("resource_changes") or []:
        if isinstance(change, dict) and isinstance(change.get("change"), dict):
            found[change.get("address")] = change["change"].get("after_unknown") or {}
    return found


class _LineFinder:
    """The line where a resource's address appears, so findings can point into the plan."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.newlines = [match.start() for match in re.finditer("\n", text)]

    def line(self, address: str) -> int:
        offset = self.text.find('"address":' + json.dumps(address))
        if offset < 0:
            offset = self.text.find(json.dumps(address))
        if offset < 0:
            return 1
        import bisect

        return bisect.bisect_right(self.newlines, offset) + 1


def _walk(module: dict[str, Any], file: str, unknown: dict[str, Any], lines: _LineFinder,
          resources: list[Resource]) -> None:
    for entry in module.get("resources") or []:
        if not isinstance(entry, dict):
            continue
        address = str(entry.get("address", ""))
        line = lines.line(address)
        body = _block(entry.get("type", ""), [], entry.get("values") or {},
                      unknown.get(address) or {}, file, line, address)
        resources.append(Resource(address, str(entry.get("type", "")),
                                  str(entry.get("name", "")), body,
                                  module_address=str(module.get("address", "")),
                                  mode=str(entry.get("mode", "managed"))))
    for child in module.get("child_modules") or []:
        if isinstance(child, dict):
            _walk(child, file, unknown, lines, resources)


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


def _block(block_type: str, labels: list[str], values: dict[str, Any], marks: dict[str, Any],
           file: str, line: int, address: str) -> Block:
    attributes: dict[str, Attribute] = {}
    blocks: list[Block] = []
    names = set(values) | {key for key, mark in marks.items() if mark is True}
    for name in sorted(names):
        value = _marked(values.get(name), marks.get(name, False), address, name)
        if value is None:
            continue
        attributes[name] = Attribute(name, value, line, line)
        nested = value if isinstance(value, list) else [value]
        if nested and all(isinstance(item, dict) for item in nested):
            item_marks = marks.get(name) if isinstance(marks.get(name), list) else []
            for index, item in enumerate(nested):
                mark = item_marks[index] if index < len(item_marks) else {}
                blocks.append(_block(name, [], item, mark if isinstance(mark, dict) else {},
                                     file, line, address))
    return Block(block_type, labels, attributes, blocks, file, line, line)


