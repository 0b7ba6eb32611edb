"""Gateways in front of Kubernetes Services: the Gateway API (a Gateway's listeners and the
HTTPRoute, GRPCRoute, TLSRoute, TCPRoute and UDPRoute attached to them) and Istio (a Gateway's
servers on the ingress gateway and the VirtualServices bound to it). A route to a Service that
selects a PACS pod gives that pod the gateway's reach, and the listener that carries it is an
ingress fact naming the whole path."""

from __future__ import annotations

import re
from typing import Any

from dicomguard.apps.located import dig
from dicomguard.facts import ingress, peer
from dicomguard.model import Origin, Unknown
from dicomguard.records import record

GATEWAY_API_GROUP = "gateway.networking.k8s.io/"
ISTIO_GROUP = "networking.istio.io/"
GATEWAY_API_ROUTES = frozenset({"HTTPRoute", "GRPCRoute", "TLSRoute", "TCPRoute", "UDPRoute"})
# Gateway classes of cloud controllers that provision an internal load balancer.
INTERNAL_CLASS = re.compile(r"internal|rilb|(^|-)ilb($|-)|private", re.IGNORECASE)
ISTIO_TLS_TERMINATED = frozenset({"SIMPLE", "MUTUAL", "ISTIO_MUTUAL"})
ISTIO_EDGE_SELECTOR = {"istio": "ingressgateway"}


@record
class Listener:
    gateway: Any  # kubernetes.Resource
    line_path: tuple[Any, ...]
    name: str
    port: Any
    protocol: str
    tls_terminated: bool


@record
class Route:
    """A route's backends (Service name, namespace, port) on the listeners it is bound to."""

    resource: Any  # kubernetes.Resource
    listeners: list[Listener]
    backends: list[tuple[str, str, Any]]
    section: str = ""  # which http/tls/tcp entry of a VirtualService



def _group(resource: Any) -> str:
    return str(resource.body.get("apiVersion") or "")


def gateway_reach(gateway: Any, services: dict[tuple[str, str], Any]) -> tuple[str, str]:
    """(reach, how the gateway is published) of a Gateway API or Istio gateway."""
    if _group(gateway).startswith(GATEWAY_API_GROUP):
        class_name = str(dig(gateway.body, "spec", "gatewayClassName") or "")
        if INTERNAL_CLASS.search(class_name):
            return "network", f"gateway class {class_name} (an internal load balancer)"
        return "internet", f"gateway class {class_name or 'unnamed'} (a public load balancer)"
    selector = dig(gateway.body, "spec", "selector") or {}
    published = [service for service in services.values()
                 if isinstance(dig(service.body, "spec", "selector"), dict)
                 and dig(service.body, "spec", "selector") == selector]
    if published:
        from dicomguard.apps.kubernetes import service_reach

        return service_reach(published[0]), f"the ingress gateway's {published[0].address()}"
    if selector == ISTIO_EDGE_SELECTOR:
        return "internet", "the Istio ingress gateway (istio: ingressgateway)"
    return "unknown", f"the gateway workload selected by {selector}"


def _gateway_api_listeners(gateway: Any) -> list[Listener]:
    found = []
    for index, entry in enumerate(dig(gateway.body, "spec", "listeners") or []):
        if not isinstance(entry, dict):
            continue
        protocol = str(entry.get("protocol") or "HTTP").upper()
        mode = str(dig(entry, "tls", "mode") or "Terminate")
        terminated = protocol == "HTTPS" or (protocol == "TLS" and mode == "Terminate")
        found.append(Listener(gateway, ("spec", "listeners", index), str(entry.get("name", "")),
                              entry.get("port"), protocol, terminated))
    return found


def _istio_servers(gateway: Any) -> list[Listener]:
    found = []
    for index, entry in enumerate(dig(gateway.body, "spec", "servers") or []):
        if not isinstance(entry, dict):
            continue
        protocol = str(dig(entry, "port", "protocol") or "HTTP").upper()
        mode = str(dig(entry, "tls", "mode") or "")
        terminated = mode in ISTIO_TLS_TERMINATED or (protocol == "HTTPS"
                                                      and mode != "PASSTHROUGH")
        found.append(Listener(gateway, ("spec", "servers", index),
                              str(dig(entry, "port", "name") or ""),
                              dig(entry, "port", "number"), protocol, terminated))
    return found


