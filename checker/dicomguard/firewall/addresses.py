"""Sets of source addresses as sorted, disjoint integer intervals, and how internet-like they are.

A packet from "the internet" is modelled as the set of every address it could come from; each
rule's source match splits that set, so `-s 1.0.0.0/8 -j DROP` followed by `-j ACCEPT` still
admits the rest of the internet, while `-s 203.0.113.0/24 -j ACCEPT` admits only a partner.
"""

from __future__ import annotations

import ipaddress
import re
from bisect import bisect_left, bisect_right
from functools import lru_cache

Span = tuple[tuple[int, int], ...]

BITS = {4: 32, 6: 128}
EMPTY: Span = ()

# Addresses the public internet does not send from: private, loopback, link-local, multicast,
# documentation, carrier-grade NAT, reserved.
NOT_INTERNET = {
    4: ("0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
        "172.16.0.0/12", "192.0.0.0/24", "192.0.2.0/24", "192.168.0.0/16", "198.18.0.0/15",
        "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/3"),
    6: ("::/127", "::ffff:0:0/96", "100::/64", "2001:db8::/32", "fc00::/7", "fe80::/10",
        "ff00::/8"),
}
# As in facts.source_scope: a public range this wide is the internet at large, not a partner.
WIDEST_DELIBERATE_PREFIX = {4: 8, 6: 16}


def everything(version: int) -> Span:
    return ((0, (1 << BITS[version]) - 1),)


IPV4_CIDR = re.compile(r"^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:/(\d{1,2}))?$")


def _ipv4_span(text: str) -> Span | None:
    """The common case, without ipaddress: a.b.c.d or a.b.c.d/n."""
    found = IPV4_CIDR.match(text)
    if found is None:
        return None
    *octets, prefix_text = found.groups()
    values = [int(octet) for octet in octets]
    prefix = 32 if prefix_text is None else int(prefix_text)
    if max(values) > 255 or prefix > 32 or any(len(o) > 1 and o[0] == "0" for o in octets):
        return None
    address = (values[0] << 24) | (values[1] << 16) | (values[2] << 8) | values[3]
    host_bits = (1 << (32 - prefix)) - 1
    low = address & ~host_bits
    return ((low, low | host_bits),)


def network_span(text: str, version: int) -> Span | None:
    """The span of one address, CIDR or a-b range; None when it is not of that IP version or
    not an address at all."""
    text = text.strip()
    if version == 4 and (fast := _ipv4_span(text)) is not None:
        return fast
    try:
        if "-" in text:
            low_text, high_text = text.split("-", 1)
            low, high = ipaddress.ip_address(low_text), ipaddress.ip_address(high_text)
            if low.version != version or high.version != version:
                return None
            return ((int(low), int(high)),) if int(low) <= int(high) else EMPTY
        network = ipaddress.ip_network(text, strict=False)
    except ValueError:
        return None
    if network.version != version:
        return None
    return ((int(network.network_address), int(network.broadcast_address)),)


def _overlapping(span: Span, low: int, high: int, slack: int = 0) -> tuple[int, int]:
    """Indices i, j such that span[i:j] are the pieces within `slack` of [low, high]."""
    first = bisect_left(span, low - slack, key=_high)
    last = bisect_right(span, high + slack, key=_low)
    return first, last


def _low(piece: tuple[int, int]) -> int:
    return piece[0]


def _high(piece: tuple[int, int]) -> int:
    return piece[1]


# Beyond this many pieces to add or remove, a linear sweep beats editing a span piece by piece.
PIECEWISE_LIMIT = 8


def _sweep_union(spans: tuple[Span, ...]) -> Span:
    merged: list[tuple[int, int]] = []
    for low, high in sorted(piece for span in spans for piece in span):
        if merged and low <= merged[-1][1] + 1:
            if high > merged[-1][1]:
                merged[-1] = (merged[-1][0], high)
        else:
            merged.append((low, high))
    return tuple(merged)


def _sweep_subtract(left: Span, right: Span) -> Span:
    result = []
    index = 0
    for low, high in left:
        start = low
        while index < len(right) and right[index][1] < start:
            index += 1
        cursor = index
        while cursor < len(right) and right[cursor][0] <= high:
            cut_low, cut_high = right[cursor]
            if cut_low > start:
                result.append((start, cut_low - 1))
            start = max(start, cut_high + 1)
            cursor += 1
        if start <= high:
            result.append((start, high))
    return tuple(result)


def union(*spans: Span) -> Span:
    sizes = sorted(len(span) for span in spans)
    if sum(sizes[:-1]) > PIECEWISE_LIMIT * 8:
        return _sweep_union(spans)
    result: Span = ()
    for span in sorted(spans, key=len, reverse=True):
        if not result:
            result = span
            continue
        for low, high in span:
            first, last = _overlapping(result, low, high, slack=1)
            if first < last:
                low = min(low, result[first][0])
                high = max(high, result[last - 1][1])
            result = (*result[:first], (low, high), *result[last:])
    return result


def intersect(left: Span, right: Span) -> Span:
    if len(left) < len(right):
        left, right = right, left
    result = []
    for low, high in right:
        first, last = _overlapping(left, low, high)
        for piece_low, piece_high in left[first:last]:
            result.append((max(low, piece_low), min(high, piece_high)))
    return tuple(result)


def subtract(left: Span, right: Span) -> Span:
    if len(right) > PIECEWISE_LIMIT:
        return _sweep_subtract(left, right)
    result = left
    for low, high in right:
        first, last = _overlapping(result, low, high)
        if first == last:
            continue
        kept = []
        if result[first][0] < low:
            kept.append((result[first][0], low - 1))
        if result[last - 1][1] > high:
            kept.append((high + 1, result[last - 1][1]))
        result = (*result[:first], *kept, *result[last:])
    return result


def size(span: Span) -> int:
    return sum(high - low + 1 for low, high in span)


@lru_cache(maxsize=2)
def _not_internet(version: int) -> Span:
    return union(*(network_span(text, version) or EMPTY for text in NOT_INTERNET[version]))


def scope(span: Span, version: int) -> str:
    """internet, public (specific addresses), private, or "" when the span is empty."""
    if not span:
        return ""
    public = size(subtract(span, _not_internet(version)))
    if public >= 1 << (BITS[version] - WIDEST_DELIBERATE_PREFIX[version]):
        return "internet"
    return "public" if public else "private"


def describe(span: Span, version: int, limit: int = 3) -> str:
    """A short text for a span: 0.0.0.0/0, a CIDR list, or the widest CIDRs and how many more."""
    whole = everything(version)
    if span == whole:
        return "0.0.0.0/0" if version == 4 else "::/0"
    if size(span) > size(whole) // 2:
        return f"{describe(whole, version)} except {describe(subtract(whole, span), version)}"
    address = ipaddress.IPv4Address if version == 4 else ipaddress.IPv6Address
    networks = [str(network) for low, high in span
                for network in ipaddress.summarize_address_range(address(low), address(high))]
    if len(networks) <= limit:
        return ", ".join(networks)
    networks.sort(key=lambda text: int(text.rsplit("/", 1)[1]))
    return f"{', '.join(networks[:limit])} and {len(networks) - limit} more ranges"
