"""The names other containers of a compose project reach a service by, network by network, as
Docker's embedded DNS answers them: the service name and every network alias on the networks
they are given for, the `container_name` and `hostname` on all of the service's networks, and
the aliases a container's own `links:` give the services it links to."""

from __future__ import annotations

from typing import Any

from dicomguard.apps.compose_databases import networks_of
from dicomguard.records import field, record


@record
class ServiceNames:
    """How one service is reached and what it reaches by link."""

    service: str
    networks: set[str] | None  # None: joins no network of the project (host, none, another's)
    names: dict[str, set[str]] = field(default_factory=dict)  # network -> names it answers to
    links: dict[str, str] = field(default_factory=dict)  # alias -> linked service

    def every_name(self) -> set[str]:
        return {self.service, *(name for names in self.names.values() for name in names)}

    def shares_a_network(self, other: ServiceNames) -> bool:
        """Whether the two can open connections to each other; a service outside the
        project's networks is not judged by them."""
        if self.networks is None or other.networks is None:
            return True
        return bool(self.networks & other.networks)

    def answers_to(self, name: str, caller: ServiceNames) -> bool:
        """Whether caller reaches this service by name on a network both join."""
        if caller.links.get(name) == self.service:
            return self.shares_a_network(caller)
        if self.networks is None or caller.networks is None:
            return name in self.every_name()
        return any(name in self.names.get(network, set())
                   for network in self.networks & caller.networks)


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [str(item) for item in value] if isinstance(value, list) else []


def service_names(name: str, service: Any) -> ServiceNames:
    """The names of one service (its definition with variables interpolated)."""
    definition = service if isinstance(service, dict) else {}
    networks = networks_of(definition)
    everywhere = {name, *(text for key in ("container_name", "hostname")
                          for text in _strings(definition.get(key)) if text)}
    found = ServiceNames(name, networks)
    attached = definition.get("networks")
    for network in networks or ():
        settings = attached.get(network) if isinstance(attached, dict) else None
        aliases = _strings(settings.get("aliases")) if isinstance(settings, dict) else []
        found.names[network] = everywhere | set(aliases)
    for link in _strings(definition.get("links")):
        target, _, alias = link.partition(":")
        found.links[alias or target] = target
    return found
