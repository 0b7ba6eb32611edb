"""Address-set arithmetic, checked against plain Python sets, and how internet-like a set is."""

from __future__ import annotations

import ipaddress
import itertools
import random

import pytest

from dicomguard.firewall import addresses


def members(span: addresses.Span) -> set[int]:
    return {value for low, high in span for value in range(low, high + 1)}


def random_span(chooser: random.Random, pieces: int) -> addresses.Span:
    points = sorted(chooser.sample(range(0, 3000), pieces * 2))
    return addresses.union(*(((points[i], points[i + 1]),) for i in range(0, len(points), 2)))


@pytest.mark.parametrize("pieces", [3, 40])
def test_union_intersect_subtract_agree_with_sets(pieces: int) -> None:
    chooser = random.Random(pieces)
    for _ in range(200):
        left = random_span(chooser, chooser.randint(0, pieces))
        right = random_span(chooser, chooser.randint(0, pieces))
        assert members(addresses.union(left, right)) == members(left) | members(right)
        assert members(addresses.intersect(left, right)) == members(left) & members(right)
        assert members(addresses.subtract(left, right)) == members(left) - members(right)
        for result in (addresses.union(left, right), addresses.subtract(left, right)):
            assert all(a[1] + 1 < b[0] for a, b in itertools.pairwise(result))


def test_ipv4_fast_path_agrees_with_ipaddress() -> None:
    chooser = random.Random(4)
    for _ in range(2000):
        text = ".".join(str(chooser.randint(0, 255)) for _ in range(4))
        text += f"/{chooser.randint(0, 32)}"
        network = ipaddress.ip_network(text, strict=False)
        expected = ((int(network.network_address), int(network.broadcast_address)),)
        assert addresses.network_span(text, 4) == expected
    assert addresses.network_span("10.0.0.1-10.0.0.9", 4) == ((167772161, 167772169),)
    assert addresses.network_span("fd00::/8", 4) is None
    assert addresses.network_span("example.org", 4) is None


@pytest.mark.parametrize(("texts", "version", "scope"), [
    (["0.0.0.0/0"], 4, "internet"),
    (["1.0.0.0/8"], 4, "internet"),
    (["8.8.8.0/24"], 4, "public"),
    (["10.0.0.0/8", "192.168.0.0/16"], 4, "private"),
    (["::/0"], 6, "internet"),
    (["2001:db8::/32", "fd00::/8"], 6, "private"),
    (["2a00:1450::/32"], 6, "public"),
])
def test_scope(texts: list[str], version: int, scope: str) -> None:
    span = addresses.union(*(addresses.network_span(t, version) for t in texts))
    assert addresses.scope(span, version) == scope


def test_describe() -> None:
    everything = addresses.everything(4)
    private = addresses.network_span("10.0.0.0/8", 4)
    assert addresses.describe(everything, 4) == "0.0.0.0/0"
    assert addresses.describe(addresses.subtract(everything, private), 4) == (
        "0.0.0.0/0 except 10.0.0.0/8")
    assert addresses.describe(private, 4) == "10.0.0.0/8"
