"""Recognise host firewall files by name and content. Runs on every file: cheap checks only."""

from __future__ import annotations

import re
from pathlib import Path

from dicomguard.ansible.detect import is_ansible_template

IPTABLES_TABLE = re.compile(r"^\*(filter|nat|mangle|raw|security)\s*$", re.MULTILINE)
IPTABLES_LINE = re.compile(r"^(:\S+ \S+|(\[\d+:\d+\] )?-[AI] \S+)", re.MULTILINE)
IPV6_HINT = re.compile(r"(-[sd] !? ?[0-9a-fA-F]*:[0-9a-fA-F:]*[/\s])|icmpv6|ipv6-icmp|icmp6")
NFT_TABLE = re.compile(
    r"^\s*(add\s+)?table\s+((ip|ip6|inet|arp|bridge|netdev)\s+)?[\w.-]+\s*\{?", re.MULTILINE)
NFT_CHAIN = re.compile(r"\bchain\s+[\w.-]+|\bflush ruleset\b|\bhook\s+(input|prerouting)")
NFT_JSON = re.compile(r'^\s*\{\s*"nftables"\s*:')
UFW_STATUS = re.compile(r"^Status: (active|inactive)\s*$", re.MULTILINE)
UFW_FILES = {
    "user.rules": "ufw-rules", "user6.rules": "ufw6-rules",
    "before.rules": "ufw-before", "before6.rules": "ufw6-before",
    "after.rules": "ufw-after", "after6.rules": "ufw6-after",
}
FIREWALLD_ZONE = re.compile(r"<zone[\s>]")
FIREWALLD_ZONE_HINT = re.compile(r"<(service name|port |rich-rule|short>|source |interface )|"
                                 r"target=\"")
IPTABLES_NAMES = frozenset({"rules.v4", "rules.v6", "iptables.rules", "ip6tables.rules",
                            "iptables", "ip6tables", "iptables.save", "ip6tables.save"})


def classify(path: Path, head: str) -> str | None:
    name = path.name
    if is_ansible_template(path):
        return None  # read as rendered, by the Ansible task that deploys it
    if name in UFW_FILES and ":ufw" in head and IPTABLES_TABLE.search(head):
        return UFW_FILES[name]
    if name == "ufw" and path.parent.name == "default" and "DEFAULT_INPUT_POLICY" in head:
        return "ufw-default"
    # Each pattern needs a word most files lack: looked for first, as this runs on every file.
    if "*" in head and IPTABLES_TABLE.search(head) and (
            IPTABLES_LINE.search(head) or name in IPTABLES_NAMES):
        return "ip6tables" if _is_ipv6(name, head) else "iptables"
    if '"nftables"' in head and NFT_JSON.match(head):
        return "nftables-json"
    if ("chain" in head or "flush ruleset" in head or "hook" in head) and (
            name.endswith(".nft") or name == "nftables.conf" or head.startswith("#!/usr/sbin/nft")
            or NFT_TABLE.search(head)) and NFT_CHAIN.search(head):
        return "nftables"
    if "Status: " in head and UFW_STATUS.search(head) and ("Action" in head
                                                           or "inactive" in head):
        return "ufw-status"
    return _firewalld(path, head)


def named(path: Path) -> bool:
    """The name alone says the file is a firewall rule set or setting."""
    name = path.name
    if is_ansible_template(path):
        return False
    return (name in UFW_FILES or name in IPTABLES_NAMES or name.endswith(".nft")
            or name in {"nftables.conf", "firewalld.conf"}
            or (name == "ufw" and path.parent.name == "default"))


def _is_ipv6(name: str, head: str) -> bool:
    if "6" in name:
        return True
    if name in IPTABLES_NAMES:
        return False
    return bool(IPV6_HINT.search(head))


def _firewalld(path: Path, head: str) -> str | None:
    if path.name == "firewalld.conf" and "DefaultZone" in head:
        return "firewalld-conf"
    if path.suffix != ".xml":
        return None
    in_firewalld = "firewalld" in path.parts
    if FIREWALLD_ZONE.search(head) and (in_firewalld or FIREWALLD_ZONE_HINT.search(head)):
        return "firewalld-zone"
    if in_firewalld and path.parent.name == "services" and "<service" in head:
        return "firewalld-service"
    return None
