"""Sets of source addresses as sorted, disjoint integer intervals, and how internet-like they are.

A packet from "the internet" is modelled as the set of every address it could come from; each
rule's source match splits that set, so `-s 1.0.0.0/8 -j DROP` followed by `-j ACCEPT` still
admits the rest of the internet, while `-s 203.0.113.0/24 -j ACCEPT` admits only a partner.
"""

from __future__ import annotations

import ipaddress
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


def network_span(text: str, version: int) -> Span | None:
    """The span of one address, CIDR or a-b range; None when it is not of that IP version or
    not an address at all."""
    text = text.strip()
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


def union(*spans: Span) -> Span:
    pieces = sorted(piece for span in spans for piece in span)
    merged: list[tuple[int, int]] = []
    for low, high in pieces:
        if merged and low <= merged[-1][1] + 1:
            if high > merged[-1][1]:
                merged[-1] = (merged[-1][0], high)
        else:
            merged.append((low, high))
    return tuple(merged)


def intersect(left: Span, right: Span) -> Span:
    result = []
    i = j = 0
    while i < len(left) and j < len(right):
        low = max(left[i][0], right[j][0])
        high = min(left[i][1], right[j][1])
        if low <= high:
            result.append((low, high))
        if left[i][1] < right[j][1]:
            i += 1
        else:
            j += 1
    return tuple(result)


def subtract(left: Span, right: Span) -> Span:
    result = []
    for low, high in left:
        start = low
        for cut_low, cut_high in right:
            if cut_high < start or cut_low > high:
                continue
            if cut_low > start:
                result.append((start, cut_low - 1))
            start = max(start, cut_high + 1)
            if start > high:
                break
        if start <= high:
            result.append((start, high))
    return tuple(result)


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
