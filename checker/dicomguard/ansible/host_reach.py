"""Who reaches a port of a managed host, from the host firewall the play itself configures
(ufw, firewalld and iptables tasks). A firewall that denies by default (ufw enabled, firewalld,
an iptables INPUT policy of DROP or REJECT) keeps a port no rule opens to the host itself; a
play that configures no such firewall says nothing about the port, so its reach is unknown.
"""

from __future__ import annotations

from typing import Any

from dicomguard.ansible.evaluate import TaskRun
from dicomguard.facts import widest_reach
from dicomguard.model import is_unknown
from dicomguard.records import field, record

FIREWALL_MODULES = frozenset({"ufw", "firewalld", "iptables"})
TCP_PROTOCOLS = frozenset({None, "tcp", "all", "any"})
SCOPE_REACH = {"internet": "internet", "unknown": "unknown", "public": "network",
               "private": "network"}


@record
class HostFirewall:
    """What the play's firewall tasks say about one host."""

    openings: list[dict[str, Any]] = field(default_factory=list)  # ingress facts
    denies_by_default: bool = False

    def reach(self, port: int) -> str:
        """internet, network, unknown, or local (no rule opens it and the rest is denied)."""
        reaches = [_opening_reach(fact) for fact in self.openings if _covers(fact, port)]
        if reaches:
            return widest_reach(reaches)
        return "local" if self.denies_by_default else "unknown"


def _covers(fact: dict[str, Any], port: int) -> bool:
    if fact.get("protocol") not in TCP_PROTOCOLS:
        return False
    ranges = fact.get("ports")
    return ranges is None or any(low <= port <= high for low, high in ranges)


def _opening_reach(fact: dict[str, Any]) -> str:
    reach = widest_reach(SCOPE_REACH.get(peer.get("scope"), "unknown")
                         for peer in fact.get("peers") or [])
    if fact.get("ports") is None and reach != "internet":
        return "unknown"
    return reach if reach != "local" else "unknown"


def _denies_by_default(run: TaskRun) -> bool:
    args = run.args
    if run.module == "firewalld":
        return True
    if run.module == "ufw":
        state, policy = args.get("state"), args.get("default", args.get("policy"))
        direction = str(args.get("direction") or "incoming").lower()
        return (not is_unknown(state) and str(state).lower() == "enabled") or (
            not is_unknown(policy) and str(policy).lower() in {"deny", "reject"}
            and direction in {"in", "incoming"})
    policy = args.get("policy")
    return (run.module == "iptables" and str(args.get("chain", "INPUT")).upper() == "INPUT"
            and not is_unknown(policy) and str(policy).upper() in {"DROP", "REJECT"})


HostKey = tuple[str, str]


def host_key(run: TaskRun) -> HostKey:
    """A managed host: the inventory host ("" without one) of the plays of one directory (one
    project; two projects may name the same host)."""
    return (str(run.playbook_dir or ""), run.host)


@record
class HostFirewalls:
    """The firewall of every host the plays configure."""

    hosts: dict[HostKey, HostFirewall] = field(default_factory=dict)

    def record(self, run: TaskRun, ingress: list[dict[str, Any]]) -> None:
        if run.module not in FIREWALL_MODULES:
            return
        firewall = self.hosts.setdefault(host_key(run), HostFirewall())
        firewall.openings.extend(ingress)
        firewall.denies_by_default = firewall.denies_by_default or _denies_by_default(run)

    def known(self, host: HostKey) -> bool:
        return host in self.hosts

    def reach(self, host: HostKey, port: int) -> str:
        return self.hosts.get(host, HostFirewall()).reach(port)
