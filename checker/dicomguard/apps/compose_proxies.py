"""nginx services of a compose project in front of its other services: the configuration each
nginx container runs with (mounted, or copied by its Dockerfile), and a fact for every hop
from the proxy's published ports to an image service the project runs. A `proxy_pass` names a
backend by its compose service name, as containers on the project's network reach it."""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from typing import Any

from dicomguard.apps.containers import Container, ports_of_catalogue
from dicomguard.apps.nginx_placed import placed_config
from dicomguard.apps.proxy_hops import Backend, hop_facts, proxy_routes
from dicomguard.knowledge.images import runs_nginx
from dicomguard.model import CollectResult

SERVICE_PREFIX = "services."


def _service_name(container: Container) -> str:
    return container.origin.address.removeprefix(SERVICE_PREFIX)


def proxy_facts(containers: list[Container], services: list[list[dict[str, Any]]],
                roots: list[str], catalogue: list[dict[str, Any]]) -> CollectResult:
    """Hop facts of every nginx container; services[i] are the service facts of
    containers[i]. A configuration with bad syntax is an error naming its file and line."""
    result = CollectResult()
    backends = {_service_name(container): Backend(_service_name(container), found)
                for container, found in zip(containers, services, strict=True)}
    catalogue_ports = ports_of_catalogue(catalogue)
    for container in containers:
        if not isinstance(container.image, str) or not runs_nginx(container.image):
            continue
        found_routes = proxy_routes(container, partial(placed_config, container.placed, roots),
                                    result)
        # The project's other containers reach the backends directly: a hop is what the
        # proxy publishes.
        published_only = replace(container, neighbours_reach="local")
        ingress_facts, service_facts = hop_facts(published_only, found_routes, backends,
                                                 catalogue_ports)
        result.facts.ingress.extend(ingress_facts)
        result.facts.services.extend(service_facts)
    return result