def _gateway_api_route(route: Any, gateways: dict[tuple[str, str], Any]) -> Route:
    listeners: list[Listener] = []
    for reference in dig(route.body, "spec", "parentRefs") or []:
        if not isinstance(reference, dict) or reference.get("kind", "Gateway") != "Gateway":
            continue
        gateway = gateways.get((str(reference.get("namespace") or route.namespace),
                                str(reference.get("name"))))
        if gateway is None:
            continue
        listeners += [listener for listener in _gateway_api_listeners(gateway)
                      if reference.get("sectionName") in (None, listener.name)
                      and reference.get("port") in (None, listener.port)]
    backends = []
    for rule in dig(route.body, "spec", "rules") or []:
        for backend in dig(rule, "backendRefs") or []:
            if isinstance(backend, dict) and backend.get("kind", "Service") == "Service":
                backends.append((str(backend.get("name")),
                                 str(backend.get("namespace") or route.namespace),
                                 backend.get("port")))
    return Route(route, listeners, backends)


_ISTIO_ROUTE_PROTOCOLS = {"http": {"HTTP", "HTTPS", "HTTP2", "GRPC"},
                          "tls": {"TLS", "HTTPS"}, "tcp": {"TCP", "TLS", "MONGO", "MYSQL"}}


def _istio_routes(service: Any, gateways: dict[tuple[str, str], Any]) -> list[Route]:
    """One Route per http/tls/tcp section of a VirtualService bound to gateways."""
    bound = []
    for name in dig(service.body, "spec", "gateways") or []:
        namespace, _, gateway_name = str(name).rpartition("/")
        gateway = gateways.get((namespace or service.namespace, gateway_name))
        if gateway is not None:
            bound.append(gateway)
    routes = []
    for section, protocols in _ISTIO_ROUTE_PROTOCOLS.items():
        for index, entry in enumerate(dig(service.body, "spec", section) or []):
            if not isinstance(entry, dict):
                continue
            ports = {match.get("port") for match in entry.get("match") or []
                     if isinstance(match, dict) and match.get("port") is not None}
            listeners = [listener for gateway in bound for listener in _istio_servers(gateway)
                         if listener.protocol in protocols
                         and (not ports or listener.port in ports)]
            backends = []
            for target in entry.get("route") or []:
                host = str(dig(target, "destination", "host") or "")
                if not host:
                    continue
                name, _, rest = host.partition(".")
                namespace = rest.split(".", 1)[0] if rest else service.namespace
                backends.append((name, namespace, dig(target, "destination", "port", "number")))
            routes.append(Route(service, listeners, backends, f"{section}{index}"))
    return routes


def routes_of(resources: list[Any]) -> list[Route]:
    """Every Gateway API route and Istio VirtualService route of one file."""
    gateway_api = {(item.namespace, item.name): item for item in resources
                   if item.kind == "Gateway" and _group(item).startswith(GATEWAY_API_GROUP)}
    istio = {(item.namespace, item.name): item for item in resources
             if item.kind == "Gateway" and _group(item).startswith(ISTIO_GROUP)}
    routes: list[Route] = []
    for item in resources:
        if item.kind in GATEWAY_API_ROUTES and _group(item).startswith(GATEWAY_API_GROUP):
            routes.append(_gateway_api_route(item, gateway_api))
        elif item.kind == "VirtualService" and _group(item).startswith(ISTIO_GROUP):
            routes.extend(_istio_routes(item, istio))
    return [route for route in routes if route.listeners and route.backends]


def listener_fact(route: Route, listener: Listener, reach: str, published: str,
                  target_ports: list[int], file: str) -> dict[str, Any]:
    """The ingress fact of one listener carrying one route, at the route (what to change)."""
    gateway = listener.gateway
    line = route.resource.line()
    ports: list[Any] = [[listener.port, listener.port]] if isinstance(listener.port, int) else []
    ports += [[port, port] for port in dict.fromkeys(target_ports) if [port, port] not in ports]
    peers = [peer("0.0.0.0/0")] if reach == "internet" else (
        [peer("the VPC (internal load balancer)", tag=True)] if reach == "network" else
        [peer(Unknown(f"who reaches {published} is decided outside the manifests"))])
    backends = ", ".join(f"Service/{name}:{port}" for name, _, port in route.backends)
    path = (f"{published} -> {gateway.address()} listener {listener.name or listener.port} "
            f"({listener.protocol} {listener.port}"
            f"{', TLS ends here' if listener.tls_terminated else ''}) -> "
            f"{route.resource.address()} -> {backends}")
    return ingress(
        Origin(file, line, line, route.resource.address()), platform="kubernetes",
        mechanism=f"{'Istio' if _group(gateway).startswith(ISTIO_GROUP) else 'Gateway API'} "
                  f"{gateway.kind}",
        protocol="udp" if route.resource.kind == "UDPRoute" else "tcp",
        ports=ports or [[0, 0]], peers=peers, path=path,
        suffix=f"gateway:{gateway.namespace}/{gateway.name}/{listener.name or listener.port}"
               f"{'/' + route.section if route.section else ''}")
