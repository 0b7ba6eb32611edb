"""Core value types shared by every stage of the pipeline."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dicomguard.records import field, record

if TYPE_CHECKING:
    from typing_extensions import TypeIs

# The shape of the facts document (schemas/facts.schema.json); 2 added origin.key.
FACTS_VERSION = 2


@record(frozen=True)
class Origin:
    """Where a fact comes from: what a finding points at and what a suppression names."""

    file: str
    line: int
    end_line: int
    address: str = ""
    # Which of several things written at one place this is: the iteration key of a `dynamic`
    # block, the index of an object in a list, a loop item. Part of the fact's id, never shown.
    key: str = ""

    def to_json(self) -> dict[str, Any]:
        document: dict[str, Any] = {"file": self.file, "line": self.line,
                                    "end_line": self.end_line, "address": self.address}
        if self.key:
            document["key"] = self.key
        return document

    def keyed(self, key: str) -> Origin:
        """The same place, for the thing at `key` among those written there."""
        return Origin(self.file, self.line, self.end_line, self.address,
                      f"{self.key}/{key}" if self.key else key)


@record(frozen=True)
class Unknown:
    """A value that cannot be known statically. Never treated as safe."""

    reason: str

    def __repr__(self) -> str:
        return f"Unknown({self.reason!r})"


def is_unknown(value: Any) -> TypeIs[Unknown]:
    return isinstance(value, Unknown)


@record(frozen=True)
class ScanError:
    """Input that could not be read or parsed. Any error makes the scan exit 2."""

    file: str
    line: int | None
    message: str

    def to_json(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "message": self.message}

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.message}"


class InputError(Exception):
    """Raised by a front end for input it cannot read; turned into a ScanError."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


@record
class SourceFile:
    """A discovered file and the kind of source it was classified as."""

    path: str  # as reported to users: relative to the working directory when inside it
    kind: str
    root: str = ""  # the scan root it was found under

    def read_text(self) -> str:
        from dicomguard.regular_files import read_regular_text

        return read_regular_text(self.path)


@record
class Facts:
    """The facts document: what policies read. See schemas/facts.schema.json."""

    ingress: list[dict[str, Any]] = field(default_factory=list)
    storage: list[dict[str, Any]] = field(default_factory=list)
    services: list[dict[str, Any]] = field(default_factory=list)
    grants: list[dict[str, Any]] = field(default_factory=list)
    notes: list[dict[str, Any]] = field(default_factory=list)

    def extend(self, other: Facts) -> None:
        self.ingress.extend(other.ingress)
        self.storage.extend(other.storage)
        self.services.extend(other.services)
        self.grants.extend(other.grants)
        self.notes.extend(other.notes)

    def all_facts(self) -> list[dict[str, Any]]:
        return [*self.ingress, *self.storage, *self.services, *self.grants]

    def to_json(self) -> dict[str, Any]:
        return {"facts_version": FACTS_VERSION, "ingress": self.ingress,
                "storage": self.storage, "services": self.services, "grants": self.grants,
                "notes": self.notes}


@record
class CollectResult:
    """What a source collector returns: facts and the errors met on the way."""

    facts: Facts = field(default_factory=Facts)
    errors: list[ScanError] = field(default_factory=list)
    # Where each later section of errors and of facts.notes begins: a collector that works in
    # steps over all its files (read, then evaluate) reports each step's errors in turn, and a
    # scan that reads its files unit by unit merges the units' sections in that order.
    error_sections: list[int] = field(default_factory=list)
    note_sections: list[int] = field(default_factory=list)
