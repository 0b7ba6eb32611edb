"""firewalld's shipped services and zones (Debian's firewalld package, see
data/firewalld_services.json for the version), and services a scanned repository defines
in its own services/<name>.xml. firewalld ships no `dicom` service: a zone or task that names
one fails with INVALID_SERVICE unless the repository defines it."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from dicomguard.knowledge.tables import table
from dicomguard.records import field, record

# (port or "" for a whole protocol, protocol): ("22", "tcp"), ("5900-5903", "tcp"), ("", "gre")
Port = tuple[str, str]


@cache
def shipped_services() -> dict[str, list[Port]]:
    """name -> what the service admits, its <include>d services flattened in."""
    services = table("firewalld_services")["services"]

    def flatten(name: str, seen: frozenset[str]) -> list[Port]:
        entry = services[name]
        found: list[Port] = [(port, protocol) for port, protocol in entry["ports"]]
        found += [("", protocol) for protocol in entry["protocols"]]
        for included in entry["includes"]:
            if included in services and included not in seen:
                found += flatten(included, seen | {included})
        return list(dict.fromkeys(found))

    return {name: flatten(name, frozenset({name})) for name in services}


def shipped_version() -> str:
    source = table("firewalld_services")["source"]
    return f"{source['package']} {source['version']}"


@cache
def shipped_zones() -> dict[str, tuple[str, list[str]]]:
    """zone -> (target, services) as firewalld ships them."""
    zones = table("firewalld_zones")["zones"]
    return {name: (entry["target"], list(entry["services"])) for name, entry in zones.items()}


# Shipped zones firewalld describes as for untrusted networks: "public areas", "external
# networks", a "demilitarized zone" reachable from outside.
UNTRUSTED_ZONES = frozenset({"public", "external", "dmz"})


def closed_zones() -> frozenset[str]:
    """Shipped zones whose target drops or rejects everything not allowed (drop, block)."""
    return frozenset(name for name, (target, services) in shipped_zones().items()
                     if target in {"DROP", "%%REJECT%%"} and not services)


def shipped_default_zone() -> str:
    return str(table("firewalld_zones")["default_zone"])


def object_name(path: str) -> str:
    """A zone or service is named after its file: zones/public.xml, or the template that
    renders it (templates/public.xml.j2)."""
    name = Path(path).name
    for suffix in (".j2", ".jinja2", ".jinja", ".xml"):
        name = name.removesuffix(suffix)
    return name


def service_ports(elements: list[Any]) -> list[Port]:
    """What a <service> document admits, from its elements (an ElementTree iteration)."""
    ports: list[Port] = []
    for element in elements:
        if element.tag == "port":
            ports.append((element.get("port", ""), element.get("protocol", "tcp")))
        elif element.tag == "protocol":
            ports.append(("", element.get("value", "")))
    return ports


@record
class Services:
    """The services a host knows: firewalld's shipped ones, overridden or extended by the ones
    the repository defines (where, for the message)."""

    defined: dict[str, list[Port]] = field(default_factory=dict)
    defined_in: dict[str, str] = field(default_factory=dict)

    def define(self, name: str, ports: list[Port], where: str) -> None:
        self.defined[name] = ports
        self.defined_in[name] = where

    def ports(self, name: str) -> list[Port] | None:
        """None for a service firewalld does not ship and the repository does not define."""
        if name in self.defined:
            return self.defined[name]
        return shipped_services().get(name)

    def unknown_reason(self, name: str) -> str:
        return (f"firewalld service {name!r} is neither shipped with firewalld "
                f"({shipped_version()}) nor defined in the repository (services/{name}.xml); "
                "firewalld refuses it (INVALID_SERVICE)")
