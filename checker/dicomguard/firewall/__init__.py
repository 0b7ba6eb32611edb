"""Host firewalls: iptables / ip6tables, nftables, ufw and firewalld, evaluated the way netfilter
would for each catalogue port and IP version.

`analyse_text` is a pure function of a file's text and where it came from, so other families
(Ansible templates that deploy rules) can evaluate rendered text with the same engine.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dicomguard.model import CollectResult
    from dicomguard.sources import ScanContext

KINDS = ("iptables", "ip6tables", "nftables", "nftables-json", "ufw-rules", "ufw6-rules",
         "ufw-status", "firewalld-zone")


def analyse_text(kind: str, text: str, file: str, context: ScanContext,
                 line_offset: int = 0) -> CollectResult:
    """Facts and errors for one firewall file of the given kind (one of KINDS). Lines in the
    facts are those of `text` plus `line_offset`."""
    from dicomguard.firewall.collect import analyse_one, configured_uplinks

    return analyse_one(kind, text, file, context.catalogue, line_offset,
                       configured_uplinks(context))
