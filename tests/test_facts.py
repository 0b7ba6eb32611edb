"""Address arithmetic done in Python so policies compare plain fields (DESIGN.md)."""

from __future__ import annotations

import pytest

from dicomguard import facts
from dicomguard.model import Origin, Unknown


@pytest.mark.parametrize("source", [
    "0.0.0.0/0", "::/0", "*", "Any", "Internet", "0.1.0.0/0", "10.0.0.0/0", "/0", "0.0.0.0",
    "0.0.0.0/1", "2000::/3",
])
def test_sources_that_admit_the_internet(source: str) -> None:
    assert facts.source_scope(source) == "internet"


@pytest.mark.parametrize("source", [
    "10.0.0.0/8", "172.16.4.0/24", "192.168.1.10", "100.64.0.0/10", "127.0.0.1/32",
    "fd00::/8", "VirtualNetwork",
])
def test_private_sources(source: str) -> None:
    assert facts.source_scope(source) == "private"


@pytest.mark.parametrize("source", ["81.2.69.160/27", "35.235.240.0/20", "52.94.76.10"])
def test_a_deliberate_public_allow_list_is_not_the_internet(source: str) -> None:
    assert facts.source_scope(source) == "public"


@pytest.mark.parametrize("source", [None, Unknown("var.cidr has no value"), "var.cidr", 42])
def test_unknown_sources_are_never_safe(source: object) -> None:
    assert facts.source_scope(source) == "unknown"


def test_port_specs() -> None:
    assert facts.parse_port_spec("104") == [104, 104]
    assert facts.parse_port_spec("100-110") == [100, 110]
    assert facts.parse_port_spec("11000:12000") == [11000, 12000]
    assert facts.parse_port_spec("*") == [0, 65535]
    assert isinstance(facts.parse_port_spec("http"), Unknown)


def test_ingress_with_unknown_ports_records_why() -> None:
    origin = Origin("main.tf", 3, 9, "aws_security_group.pacs")
    fact = facts.ingress(origin, platform="aws", mechanism="aws_security_group", protocol="-1",
                         ports=[facts.port_range(Unknown("var.port has no value"))],
                         peers=[facts.peer("0.0.0.0/0")])
    assert fact["protocol"] == "all"
    assert fact["ports"] is None
    assert fact["unknown"] == ["var.port has no value"]
    assert fact["origin"] == {"file": "main.tf", "line": 3, "end_line": 9,
                              "address": "aws_security_group.pacs"}


def test_tristate() -> None:
    assert facts.tristate("true") is True
    assert facts.tristate(False) is False
    assert facts.tristate(Unknown("x")) is None
    assert facts.tristate(None) is None
