"""Uniform access to nested configuration: a block and an attribute written as a list of
objects (`ingress = [{...}]`) mean the same to Terraform, so adapters read both the same way."""

from __future__ import annotations

import json
from typing import Any

from dicomguard.model import Origin, Unknown, is_unknown
from dicomguard.records import record
from dicomguard.terraform.evaluated import Block, Computed, Reference, Resource
from dicomguard.terraform.values import PartlyKnown


@record
class Part:
    """A resource body, one of its nested blocks, or an object inside an attribute."""

    resource: Resource
    values: dict[str, Any]
    line: int
    end_line: int
    block: Block | None = None
    key: str = ""  # which of the parts written at one place (see Origin.key)

    @classmethod
    def of(cls, resource: Resource, block: Block | None = None) -> Part:
        block = block or resource.body
        values = {name: attribute.value for name, attribute in block.attributes.items()}
        return cls(resource, values, block.line, block.end_line, block, block.key)

    def get(self, name: str, default: Any = None) -> Any:
        value = self.values.get(name, default)
        return default if value is None else value

    def has(self, name: str) -> bool:
        """Whether the configuration sets `name` (a value a plan leaves to the provider is not
        set)."""
        value = self.values.get(name)
        return value is not None and not isinstance(value, Computed)

    def origin(self) -> Origin:
        return Origin(self.resource.body.file, self.line, self.end_line, self.resource.address,
                      self.key)

    def line_of(self, name: str) -> Origin:
        """The origin of one attribute, for findings that point at the value to change."""
        attribute = self.block.attributes.get(name) if self.block else None
        if attribute is None:
            return self.origin()
        return Origin(self.resource.body.file, attribute.line, attribute.end_line,
                      self.resource.address, self.key)

    def parts(self, name: str) -> list[Part]:
        """Nested blocks called `name`, and objects of an attribute called `name`."""
        blocks = self.block.blocks if self.block else []
        found = [Part.of(self.resource, block) for block in blocks if block.type == name]
        if found:
            # Native syntax cannot have both; JSON syntax keeps `"name": [{...}]` as both.
            return found
        value = self.values.get(name)
        if isinstance(value, dict) or is_unknown(value):
            value = [value]
        if isinstance(value, list):
            where = self.line_of(name)
            for index, item in enumerate(value):
                if is_unknown(item):
                    item = UnknownValues(item)
                if isinstance(item, dict):
                    found.append(Part(self.resource, item, where.line, where.end_line,
                                      key=where.keyed(f"{name}[{index}]").key))
        return found

    def part(self, name: str) -> Part | None:
        found = self.parts(name)
        return found[0] if found else None


class UnknownValues(dict[str, Any]):
    """The arguments of a nested block written as an unknown expression (`ingress = var.rules`):
    every argument is that unknown, so the facts built from it are unresolved, never safe."""

    def __init__(self, unknown: Unknown) -> None:
        super().__init__()
        self.unknown = unknown

    def get(self, name: str, default: Any = None) -> Any:
        return self.unknown


def items(value: Any) -> list[Any]:
    """A list attribute as a list: absent is empty, a scalar is one item, Unknown stays one."""
    if value is None:
        return []
    if isinstance(value, list | tuple | set):
        return [item for item in value if item is not None]
    return [value]


def referenced_address(value: Any) -> str | None:
    """The resource an expression such as `aws_s3_bucket.images.id` points at."""
    if isinstance(value, Reference) and value.address:
        return value.address
    return None


def is_reference_to(value: Any, address: str, literal_names: set[str] | None = None) -> bool:
    if referenced_address(value) == address:
        return True
    return literal_names is not None and isinstance(value, str) and value in literal_names


def json_document(value: Any) -> Any:
    """A policy document written as JSON text or as an object (jsonencode evaluated); of a
    jsonencode with unknown leaves, the known structure around them."""
    if isinstance(value, PartlyKnown) and isinstance(value.known, dict):
        return value.known
    if is_unknown(value):
        return value
    if isinstance(value, dict):
        return value
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return Unknown("policy is not valid JSON")
    return Unknown("policy is not a JSON document")
