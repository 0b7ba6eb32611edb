"""A reverse proxy in front of an image service: the proxy's published ports give the backend
its reach, and the proxy's own authentication, allow-list or client certificates may stop
strangers before the backend is asked. Each hop becomes a fact at the line to change (the
`location`, else the `proxy_pass`), whose path names the whole way in, e.g.
"internet -> nginx:80 /orthanc/ -> orthanc:8042 (AuthenticationEnabled false)".
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dicomguard.apps.containers import Container, reach_of
from dicomguard.apps.nginx import ConfigError, Directive
from dicomguard.apps.nginx_routes import Route, listen_reaches_out, routes
from dicomguard.facts import ingress, listener, note, peer, service, widest_reach
from dicomguard.model import CollectResult, Origin, ScanError, Unknown, is_unknown
from dicomguard.records import record
from dicomguard.regular_files import read_regular_text

Configuration = tuple[list[Directive], list[tuple[str, int, str]]]


@record
class Backend:
    """A container a proxy may forward to, with the service facts of what it serves."""

    name: str
    services: list[dict[str, Any]]
    # Non-empty: no container answers to the name, and why these services may be behind it.
    guessed: str = ""
    reachable: bool = True  # False: the proxy shares no network with it


def _setting_text(fact: dict[str, Any]) -> str:
    """The backend's deciding setting as written, for the path."""
    if fact.get("guessed"):
        return f"{fact['guessed']}; may be {fact['name']}"
    if fact["authentication"] is True:
        return "authenticates"
    if fact["authentication"] is None:
        return "authentication unknown"
    origin = fact["origin"]
    try:
        line = read_regular_text(origin["file"]).splitlines()[origin["line"] - 1]
    except (OSError, UnicodeDecodeError, IndexError):
        return "no authentication"
    # A YAML block (ORTHANC_JSON: |) is named by its key.
    text = line.strip().removeprefix("- ").removeprefix("name: ")
    text = text.rstrip(",").rstrip("|>+- ").rstrip(":")
    return text or "no authentication"


def _serving(backend: Backend, port: int, protocols: set[str]) -> list[dict[str, Any]]:
    found = [fact for fact in backend.services
             if fact.get("kind", "image_service") == "image_service"
             and any(item["port"] == port and item["protocol"] in protocols
                     for item in fact["listeners"])]
    if not backend.guessed:
        return found
    # What may be behind a name no container answers to is only possibly reached.
    return [{**fact, "guessed": backend.guessed, "name": _service_of(fact),
             "authentication": True if fact["authentication"] is True else None,
             "weak_credentials": []}
            for fact in found]


def _service_of(fact: dict[str, Any]) -> str:
    return str(fact["origin"].get("address", "")).removeprefix("services.") or "a backend"


def _port_text(proxy: Container, port: int) -> str:
    """A listen port, with the host port the outside uses when it is published as another."""
    published = sorted({str(item.host_ports[0]) if item.host_ports[0] == item.host_ports[1]
                        else f"{item.host_ports[0]}-{item.host_ports[1]}"
                        for item in proxy.ports
                        if item.container_port == port and item.host_port_chosen
                        and not is_unknown(item.host_ports) and item.host_ports != [port, port]})
    return f"{port} (published {', '.join(published)})" if published else str(port)


def _reaches(proxy: Container, route: Route) -> list[tuple[Any, str]]:
    """(listen, reach) of each port the route's server listens on, unreached ones left out."""
    found = []
    for listen in route.listens:
        reach = reach_of(proxy, listen.port, listen_reaches_out(listen))
        if reach != "local":
            found.append((listen, reach))
    return found


def _origin(proxy: Container, route: Route, where: str = "") -> Origin:
    where = where or route.where or (
        f"location {route.location}" if route.location else "server")
    return Origin(route.at.file, route.at.line, route.at.end_line or route.at.line,
                  f"{proxy.origin.address} {where}", proxy.origin.file)


def _name(proxy: Container, route: Route) -> str:
    return proxy.origin.address.rpartition(".")[2] or route.platform


def _weakest(values: list[Any]) -> Any:
    """False when any backend lets strangers in, else None when any is unknown, else True."""
    return False if False in values else (None if None in values else True)


