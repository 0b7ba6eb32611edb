"""Helpers for reading what the Ansible collector found."""

from __future__ import annotations

from dicomguard.model import CollectResult


def ports_of(result: CollectResult, address_part: str = "") -> list[list[int]]:
    """Every port range of the ingress facts whose address contains address_part."""
    return [port for fact in result.facts.ingress if address_part in fact["origin"]["address"]
            for port in fact["ports"] or []]


def sources_of(result: CollectResult, address_part: str = "") -> list[str]:
    return [peer.get("cidr") or peer.get("tag") or "?" for fact in result.facts.ingress
            if address_part in fact["origin"]["address"] for peer in fact["peers"]]
