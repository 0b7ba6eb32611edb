"""Traefik's Kubernetes CRDs in front of Services: `IngressRoute` and `IngressRouteTCP`
(traefik.io/v1alpha1, or the older traefik.containo.us/v1alpha1) with their `Middleware`,
`MiddlewareTCP` and `TLSOption` resources, served on the entry points of a Traefik pod of the
same file (its `args`, as the Helm chart renders them) whose Services decide who reaches it.

Without a Traefik pod in the file, the controller is taken as the Traefik Helm chart installs
it: `web` (80) and `websecure` (443) on a public load balancer, like an Ingress; any other entry
point is reached as far as is unknown. Each route to a Service that selects an image service
is a proxy hop at the route's `match`, as for nginx."""

from __future__ import annotations

from typing import Any

from dicomguard.apps.containers import Container
from dicomguard.apps.kubernetes_proxies import Running, add_hops
from dicomguard.apps.located import dig
from dicomguard.apps.traefik import Flat, Setting, command_arguments, from_environment, from_flags
from dicomguard.apps.traefik_routes import (
    EntryPoint,
    Middleware,
    Router,
    entry_points,
    router_routes,
)
from dicomguard.facts import note
from dicomguard.knowledge.images import runs_traefik
from dicomguard.model import CollectResult, Origin, Unknown

GROUPS = ("traefik.io/", "traefik.containo.us/")
PROVIDER = "kubernetescrd"
ROUTE_KINDS = {"IngressRoute": "http", "IngressRouteTCP": "tcp"}
MIDDLEWARE_KINDS = {"Middleware": "http", "MiddlewareTCP": "tcp"}
# The Traefik Helm chart's entry points a LoadBalancer Service publishes by default.
CHART_ENTRY_POINTS = {"web": 80, "websecure": 443}


def _traefik(resource: Any) -> bool:
    return str(resource.body.get("apiVersion") or "").startswith(GROUPS)


def _qualified(reference: Any, namespace: str) -> str:
    """The name Traefik gives a CRD reference: <namespace>-<name>@kubernetescrd, unless it
    names another provider."""
    if not isinstance(reference, dict):
        return f"{reference}@{PROVIDER}"
    name = str(reference.get("name"))
    if "@" in name:
        return name
    return f"{reference.get('namespace') or namespace}-{name}@{PROVIDER}"


def _middlewares(resources: list[Any], file: str, section: str) -> dict[str, Middleware]:
    found: dict[str, Middleware] = {}
    for resource in resources:
        if MIDDLEWARE_KINDS.get(resource.kind) != section or not _traefik(resource):
            continue
        spec = resource.body.get("spec")
        if not isinstance(spec, dict) or not spec:
            continue
        kind = next(iter(spec))
        at = Setting(kind, file, resource.line("spec", kind))
        item = Middleware(str(kind).lower(), at)
        sources = dig(spec, kind, "sourceRange")
        if isinstance(sources, list):
            item.sources = [str(source) for source in sources]
        chained = dig(spec, kind, "middlewares")
        if item.kind == "chain" and isinstance(chained, list):
            item.chain = [_qualified(entry, resource.namespace) for entry in chained]
        found[f"{resource.namespace}-{resource.name}@{PROVIDER}"] = item
    return found


def _tls_options(resources: list[Any], file: str) -> Flat:
    """TLSOption resources as the file provider's `tls.options`, by qualified name."""
    found: Flat = {}
    for resource in resources:
        if resource.kind != "TLSOption" or not _traefik(resource):
            continue
        kind = dig(resource.body, "spec", "clientAuth", "clientAuthType")
        at = Setting(kind if kind is not None else "NoClientCert", file,
                     resource.line("spec", "clientAuth", "clientAuthType"))
        for name in (f"{resource.namespace}-{resource.name}", resource.name):
            found[("tls", "options", name, "clientauth", "clientauthtype")] = at
    return found


def _proxy(running: list[Running]) -> Running | None:
    return next((item for item in running if isinstance(item.container.image, str)
                 and runs_traefik(item.container.image)), None)


def _static(proxy: Running, file: str) -> Flat:
    """The Traefik container's flags (command, then args) and TRAEFIK_* variables."""
    resource, spec = proxy.resource, proxy.spec
    path = next(((*template, "spec", "containers", index)
                  for template in (("spec", "template"), ("spec", "jobTemplate", "spec",
                                                          "template"), ())
                  for index, container in enumerate(dig(resource.body, *template, "spec",
                                                        "containers") or [])
                  if container is spec), ())
    arguments = []
    for key in ("command", "args"):
        value = spec.get(key)
        if isinstance(value, list):
            lines = {index: resource.line(*path, key, index) for index in range(len(value))}
            arguments += command_arguments(value, file, resource.line(*path, key), lines)
    flags = from_flags(arguments)
    if flags:
        return flags
    container = proxy.container
    return from_environment(container.environment, container.env_lines, file,
                            container.origin.line)


