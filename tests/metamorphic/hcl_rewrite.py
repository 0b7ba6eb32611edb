"""Rewrite HCL source through its concrete syntax tree (the tree-sitter grammar the scanner
parses with): each node is re-rendered from its children, so a rewrite can permute or replace
children and keep every other byte, comments included."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dicomguard.terraform.hcl import parse_tree

Node = Any
# visit(node, children texts) -> new text of the node, or None to keep the default rendering
Visit = Callable[[Node, list[str]], str | None]


class Source:
    def __init__(self, text: str) -> None:
        self.data = text.encode("utf-8")
        tree = parse_tree(self.data)
        self.root = tree.root_node
        self.valid = not self.root.has_error

    def text(self, node: Node) -> str:
        return self.data[node.start_byte:node.end_byte].decode("utf-8")

    def render(self, visit: Visit, node: Node | None = None) -> str:
        node = self.root if node is None else node
        if node.child_count == 0:
            return self.text(node)
        texts = [self.render(visit, child) for child in node.children]
        replaced = visit(node, texts)
        return replaced if replaced is not None else self.join(node, texts)

    def join(self, node: Node, texts: list[str]) -> str:
        """The node's text with its children's texts in place of the originals."""
        pieces: list[str] = []
        position = node.start_byte
        for child, text in zip(node.children, texts, strict=True):
            pieces.append(self.data[position:child.start_byte].decode("utf-8"))
            pieces.append(text)
            position = child.end_byte
        pieces.append(self.data[position:node.end_byte].decode("utf-8"))
        return "".join(pieces)


def blocks(body: Node) -> list[Node]:
    return [child for child in body.children if child.type == "block"]


def body_of(node: Node) -> Node | None:
    return next((child for child in node.children if child.type == "body"), None)


def block_type(source: Source, block: Node) -> str:
    return source.text(block.children[0])


def block_labels(source: Source, block: Node) -> list[str]:
    return [source.text(child).strip('"') for child in block.children[1:]
            if child.type in {"string_lit", "identifier"}]


def attribute_name(source: Source, attribute: Node) -> str:
    return source.text(attribute.children[0])


def attribute_value(attribute: Node) -> Node:
    return [child for child in attribute.children if child.type == "expression"][-1]


def collection(expression: Node) -> Node | None:
    """The tuple or object an expression consists of, if it is only that."""
    if expression.type == "expression" and expression.child_count == 1:
        inner = expression.children[0]
        if inner.type == "collection_value":
            return inner.children[0]
    return None


def literal_kind(expression: Node) -> str | None:
    """'string', 'number', 'bool', 'null' for a plain literal (a string without
    interpolation), 'tuple' for a tuple of such literals, else None."""
    if expression.type != "expression" or expression.child_count != 1:
        return None
    inner = expression.children[0]
    if inner.type == "literal_value":
        value = inner.children[0]
        if value.type == "string_lit":
            return "string" if all(part.type != "template_interpolation"
                                   and part.type != "template_directive"
                                   for part in value.children) else None
        return {"numeric_lit": "number", "bool_lit": "bool", "null_lit": "null"}.get(value.type)
    if inner.type == "template_expr":
        return None
    found = collection(expression)
    if found is not None and found.type == "tuple":
        kinds = {literal_kind(item) for item in found.children if item.type == "expression"}
        return "tuple" if kinds and kinds <= {"string", "number", "bool"} else None
    return None


def reverse_chosen(node: Node, texts: list[str], chosen: Callable[[Node], bool]
                   ) -> list[str] | None:
    """texts with the chosen children's texts in reverse order (None if fewer than two)."""
    positions = [index for index, child in enumerate(node.children) if chosen(child)]
    if len(positions) < 2:
        return None
    reordered = list(texts)
    for position, source_position in zip(positions, reversed(positions), strict=True):
        reordered[position] = texts[source_position]
    return reordered


def has_heredoc(node: Node) -> bool:
    if node.type == "heredoc_template":
        return True
    return any(has_heredoc(child) for child in node.children)


def has_comment(node: Node) -> bool:
    if node.type == "comment":
        return True
    return any(has_comment(child) for child in node.children)
