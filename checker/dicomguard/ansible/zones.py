"""firewalld zones other than public: who reaches them is decided by the sources and
interfaces bound to them. When a host's play binds only sources to a zone, the rules of that
zone admit exactly those sources; with an interface bound (or nothing known) it stays unknown."""

from __future__ import annotations

from typing import Any

from dicomguard import facts
from dicomguard.ansible.evaluate import TaskRun
from dicomguard.ansible.modules import ZONE_PATH


class ZoneBindings:
    def __init__(self) -> None:
        self._sources: dict[tuple[str, str], list[Any]] = {}
        self._interfaces: set[tuple[str, str]] = set()

    def record(self, run: TaskRun) -> None:
        """A firewalld task that binds a source or an interface to a zone."""
        args = run.args
        zone = args.get("zone")
        if run.module != "firewalld" or not isinstance(zone, str) or \
                str(args.get("state", "")).lower() != "enabled" or \
                any(args.get(key) is not None for key in ("port", "service", "rich_rule")):
            return
        if args.get("source") is not None:
            self._sources.setdefault((run.host, zone), []).append(args["source"])
        if args.get("interface") is not None:
            self._interfaces.add((run.host, zone))

    def resolve(self, kind: str, fact: dict[str, Any], hosts: set[str]) -> None:
        """Replace the unknown peer of a zone's rule by the sources bound to the zone."""
        path = fact.get("path") or ""
        if kind != "ingress" or not path.startswith(ZONE_PATH):
            return
        zone = path[len(ZONE_PATH):]
        keys = [(host, zone) for host in hosts]
        if not keys or any(key in self._interfaces or key not in self._sources for key in keys):
            return
        bound = list(dict.fromkeys(source for key in keys for source in self._sources[key]))
        replaced = {peer.get("reason") for peer in fact["peers"] if peer["scope"] == "unknown"}
        peers = [peer for peer in fact["peers"] if peer["scope"] != "unknown"]
        peers += [facts.peer(source) for source in bound]
        fact["peers"] = peers
        fact["unknown"] = [note for note in fact["unknown"] if note not in replaced]
        fact["unknown"] += [peer["reason"] for peer in peers
                            if peer["scope"] == "unknown" and peer.get("reason")]
