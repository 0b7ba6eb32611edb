"""The JSON syntax of Terraform (.tf.json), as specified at
https://developer.hashicorp.com/terraform/language/syntax/json: strings are templates (`${}`,
`%{}`), `locals`/`variable`/`output`/`resource`/`data`/`module` nest by their labels.

Without provider schemas JSON cannot say whether `"ingress": [{...}]` is an attribute or nested
blocks, so an object (or a list of objects) in a resource body is kept as both.
"""

from __future__ import annotations

import json
from typing import Any

from dicomguard.model import InputError
from dicomguard.positioned_json import PositionedObject, loads
from dicomguard.surrogates import check_decoded
from dicomguard.terraform.syntax import Ast, SyntaxAttribute, SyntaxBlock, literal

LABELS = {"variable": 1, "output": 1, "module": 1, "resource": 2, "data": 2, "provider": 1}
# Arguments JSON spells as a string holding an expression or type, by the block they belong to
# ("" for any block).
EXPRESSION_KEYS = {"depends_on": "", "type": "variable", "providers": "module",
                   "iterator": "dynamic"}


def parse_file(text: str, file: str) -> SyntaxBlock:
    try:
        document = loads(text)
    except json.JSONDecodeError as error:
        raise InputError(f"invalid JSON: {error.msg}", error.lineno) from None
    if not isinstance(document, PositionedObject):
        raise InputError("a .tf.json file must hold a JSON object", 1)
    check_decoded(document, text)
    root = SyntaxBlock("", [], file, document.line, document.end_line)
    for block_type, content in document.items():
        depth = LABELS.get(block_type, 0)
        if block_type == "locals":
            for item in _objects(content):
                locals_block = SyntaxBlock("locals", [], file, item.line, item.end_line)
                _fill(locals_block, item, file, blocks=False)
                root.blocks.append(locals_block)
            continue
        for labels, body in _labelled(content, depth, []):
            block = SyntaxBlock(block_type, labels, file, body.line, body.end_line)
            _fill(block, body, file, blocks=block_type in {"resource", "data"})
            root.blocks.append(block)
    return root


def _objects(content: Any) -> list[PositionedObject]:
    if isinstance(content, PositionedObject):
        return [content]
    if isinstance(content, list):
        return [item for item in content if isinstance(item, PositionedObject)]
    return []


def _labelled(content: Any, depth: int, labels: list[str]
              ) -> list[tuple[list[str], PositionedObject]]:
    if depth == 0:
        return [(labels, body) for body in _objects(content)]
    found = []
    for item in _objects(content):
        for key, value in item.items():
            found.extend(_labelled(value, depth - 1, [*labels, key]))
    return found


def _fill(block: SyntaxBlock, body: PositionedObject, file: str, *, blocks: bool) -> None:
    for key, value in body.items():
        if key == "//":
            continue
        line = value.line if isinstance(value, PositionedObject) else body.line
        end_line = value.end_line if isinstance(value, PositionedObject) else body.end_line
        if blocks and key == "dynamic":
            for labels, dynamic_body in _labelled(value, 1, []):
                dynamic = SyntaxBlock("dynamic", labels, file, dynamic_body.line,
                                      dynamic_body.end_line)
                _fill(dynamic, dynamic_body, file, blocks=True)
                block.blocks.append(dynamic)
            continue
        nested = _objects(value)
        if isinstance(value, list) and nested:
            # A list has no position of its own: it spans its objects, so that a mistake in one
            # is reported once whether the list is read as blocks or as an attribute.
            line, end_line = nested[0].line, nested[-1].end_line
        if blocks and nested and (isinstance(value, PositionedObject) or len(nested) == len(value)):
            for item in nested:
                child = SyntaxBlock(key, [], file, item.line, item.end_line)
                _fill(child, item, file, blocks=True)
                block.blocks.append(child)
            if key in {"lifecycle", "content", "provisioner", "connection"}:
                continue
        block.attributes[key] = SyntaxAttribute(
            key, _expression(block.type, key, value, file, line), line, end_line)


def _expression(block_type: str, key: str, value: Any, file: str, line: int) -> Ast:
    if EXPRESSION_KEYS.get(key) in {"", block_type} and isinstance(value, str):
        from dicomguard.terraform.hcl import parse_expression

        return parse_expression(value, file, line)
    return _value(value, file, line)


def _value(value: Any, file: str, line: int) -> Ast:
    if isinstance(value, str):
        if "${" not in value and "%{" not in value:
            return literal(value)
        from dicomguard.terraform.hcl import compile_template

        return compile_template(value, file, line)
    if isinstance(value, list):
        if not any(isinstance(item, str | list | dict) for item in value):
            return literal(value)
        return ("tuple", [_value(item, file, line) for item in value])
    if isinstance(value, dict):
        item_line = getattr(value, "line", line)
        return ("object", [(literal(key), _value(item, file, item_line))
                           for key, item in value.items() if key != "//"])
    if isinstance(value, float) and value.is_integer():
        return literal(int(value))
    return literal(value)
