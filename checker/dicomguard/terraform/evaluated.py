"""The evaluated Terraform configuration that adapters read.

The loader (configuration.py) parses .tf, .tf.json and plan JSON, evaluates expressions,
expands count/for_each/dynamic blocks and modules, and hands adapters plain values:
None, bool, int, float, str, list, dict, or Unknown (possibly nested inside lists and dicts).
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import pairwise
from typing import Any

from dicomguard.model import Origin, ScanError, Unknown
from dicomguard.records import field, record


@record(frozen=True)
class Reference(Unknown):
    """An attribute of another resource that only exists after apply (an `.id`, an `.arn`).
    Its value is unknown, but it still tells which resource it points at."""

    address: str = ""  # the referenced resource instance, e.g. aws_security_group.pacs
    attribute: str = ""


@record(frozen=True)
class Computed(Reference):
    """An attribute a plan marks unknown that the configuration does not write: the provider
    fills it in after apply (an EBS volume's `kms_key_id`). It is not a setting of the user's."""


@record(frozen=True)
class KnownPrefix(Unknown):
    """A string known only up to an interpolation that is not (`arn:aws:iam::${account}:root`):
    unknown, but what it starts with can still rule values out."""

    prefix: str = ""


_ABSENT = object()


@record
class Attribute:
    name: str
    value: Any
    line: int
    end_line: int


@record
class Block:
    type: str
    labels: list[str]
    attributes: dict[str, Attribute]
    blocks: list[Block]
    file: str
    line: int
    end_line: int
    key: str = ""  # which of the blocks written at this place (a dynamic block's expansions)

    def has(self, name: str) -> bool:
        return name in self.attributes

    def attr(self, name: str, default: Any = None) -> Any:
        attribute = self.attributes.get(name)
        return default if attribute is None else attribute.value

    def attr_line(self, name: str) -> int:
        attribute = self.attributes.get(name)
        return self.line if attribute is None else attribute.line

    def blocks_of(self, block_type: str) -> list[Block]:
        return [block for block in self.blocks if block.type == block_type]


class Resource:
    """One resource instance after count/for_each expansion. Its body may be given as a
    function that evaluates it: then it is evaluated when first read, so resources no adapter
    reads cost nothing, and problems met evaluating it are reported when it is read."""

    __slots__ = ("_body", "_build", "address", "mode", "module_address", "name", "type")

    def __init__(self, address: str, type: str, name: str,
                 body: Block | Callable[[], Block], module_address: str = "",
                 mode: str = "managed") -> None:
        self.address = address  # module.pacs["eu"].aws_security_group.this[0]
        self.type = type
        self.name = name
        self.module_address = module_address  # "" for the root module
        self.mode = mode  # "managed" or "data"
        self._body: Block | None = None if callable(body) else body
        self._build: Callable[[], Block] | None = body if callable(body) else None

    @property
    def body(self) -> Block:
        if self._body is None:
            assert self._build is not None
            self._body, self._build = self._build(), None
        return self._body

    def __repr__(self) -> str:
        return f"Resource({self.address!r}, mode={self.mode!r})"

    def origin(self, block: Block | None = None) -> Origin:
        where = block or self.body
        return Origin(where.file, where.line, where.end_line, self.address, where.key)


@record
class LoadSections:
    """How many errors and notes loading had made at each step: errors reading files, then
    errors and notes forming modules (cycles, clashing files), then those evaluating roots."""

    files_read: int = 0
    modules_formed: tuple[int, int] = (0, 0)  # errors, notes


@record
class Configuration:
    resources: list[Resource] = field(default_factory=list)
    notes: list[dict[str, Any]] = field(default_factory=list)
    errors: list[ScanError] = field(default_factory=list)
    # Where each root module's (or plan's) resources begin in `resources`. Roots are separate
    # configurations: what one declares (an account-wide setting, a bucket name) says nothing
    # about another's resources.
    root_starts: list[int] = field(default_factory=list)
    sections: LoadSections = field(default_factory=lambda: LoadSections())

    def per_root(self) -> list[Configuration]:
        """One configuration per root module or plan, sharing this one's notes and errors."""
        bounds = sorted({0, *self.root_starts, len(self.resources)})
        return [Configuration(self.resources[begin:end], self.notes, self.errors)
                for begin, end in pairwise(bounds) if end > begin]

    def of_type(self, *types: str) -> list[Resource]:
        return [resource for resource in self.resources if resource.type in types]

    def by_address(self, address: str) -> Resource | None:
        for resource in self.resources:
            if resource.address == address:
                return resource
        return None
