"""Terraform native syntax to JSON syntax, for the subset of HCL that the inputs use, following
https://developer.hashicorp.com/terraform/language/syntax/json: literals stay literals, any
other expression becomes the template "${...}" (whose value is the expression's, unconverted),
and the few arguments that JSON spells as bare references (depends_on, provider, iterator ...)
become plain strings."""

from __future__ import annotations

import json
from typing import Any

from dicomguard.terraform.hcl import QUOTED_ESCAPES
from tests.metamorphic import hcl_rewrite as hcl

# (enclosing block type, attribute) written as a reference or type, not as a template.
RAW = {("*", "depends_on"), ("resource", "provider"), ("data", "provider"),
       ("module", "providers"), ("variable", "type"), ("dynamic", "iterator"),
       ("lifecycle", "ignore_changes"), ("lifecycle", "replace_triggered_by"),
       ("moved", "from"), ("moved", "to"), ("import", "to"), ("output", "depends_on")}
LABELLED_TOP = {"variable", "output", "module", "resource", "data", "provider"}


class NotConvertible(Exception):
    pass


def convert(source: hcl.Source) -> str:
    body = hcl.body_of(source.root)
    document: dict[str, Any] = {}
    for block in hcl.blocks(body) if body is not None else []:
        kind = hcl.block_type(source, block)
        labels = hcl.block_labels(source, block)
        content = _body(source, block, kind)
        if kind in LABELLED_TOP:
            target = document.setdefault(kind, {})
            for label in labels[:-1]:
                target = target.setdefault(label, {})
            if labels[-1] in target:
                existing = target[labels[-1]]
                target[labels[-1]] = [*(existing if isinstance(existing, list) else [existing]),
                                      content]
            else:
                target[labels[-1]] = content
        elif labels:
            raise NotConvertible(f"labelled {kind} block")
        else:
            document.setdefault(kind, []).append(content)
    return json.dumps(document, indent=2) + "\n"


def _body(source: hcl.Source, block: hcl.Node, kind: str) -> dict[str, Any]:
    body = hcl.body_of(block)
    content: dict[str, Any] = {}
    if body is None:
        return content
    for child in body.children:
        if child.type == "attribute":
            name = hcl.attribute_name(source, child)
            expression = hcl.attribute_value(child)
            raw = (kind, name) in RAW or ("*", name) in RAW
            content[name] = _raw(source, expression) if raw else _value(source, expression)
        elif child.type == "block":
            nested_kind = hcl.block_type(source, child)
            labels = hcl.block_labels(source, child)
            nested = _body(source, child, nested_kind)
            if nested_kind == "dynamic":
                content.setdefault("dynamic", {})[labels[0]] = nested
            elif len(labels) == 1:
                content.setdefault(nested_kind, {})[labels[0]] = nested
            elif labels:
                raise NotConvertible(f"nested {nested_kind} block with several labels")
            else:
                content.setdefault(nested_kind, []).append(nested)
    return content


def _raw(source: hcl.Source, expression: hcl.Node) -> Any:
    found = hcl.collection(expression)
    if found is not None and found.type == "tuple":
        return [source.text(item) for item in found.children if item.type == "expression"]
    if found is not None and found.type == "object":
        return {_key(source, element.children[0]): source.text(element.children[-1])
                for element in found.children if element.type == "object_elem"}
    return source.text(expression)


def _value(source: hcl.Source, expression: hcl.Node) -> Any:
    if expression.type == "expression" and expression.child_count == 1:
        inner = expression.children[0]
        if inner.type == "literal_value":
            return _literal(source, inner.children[0])
        if inner.type == "template_expr":
            return _template(source, inner.children[0])
        if inner.type == "collection_value":
            found = inner.children[0]
            if found.type == "tuple":
                return [_value(source, item) for item in found.children
                        if item.type == "expression"]
            try:
                return {_key(source, element.children[0]): _value(source, element.children[-1])
                        for element in found.children if element.type == "object_elem"}
            except NotConvertible:
                pass
    if hcl.has_heredoc(expression) or hcl.has_comment(expression):
        raise NotConvertible("heredoc or comment inside an expression")
    return "${" + source.text(expression) + "}"


def _key(source: hcl.Source, key: hcl.Node) -> str:
    """An object key that is a bare identifier or a plain string."""
    inner = key.children[0] if key.type == "expression" and key.child_count == 1 else key
    if inner.type == "variable_expr" and inner.child_count == 1:
        return source.text(inner)
    if inner.type == "literal_value" and inner.children[0].type == "string_lit":
        value = _literal(source, inner.children[0])
        if isinstance(value, str) and "${" not in value:
            return value
    raise NotConvertible(f"object key {source.text(key)!r}")


def _literal(source: hcl.Source, node: hcl.Node) -> Any:
    if node.type == "numeric_lit":
        number = float(source.text(node))
        return int(number) if number.is_integer() else number
    if node.type == "bool_lit":
        return source.text(node) == "true"
    if node.type == "null_lit":
        return None
    return _template(source, node)


def _template(source: hcl.Source, node: hcl.Node) -> str:
    """A quoted string or heredoc as JSON template text: the same ${} and %{} sequences, HCL
    backslash escapes decoded (JSON has its own)."""
    if node.type == "heredoc_template":
        text = source.text(node)
        lines = text.rstrip().split("\n")[1:-1]
        if text.startswith("<<-"):
            indent = min((len(line) - len(line.lstrip(" \t")) for line in lines
                          if line.strip()), default=0)
            lines = [line[indent:] for line in lines]
        return "".join(line + "\n" for line in lines)
    raw = source.text(node)[1:-1]
    return _unescape(raw)


def _unescape(raw: str) -> str:
    """Backslash escapes only: unlike the scanner's decoding, `$${` stays as JSON writes it."""
    out: list[str] = []
    index = 0
    while index < len(raw):
        char = raw[index]
        if char == "\\" and index + 1 < len(raw):
            following = raw[index + 1]
            if following in QUOTED_ESCAPES:
                out.append(QUOTED_ESCAPES[following])
                index += 2
                continue
            width = {"u": 4, "U": 8}.get(following)
            if width:
                out.append(chr(int(raw[index + 2:index + 2 + width], 16)))
                index += 2 + width
                continue
        out.append(char)
        index += 1
    return "".join(out)
