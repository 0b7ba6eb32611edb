"""nginx and Caddy services of a compose project in front of its other services: the
configuration each container runs with (mounted, or copied by its Dockerfile), and a fact for
every hop from the proxy's published ports to an image service the project runs. A `proxy_pass`
(a `reverse_proxy`) names a backend as Docker's embedded DNS answers on the networks the proxy
shares with it (service name, network alias, container_name, hostname, or an alias of the
proxy's links); a name no container answers to may still be any image service the proxy
reaches, so it stays unresolved."""

from __future__ import annotations

import ipaddress
from functools import partial
from typing import Any

from dicomguard.apps.caddy_proxies import compose_caddy_routes, is_caddy
from dicomguard.apps.compose_names import ServiceNames
from dicomguard.apps.containers import Container, ports_of_catalogue
from dicomguard.apps.nginx_placed import placed_config
from dicomguard.apps.nginx_routes import Route
from dicomguard.apps.proxy_hops import Backend, hop_facts, proxy_routes
from dicomguard.knowledge.images import runs_nginx
from dicomguard.model import CollectResult
from dicomguard.records import replace

SERVICE_PREFIX = "services."
# Names that never mean another container of the project.
OWN_HOST = frozenset({"localhost", "host.docker.internal", "gateway.docker.internal"})


def _names(container: Container) -> ServiceNames:
    if isinstance(container.network_names, ServiceNames):
        return container.network_names
    return ServiceNames(container.origin.address.removeprefix(SERVICE_PREFIX), None)


def _backends(proxy: Container, containers: list[Container],
              services: list[list[dict[str, Any]]]) -> tuple[dict[str, Backend], Backend]:
    """The backends the proxy reaches, by every name it may use for them, and every service
    it reaches at all (for a name no container answers to)."""
    own = _names(proxy)
    named: dict[str, Backend] = {}
    reachable = Backend("", [])
    for container, found in zip(containers, services, strict=True):
        names = _names(container)
        if not names.shares_a_network(own):
            continue
        reachable.services.extend(found)
        for name in sorted(names.every_name() | set(own.links)):
            if names.answers_to(name, own):
                named.setdefault(name, Backend(name, [])).services.extend(found)
    known = set(own.links).union(*(_names(container).every_name() for container in containers))
    for name in known - set(named):
        named[name] = Backend(name, [], reachable=False)
    return named, reachable


def _unnamed(host: str) -> bool:
    """A host that could be a container's name: not an address, not the proxy's own host."""
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return host.lower() not in OWN_HOST
    return False


def _guessed(found_routes: list[Route], named: dict[str, Backend], reachable: Backend
             ) -> dict[str, Backend]:
    """named, with a backend for every host no container answers to: the image services the
    proxy reaches, any of which it may be."""
    backends = dict(named)
    for route in found_routes:
        for host, _ in route.backends:
            if host not in backends and _unnamed(host):
                why = f"{host} depends on a variable" if "$" in host else \
                    f"no service of the project answers to {host!r}"
                backends[host] = Backend(host, reachable.services, why)
    return backends


def _variable_target(route: Route, reachable: Backend) -> Route | None:
    """An http route whose backend depends on a variable, aimed at every port an image
    service the proxy reaches serves over http (or the port written after the variable)."""
    if route.stream or route.backends or not any("variable" in item for item in route.unknown):
        return None
    address = route.target.split("://", 1)[-1].partition("/")[0]
    host, _, written = address.rpartition(":") if ":" in address else (address, "", "")
    ports = [int(written)] if written.isdigit() else sorted({
        item["port"] for fact in reachable.services
        if fact.get("kind", "image_service") == "image_service"
        for item in fact["listeners"] if item["protocol"] == "http"})
    if not ports:
        return None
    return replace(route, backends=[(host, port) for port in ports])


def _routes(container: Container, roots: list[str], reachable: Backend,
            result: CollectResult) -> list[Route]:
    """The proxy's routes, a backend named by a variable aimed at what it may reach; the
    note that such a backend is not judged is kept only where it is not."""
    found = CollectResult()
    load = partial(placed_config, container.placed, roots, container.environment)
    found_routes = proxy_routes(container, load, found)
    aimed = {id(route): _variable_target(route, reachable) for route in found_routes}
    judged = {(route.proxy_pass.file, route.proxy_pass.line) for route in found_routes
              if aimed[id(route)] is not None}
    result.errors.extend(found.errors)
    result.facts.notes.extend(item for item in found.facts.notes
                              if (item["origin"]["file"], item["origin"]["line"]) not in judged)
    return [aimed[id(route)] or route for route in found_routes]


def proxy_facts(containers: list[Container], services: list[list[dict[str, Any]]],
                roots: list[str], catalogue: list[dict[str, Any]]) -> CollectResult:
    """Hop facts of every nginx and Caddy container; services[i] are the service facts of
    containers[i]. A configuration with bad syntax is an error naming its file and line."""
    result = CollectResult()
    catalogue_ports = ports_of_catalogue(catalogue)
    for container in containers:
        caddy = is_caddy(container)
        if not caddy and not (isinstance(container.image, str) and runs_nginx(container.image)):
            continue
        named, reachable = _backends(container, containers, services)
        if caddy:
            found_routes = compose_caddy_routes(container, roots, result)
        else:
            found_routes = _routes(container, roots, reachable, result)
        # The project's other containers reach the backends directly: a hop is what the
        # proxy publishes.
        published_only = replace(container, neighbours_reach="local")
        ingress_facts, service_facts = hop_facts(
            published_only, found_routes, _guessed(found_routes, named, reachable),
            catalogue_ports)
        result.facts.ingress.extend(ingress_facts)
        result.facts.services.extend(service_facts)
    from dicomguard.apps.traefik_compose import traefik_facts

    by_service = {_names(container).service: Backend(_names(container).service, found)
                  for container, found in zip(containers, services, strict=True)}
    proxies = [replace(container, neighbours_reach="local") for container in containers]
    traefik = traefik_facts(proxies, by_service, roots, catalogue_ports)
    result.facts.extend(traefik.facts)
    result.errors.extend(traefik.errors)
    return result
