"""Caddy containers in front of image services: the Caddyfile each runs with (placed by
compose, or a ConfigMap mounted into a pod), its `{$VAR}` placeholders filled from the
container's environment, read into the same routes as nginx's so that a proxied backend gets
the proxy's reach through the same hops."""

from __future__ import annotations

from functools import partial

from dicomguard.apps.caddy_placed import Placed, from_compose, placed_caddyfile
from dicomguard.apps.caddy_routes import routes
from dicomguard.apps.containers import Container
from dicomguard.apps.nginx_routes import Route
from dicomguard.apps.proxy_hops import proxy_routes
from dicomguard.knowledge.images import runs_caddy
from dicomguard.model import CollectResult

PLATFORM = "caddy"


def is_caddy(container: Container) -> bool:
    return isinstance(container.image, str) and runs_caddy(container.image)


def caddy_routes(container: Container, placed: list[Placed], roots: list[str],
                 result: CollectResult) -> list[Route]:
    """The routes of the Caddyfile placed in container; its syntax errors and the imports it
    could not read go to result."""
    load = partial(placed_caddyfile, placed, roots, dict(container.environment))
    return proxy_routes(container, load, result, routes, "Caddyfile")


def compose_caddy_routes(container: Container, roots: list[str], result: CollectResult
                         ) -> list[Route]:
    return caddy_routes(container, from_compose(container.placed, roots), roots, result)