def http_hops(proxy: Container, route: Route, backends: dict[str, Backend]
              ) -> list[dict[str, Any]]:
    """The image services behind an http location (every server of an upstream), reached
    with the proxy's reach: one fact, as weak as the weakest of them."""
    reached = _reaches(proxy, route)
    served = [(host, port, fact) for host, port in route.backends if host in backends
              for fact in _serving(backends[host], port, {"http"})]
    if not reached or not served:
        return []
    reach = widest_reach(found for _, found in reached)
    ports = ",".join(_port_text(proxy, listen.port) for listen, _ in reached)
    protected = route.protected
    only_guessed = all(fact.get("guessed") for _, _, fact in served)
    behind = _weakest([fact["authentication"] for _, _, fact in served])
    authentication = True if protected is True else (
        protected if is_unknown(protected) and behind is not True else behind)
    weak = [] if protected is True else list({
        (item["user"], item["reason"]): item for _, _, fact in served
        for item in fact["weak_credentials"]}.values())
    path = (f"{reach} -> {_name(proxy, route)}:{ports} {route.location or '/'} -> " + ", ".join(
        f"{backends[host].name}:{port} ({_setting_text(fact)})" for host, port, fact in served))
    return [service(
        _origin(proxy, route), platform=route.platform,
        product=" / ".join(dict.fromkeys(fact["product"] for _, _, fact in served)),
        reach=reach, authentication=authentication,
        listeners=[listener(listen.port, "http", tls=listen.ssl if listen.ssl is not False else (
                                None if only_guessed else False), reach=found,
                            name=f"{route.platform} {listen.port}") for listen, found in reached],
        tls=_weakest([listen.ssl for listen, _ in reached]), weak_credentials=weak,
        detail=f"the proxy: {route.protection}", path=path, suffix="proxy",
        unknown=[*route.unknown, *dict.fromkeys(
            f"{fact['guessed']}; it may be {fact['name']}" for _, _, fact in served
            if fact.get("guessed") and fact["authentication"] is not True)])]


def stream_hops(proxy: Container, route: Route, backends: dict[str, Backend],
                catalogue_ports: set[int]) -> list[dict[str, Any]]:
    """A stream proxy to a DICOM port: an opening to that port for whoever reaches the proxy."""
    facts = []
    for listen, reach in _reaches(proxy, route):
        for host, port in route.backends:
            backend = backends.get(host)
            if backend is not None and not backend.reachable:
                continue
            carried = port in catalogue_ports or bool(
                backend and _serving(backend, port, {"dicom"}))
            if not carried and listen.port not in catalogue_ports:
                continue
            peers = [peer(source) for source in route.allowed] if route.allowed is not None \
                else [peer("0.0.0.0/0")] if reach == "internet" else (
                    [peer("the proxy's network", tag=True)] if reach == "network"
                    else [peer(Unknown(f"who reaches {_name(proxy, route)}:{listen.port} is not "
                                       "known"))])
            ports = [[listen.port, listen.port]] + (
                [[port, port]] if carried and port != listen.port else [])
            facts.append(ingress(
                _origin(proxy, route, f"stream :{listen.port} -> {host}:{port}"),
                platform=route.platform, mechanism=f"{route.platform} stream proxy",
                protocol="udp" if listen.udp else "tcp", ports=ports, peers=peers,
                path=f"{reach} -> {_name(proxy, route)}:{_port_text(proxy, listen.port)} "
                     f"({route.location or 'stream'}) -> {host}:{port}",
                suffix=f"proxy:{listen.port}:{host}:{port}"))
    return facts


def hop_facts(proxy: Container, routes: list[Route], backends: dict[str, Backend],
              catalogue_ports: set[int]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(ingress facts, service facts) of every hop through one proxy; ids kept unique when one
    configuration file reaches the same line twice."""
    ingress_facts: list[dict[str, Any]] = []
    service_facts: list[dict[str, Any]] = []
    for route in routes:
        if route.stream:
            ingress_facts.extend(stream_hops(proxy, route, backends, catalogue_ports))
        else:
            service_facts.extend(http_hops(proxy, route, backends))
    return _unique(ingress_facts), _unique(service_facts)


def _unique(facts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return list({fact["id"]: fact for fact in facts}.values())


def proxy_routes(proxy: Container, load: Callable[[], tuple[Any, list[tuple[str, int, str]]]
                                                  | None],
                 result: CollectResult, read: Callable[[Any], list[Route]] = routes,
                 product: str = "nginx") -> list[Route]:
    """The routes read() finds in the configuration load() reads for proxy (nginx's
    directives by default, or another proxy's configuration); its syntax errors, the includes
    it could not read and the backends it cannot name go to result."""
    address = proxy.origin.address
    try:
        config = load()
    except ConfigError as error:
        result.errors.append(ScanError(error.file, error.line,
                                       f"{product} configuration of {address}: {error.message}"))
        return []
    if config is None:
        return []
    parsed, notes = config
    for file, line, message in notes:
        at = line or proxy.origin.line
        result.facts.notes.append(note(Origin(file or proxy.origin.file, at, at, address),
                                       message))
    found = read(parsed) if parsed is not None else []
    for route in found:
        if route.unknown and not route.backends:
            at = route.proxy_pass.line
            result.facts.notes.append(note(Origin(route.proxy_pass.file, at, at, address),
                                           f"{'; '.join(route.unknown)}: the backend is not "
                                           "known, so it is not judged"))
    return found

