"""Records: the scan's value classes behave as the dataclasses they replace (equality, hashing,
ordering, immutability, defaults, inheritance, pickling to and from workers)."""

from __future__ import annotations

import pickle
from typing import ClassVar

import pytest

from dicomguard.records import FrozenRecordError, field, fields, record, replace


@record(frozen=True)
class Port:
    number: int
    protocol: str = "tcp"


@record(frozen=True)
class Labelled(Port):
    label: str = ""


@record
class Listing:
    name: str
    items: list[int] = field(default_factory=list)
    cache: dict[str, int] | None = field(default=None, compare=False)
    kind: ClassVar[str] = "listing"


@record(frozen=True, order=True)
class Ranked:
    rank: int
    name: str


@record(eq=False)
class Handle:
    name: str


@record
class Normalised:
    text: str

    def __post_init__(self) -> None:
        self.text = self.text.strip()


def test_fields_defaults_and_factories() -> None:
    assert fields(Port) == ("number", "protocol")
    assert Port(104) == Port(104, "tcp")
    first, second = Listing("a"), Listing("b")
    first.items.append(1)
    assert second.items == []  # a factory makes a new list for every record
    assert Listing.kind == "listing" and "kind" not in fields(Listing)


def test_base_fields_come_first() -> None:
    assert fields(Labelled) == ("number", "protocol", "label")
    assert Labelled(4242, "udp", "orthanc").label == "orthanc"
    assert Labelled(4242) != Port(4242)  # another class is never equal


def test_frozen_records_are_hashable_and_refuse_assignment() -> None:
    port = Port(104)
    assert {port, Port(104)} == {port}
    assert hash(port) == hash((104, "tcp"))  # as the dataclass hashed it
    with pytest.raises(FrozenRecordError):
        port.number = 11112  # type: ignore[misc]
    with pytest.raises(AttributeError):
        port.extra = 1  # type: ignore[attr-defined]


def test_mutable_records_compare_by_value_and_are_unhashable() -> None:
    assert Listing("a", [1]) == Listing("a", [1], cache={"x": 1})  # the cache is not compared
    assert "cache" not in repr(Listing("a"))
    with pytest.raises(TypeError):
        hash(Listing("a"))
    assert Handle("x") != Handle("x")
    assert len({Handle("x"), Handle("x")}) == 2


def test_order_and_repr() -> None:
    assert sorted([Ranked(2, "b"), Ranked(1, "z"), Ranked(2, "a")]) == [
        Ranked(1, "z"), Ranked(2, "a"), Ranked(2, "b")]
    assert repr(Port(104)) == "Port(number=104, protocol='tcp')"


def test_post_init_and_replace() -> None:
    assert Normalised("  x ").text == "x"
    assert replace(Normalised("a"), text=" b ").text == "b"
    changed = replace(Port(104), protocol="udp")
    assert changed == Port(104, "udp")


def test_records_travel_to_workers_and_back() -> None:
    for item in (Port(104), Labelled(4242, "tcp", "x"), Listing("a", [1, 2]), Ranked(1, "a")):
        assert pickle.loads(pickle.dumps(item)) == item


def test_mistakes_are_refused_when_the_class_is_defined() -> None:
    with pytest.raises(ValueError, match="default_factory"):
        @record
        class Shared:
            items: list[int] = []  # noqa: RUF012 - the mistake under test
    with pytest.raises(TypeError):
        Port()  # type: ignore[call-arg]