def _chart_controller(file: str) -> tuple[Container, dict[str, EntryPoint]]:
    """A stand-in for a Traefik controller installed outside the scanned manifests."""
    container = Container(image="traefik", environment={}, origin=Origin(file, 1, 1, "traefik"),
                          platform="kubernetes", unpublished_reach="unknown",
                          port_reach={port: "internet" for port in CHART_ENTRY_POINTS.values()})
    points = {name: EntryPoint(name, port, None) for name, port in CHART_ENTRY_POINTS.items()}
    return container, points


def _service_port(services: dict[tuple[str, str], Any], name: str, namespace: str,
                  port: Any) -> int | None:
    """A Service port given by number or by name, as a number."""
    if isinstance(port, int):
        return port
    service = services.get((namespace, name))
    for entry in dig(service.body, "spec", "ports") or [] if service is not None else []:
        if isinstance(entry, dict) and entry.get("name") == port and isinstance(
                entry.get("port"), int):
            return int(entry["port"])
    return None


def _routers(resource: Any, section: str, file: str, services: dict[tuple[str, str], Any]
             ) -> list[tuple[Router, list[tuple[str, int]], list[str]]]:
    """Each route of an IngressRoute(TCP) as a router, its (Service host, port) backends and
    why some are not known."""
    spec = resource.body.get("spec") or {}
    points = spec.get("entryPoints")
    tls = spec.get("tls")
    option = dig(tls, "options")
    found = []
    for index, entry in enumerate(spec.get("routes") or []):
        if not isinstance(entry, dict):
            continue
        backends: list[tuple[str, int]] = []
        unknown: list[str] = []
        for target in entry.get("services") or []:
            if not isinstance(target, dict) or target.get("kind", "Service") != "Service":
                unknown.append(f"{resource.address()} route {index} forwards to a "
                               "TraefikService, not followed")
                continue
            namespace = str(target.get("namespace") or resource.namespace)
            port = _service_port(services, str(target.get("name")), namespace,
                                 target.get("port"))
            if port is None:
                unknown.append(f"Service {target.get('name')} port {target.get('port')} "
                               "is not known")
                continue
            backends.append((f"{target.get('name')}.{namespace}", port))
        line = resource.line("spec", "routes", index, "match")
        router = Router(
            f"{resource.namespace}-{resource.name}-{index}@{PROVIDER}", section == "tcp",
            " ".join(str(entry.get("match") or "").replace("`", "").split()),
            [str(point).lower() for point in points] if isinstance(points, list) else None,
            [_qualified(item, resource.namespace) for item in entry.get("middlewares") or []],
            None, isinstance(tls, dict) and not dig(tls, "passthrough"),
            _qualified(option, resource.namespace) if isinstance(option, dict) else None,
            Setting(entry.get("match"), file, line))
        found.append((router, backends, unknown))
    return found


def traefik_facts(running: list[Running], resources: list[Any],
                  services: dict[tuple[str, str], Any], file: str, catalogue_ports: set[int],
                  result: CollectResult) -> None:
    """Hop facts of every IngressRoute and IngressRouteTCP route of one file."""
    routes = [resource for resource in resources
              if resource.kind in ROUTE_KINDS and _traefik(resource)]
    if not routes:
        return
    proxy = _proxy(running)
    if proxy is not None:
        container, points = proxy.container, entry_points(_static(proxy, file))
    else:
        container, points = _chart_controller(file)
    options = _tls_options(resources, file)
    for resource in routes:
        section = ROUTE_KINDS[resource.kind]
        middlewares = _middlewares(resources, file, section)
        named = {point for point in (dig(resource.body, "spec", "entryPoints") or [])
                 if isinstance(point, str)}
        known = dict(points)
        for point in named:
            if point.lower() not in known:
                known[point.lower()] = EntryPoint(point.lower(), Unknown(
                    f"entry point {point} is not among the Traefik entry points read"), None)
        for index, (router, backends, unknown) in enumerate(
                _routers(resource, section, file, services)):
            for route in router_routes(router, known, backends, unknown, middlewares,
                                       options, []):
                route.where = f"{resource.address()} route {index}"
                if not route.listens:
                    at = router.at
                    result.facts.notes.append(note(
                        Origin(file, at.line, at.line, resource.address()),
                        f"{route.where}: {'; '.join(route.unknown)}: who reaches it is not "
                        "known, so it is not judged"))
                    continue
                add_hops(container, route, services, running, resource.namespace,
                         catalogue_ports, result)
