"""Builders for facts, and the address and port arithmetic policies must not do.

Every adapter (Terraform, Ansible, firewall, application configs) builds facts only through
these functions, so the shape of the facts document lives in one place and matches
schemas/facts.schema.json.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from dicomguard.knowledge.sources import INTERNET_WORDS, PRIVATE_WORDS
from dicomguard.model import Origin, Unknown, is_unknown

ALL_PORTS: list[list[int]] = [[0, 65535]]

# A range this wide that is not private admits the internet at large, not a chosen partner.
WIDEST_DELIBERATE_IPV4_PREFIX = 8
WIDEST_DELIBERATE_IPV6_PREFIX = 16
CARRIER_GRADE_NAT = ipaddress.IPv4Network("100.64.0.0/10")


@lru_cache(maxsize=4096)
def _scope_of_text(text: str) -> str:
    word = text.strip().lower()
    if word in INTERNET_WORDS:
        return "internet"
    if word in PRIVATE_WORDS:
        return "private"
    try:
        network = ipaddress.ip_network(word, strict=False)
    except ValueError:
        return "unknown"
    if network.prefixlen == 0:
        return "internet"
    if network.is_private or network.is_loopback or network.is_link_local:
        return "private"
    if isinstance(network, ipaddress.IPv4Network) and network.subnet_of(CARRIER_GRADE_NAT):
        return "private"
    widest = (WIDEST_DELIBERATE_IPV4_PREFIX if network.version == 4
              else WIDEST_DELIBERATE_IPV6_PREFIX)
    return "internet" if network.prefixlen <= widest else "public"


def source_scope(source: Any) -> str:
    """Classify a traffic source: internet, public (specific addresses), private or unknown."""
    if source is None or is_unknown(source) or not isinstance(source, str):
        return "unknown"
    return _scope_of_text(source)


def peer(source: Any, *, tag: bool = False) -> dict[str, Any]:
    """A peer of an ingress rule. Tags (security groups, service tags) are never the internet
    unless they name it."""
    if is_unknown(source) or source is None:
        reason = source.reason if is_unknown(source) else "source not given"
        return {"source": None, "scope": "unknown", "reason": reason}
    text = str(source)
    if tag:
        scope = "internet" if text.strip().lower() in INTERNET_WORDS else "private"
        return {"tag": text, "scope": scope}
    return {"cidr": text, "scope": source_scope(text)}


def port_range(low: Any, high: Any = None) -> list[int] | Unknown:
    """A closed port range [low, high]; Unknown if either end cannot be known."""
    high = low if high is None else high
    if is_unknown(low):
        return low
    if is_unknown(high):
        return high
    try:
        lo, hi = int(low), int(high)
    except (TypeError, ValueError):
        return Unknown(f"port {low!r}-{high!r} is not a number")
    if lo > hi:
        lo, hi = hi, lo
    return [max(lo, 0), min(hi, 65535)]


def parse_port_spec(spec: Any) -> list[int] | Unknown:
    """Ports as written in firewall-ish notation: '104', '100-110', '100:110', '*'."""
    if is_unknown(spec):
        return spec
    text = str(spec).strip()
    if text in {"*", "any", "all", ""}:
        return [0, 65535]
    for separator in ("-", ":"):
        if separator in text.strip(separator):
            low, high = text.split(separator, 1)
            return port_range(low.strip() or 0, high.strip() or 65535)
    return port_range(text)


def fact_id(origin: Origin, suffix: str = "") -> str:
    """The one place a fact's id is made: where it is written, which of the things written
    there it is (origin.key), and which of the facts built from that thing (suffix)."""
    base = f"{origin.file}:{origin.line}:{origin.address}"
    structural = "#".join(part for part in (origin.key, suffix) if part)
    return f"{base}#{structural}" if structural else base


def _unknowns(values: Iterable[Any]) -> list[str]:
    return [value.reason for value in values if is_unknown(value)]


def ingress(
    origin: Origin,
    *,
    platform: str,
    mechanism: str,
    protocol: Any,
    ports: Iterable[Any] | Unknown,
    peers: list[dict[str, Any]],
    path: str = "",
    suffix: str = "",
    unknown: Iterable[str] = (),
) -> dict[str, Any]:
    """Traffic admitted from peers to ports. Only allowed, inbound traffic is a fact."""
    notes = list(unknown)
    if is_unknown(protocol):
        notes.append(protocol.reason)
        protocol = None
    elif protocol is not None:
        protocol = normalise_protocol(protocol)
    port_list: list[list[int]] | None
    if is_unknown(ports):
        notes.append(ports.reason)
        port_list = None
    else:
        ports = list(ports)
        notes.extend(_unknowns(ports))
        port_list = None if any(is_unknown(p) for p in ports) else [list(p) for p in ports]
    notes.extend(p["reason"] for p in peers if p["scope"] == "unknown" and p.get("reason"))
    return {
        "id": fact_id(origin, suffix),
        "origin": origin.to_json(),
        "platform": platform,
        "mechanism": mechanism,
        "protocol": protocol,
        "ports": port_list,
        "peers": peers,
        "path": path,
        "unknown": notes,
    }


PROTOCOL_ALIASES = {"-1": "all", "*": "all", "any": "all", "all": "all", "6": "tcp", "17": "udp",
                    "tcp": "tcp", "udp": "udp", "icmp": "icmp", "1": "icmp", "58": "icmpv6",
                    "icmpv6": "icmpv6", "sctp": "sctp", "132": "sctp", "ah": "ah", "esp": "esp"}


def normalise_protocol(protocol: Any) -> str:
    text = str(protocol).strip().lower()
    return PROTOCOL_ALIASES.get(text, text)


def tristate(value: Any) -> bool | None:
    """A boolean that may be unknown (None). Strings such as "true" count as booleans."""
    if isinstance(value, bool):
        return value
    if is_unknown(value) or value is None:
        return None
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in {"true", "yes", "on", "1"}:
            return True
        if lowered in {"false", "no", "off", "0"}:
            return False
    if isinstance(value, int | float):
        return bool(value)
    return None


def storage(
    origin: Origin,
    *,
    platform: str,
    kind: str,
    encrypted: Any,
    detail: str = "",
    suffix: str = "",
    unknown: Iterable[str] = (),
) -> dict[str, Any]:
    """A place images or their index are kept. kind: block, object, database, file,
    dicom_store, index."""
    notes = list(unknown)
    if is_unknown(encrypted):
        notes.append(encrypted.reason)
    return {
        "id": fact_id(origin, suffix),
        "origin": origin.to_json(),
        "platform": platform,
        "kind": kind,
        "encrypted": tristate(encrypted),
        "detail": detail,
        "unknown": notes,
    }


REACH_ORDER = ("local", "network", "unknown", "internet")


def widest_reach(reaches: Iterable[str]) -> str:
    """The reach that exposes most: internet > unknown > network > local (local when none)."""
    return max(reaches, key=REACH_ORDER.index, default="local")


def listener(port: Any, protocol: str, *, tls: Any, reach: str, name: str = "",
             anonymous: Iterable[str] = (), tls_origin: Origin | None = None
             ) -> dict[str, Any]:
    """A port a service answers on, whether its traffic is encrypted, who can reach it, and
    the operations (e.g. DICOM C-STORE) anyone who reaches it may perform unidentified.
    tls_origin: where its encryption is decided, when that is not where the service is."""
    number: int | None
    try:
        number = None if port is None or is_unknown(port) else int(port)
    except (TypeError, ValueError):
        number = None
    found: dict[str, Any] = {"port": number, "protocol": protocol, "tls": tristate(tls),
                             "reach": reach, "name": name, "anonymous": sorted(anonymous)}
    if tls_origin is not None:
        found["tls_origin"] = tls_origin.to_json()
    return found


def service(
    origin: Origin,
    *,
    platform: str,
    product: str,
    reach: str,
    authentication: Any,
    listeners: list[dict[str, Any]] | None = None,
    tls: Any = None,
    weak_credentials: list[dict[str, str]] | None = None,
    kind: str = "image_service",
    detail: str = "",
    path: str = "",
    suffix: str = "",
    unknown: Iterable[str] = (),
) -> dict[str, Any]:
    """A service that serves images or metadata. reach: internet, network, local, unknown.
    path: the way in when the service is reached through a proxy.
    kind: image_service (a PACS, viewer, DICOMweb), or data_store / database (a managed store
    or database whose network endpoint is what matters: it always asks for credentials)."""
    notes = list(unknown)
    notes.extend(_unknowns([authentication, tls]))
    fact: dict[str, Any] = {
        "id": fact_id(origin, suffix),
        "origin": origin.to_json(),
        "platform": platform,
        "product": product,
        "kind": kind,
        "reach": reach,
        "listeners": listeners or [],
        "authentication": tristate(authentication),
        "tls": tristate(tls),
        "weak_credentials": weak_credentials or [],
        "detail": detail,
        "unknown": notes,
    }
    if path:
        fact["path"] = path  # the way in through a proxy, for messages
    return fact


def grant(
    origin: Origin,
    *,
    platform: str,
    resource: str,
    principal: Any,
    public: Any,
    access: str = "read",
    suffix: str = "",
    unknown: Iterable[str] = (),
) -> dict[str, Any]:
    """Access to a store given to a principal; public when anyone (anonymous) gets it."""
    notes = list(unknown)
    notes.extend(_unknowns([principal, public]))
    return {
        "id": fact_id(origin, suffix),
        "origin": origin.to_json(),
        "platform": platform,
        "resource": resource,
        "principal": None if is_unknown(principal) else principal,
        "public": tristate(public),
        "access": access,
        "unknown": notes,
    }


def note(origin: Origin, message: str) -> dict[str, Any]:
    """Something the scan could not follow (a remote module, an undecidable include)."""
    return {"origin": origin.to_json(), "message": message}
