"""Discovery of firewall files by name and content."""

from __future__ import annotations

from pathlib import Path

import pytest

from dicomguard.firewall.detect import classify
from tests.firewall.conftest import example_files

IPTABLES = "*filter\n:INPUT DROP [0:0]\n-A INPUT -j ACCEPT\nCOMMIT\n"


@pytest.mark.parametrize(("path", "head", "kind"), [
    ("etc/iptables/rules.v4", IPTABLES, "iptables"),
    ("etc/iptables/rules.v6", IPTABLES, "ip6tables"),
    ("firewall/host.save", IPTABLES, "iptables"),
    ("firewall/host.save", IPTABLES.replace("-A INPUT", "-A INPUT -s fd00::/8"), "ip6tables"),
    ("etc/ufw/user.rules", "*filter\n:ufw-user-input - [0:0]\nCOMMIT\n", "ufw-rules"),
    ("etc/ufw/user6.rules", "*filter\n:ufw6-user-input - [0:0]\nCOMMIT\n", "ufw6-rules"),
    ("etc/ufw/before.rules", "*filter\n:ufw-before-input - [0:0]\nCOMMIT\n", "ufw-before"),
    ("etc/default/ufw", 'DEFAULT_INPUT_POLICY="DROP"\n', "ufw-default"),
    ("etc/nftables.conf", "table inet filter {\n chain input {\n }\n}\n", "nftables"),
    ("rules/pacs.nft", "add table ip pacs\nadd chain ip pacs input\n", "nftables"),
    ("ruleset.json", '{"nftables": [{"metainfo": {}}]}', "nftables-json"),
    ("docs/ufw.txt", "Status: active\n\nTo  Action  From\n", "ufw-status"),
    ("etc/firewalld/zones/public.xml", "<?xml version='1.0'?>\n<zone>\n</zone>\n",
     "firewalld-zone"),
    ("zones/public.xml", '<zone>\n<port protocol="tcp" port="104"/>\n</zone>\n',
     "firewalld-zone"),
    ("etc/firewalld/services/orthanc.xml", "<service>\n</service>\n", "firewalld-service"),
    ("etc/firewalld/firewalld.conf", "DefaultZone=public\n", "firewalld-conf"),
])
def test_recognised(path: str, head: str, kind: str) -> None:
    assert classify(Path(path), head) == kind


@pytest.mark.parametrize(("path", "head"), [
    ("README.md", "Run `iptables -A INPUT -j ACCEPT` to open everything.\n"),
    ("main.tf", 'resource "aws_instance" "pacs" {}\n'),
    ("docs/zone.xml", "<zone><name>example.org</name></zone>\n"),
    ("services/web.xml", "<service><port>80</port></service>\n"),
    ("notes.txt", "table of contents {\n"),
])
def test_not_firewall_files(path: str, head: str) -> None:
    assert classify(Path(path), head) is None


def test_every_example_is_recognised() -> None:
    kinds = {kind for _, kind in example_files()}
    assert {"iptables", "ip6tables", "nftables", "nftables-json", "ufw-rules", "ufw-default",
            "ufw-status", "firewalld-zone", "firewalld-service", "firewalld-conf"} <= kinds
