"""An input as the transformations see it: relative path -> text, and what a transformation
returns: the rewritten files and how resource addresses are renamed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

Tree = dict[str, str]


def unchanged(address: str) -> str:
    return address


@dataclass(slots=True)
class Variant:
    files: Tree
    rename: Callable[[str], str] = field(default=unchanged)


class NotApplicable(Exception):
    """The transformation has nothing meaningful to change in this input."""


def read_tree(root: Path) -> Tree:
    if root.is_file():
        return {root.name: root.read_text(encoding="utf-8")}
    return {str(path.relative_to(root)): path.read_text(encoding="utf-8")
            for path in sorted(root.rglob("*")) if path.is_file()}


def write_tree(tree: Tree, root: Path) -> Path:
    for name, text in tree.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def changed(before: Tree, after: Tree) -> Tree:
    if after == before:
        raise NotApplicable
    return after


def reversed_keys(value: Any) -> Any:
    """The same data with every mapping's keys in reverse order."""
    if isinstance(value, dict):
        return {key: reversed_keys(value[key]) for key in reversed(list(value))}
    if isinstance(value, list):
        return [reversed_keys(item) for item in value]
    return value
