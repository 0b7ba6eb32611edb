"""The syntax of a Terraform module file, independent of the notation it was written in.

Blocks keep their labels, line ranges, attributes and nested blocks; each attribute holds a
compiled expression (a small tuple tree, see expressions.py) that the evaluator reads. The HCL
front end (hcl.py) and the JSON front end (json_syntax.py) both produce these.
"""

from __future__ import annotations

from typing import Any

from dicomguard.records import field, record

Ast = tuple[Any, ...]


@record
class SyntaxAttribute:
    name: str
    expression: Ast
    line: int
    end_line: int


@record
class SyntaxBlock:
    type: str
    labels: list[str]
    file: str
    line: int
    end_line: int
    attributes: dict[str, SyntaxAttribute] = field(default_factory=dict)
    blocks: list[SyntaxBlock] = field(default_factory=list)


def literal(value: Any) -> Ast:
    return ("lit", value)


def number(text: str) -> int | float:
    """A Terraform number: integral values are ints, others floats."""
    try:
        return int(text)
    except ValueError:
        value = float(text)
        return int(value) if value.is_integer() else value
