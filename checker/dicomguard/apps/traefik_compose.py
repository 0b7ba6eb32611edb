"""Traefik services of a compose project in front of its other services: the entry points its
static configuration opens (`command:` flags, a mounted traefik.yml / traefik.toml, or
`TRAEFIK_*` variables, in Traefik's own order of preference), the routers of the Docker
provider (labels on the project's services) and of the file provider (YAML / TOML files mounted
into the Traefik container), and a proxy-hop fact for every router to an image service."""

from __future__ import annotations

import posixpath
from pathlib import Path
from typing import Any

from dicomguard.apps.containers import Container
from dicomguard.apps.nginx_routes import Route
from dicomguard.apps.placed_files import within_roots
from dicomguard.apps.proxy_hops import Backend, hop_facts
from dicomguard.apps.traefik import (
    Flat,
    command_arguments,
    dynamic_part,
    from_environment,
    from_flags,
    from_labels,
    is_true,
    names,
    read_config,
    setting,
    settings_list,
    subtree,
)
from dicomguard.apps.traefik_routes import (
    PLATFORM,
    EntryPoint,
    Router,
    entry_points,
    middlewares_of,
    router_routes,
    routers_of,
    servers_of,
)
from dicomguard.facts import note
from dicomguard.knowledge.images import runs_traefik
from dicomguard.model import CollectResult, InputError, Origin, ScanError, Unknown, is_unknown
from dicomguard.records import field, record
from dicomguard.regular_files import read_regular_text

STATIC_FILES = tuple(f"/etc/traefik/traefik.{suffix}" for suffix in ("yml", "yaml", "toml"))
CONFIG_SUFFIXES = (".yml", ".yaml", ".toml")
SERVICE_PREFIX = "services."


def labels_of(raw: Any, definition: Any, file: str) -> list[tuple[Any, ...]]:
    """A compose service's labels, list or mapping, as (key, value, file, line, as written
    before interpolation)."""
    written = definition.value.get("labels")
    items: list[tuple[str, Any, Any]] = []
    if isinstance(raw, dict):
        items = [(str(key), value, written.get(key) if isinstance(written, dict) else None)
                 for key, value in raw.items()]
    elif isinstance(raw, list):
        for index, item in enumerate(raw):
            key, _, text = str(_written(item, written, index)).partition("=")
            items.append((key, item if is_unknown(item) else str(item).partition("=")[2], text))
    else:
        return []
    found = []
    for key, value, text in items:
        at_file, at_line = definition.line("labels", key) or (file, 0)
        found.append((key, value, at_file, at_line, text))
    return found


def _written(item: Any, raw: Any, index: int) -> Any:
    """A list entry as written before interpolation, when interpolation lost it."""
    if is_unknown(item) and isinstance(raw, list) and index < len(raw):
        return raw[index]
    return item


def command_of(command: Any, definition: Any, file: str, line: int
               ) -> list[tuple[Any, ...]]:
    """A compose service's command as (argument, file, line, as written)."""
    at_file, at_line = definition.line("command") or (file, line)
    raw = definition.value.get("command")
    if not isinstance(command, list):
        return command_arguments(command, at_file, at_line)
    lines = {index: where[1] for index in range(len(command))
             if (where := definition.line("command", index))}
    return command_arguments(command, at_file, at_line, lines, {
        index: _written(item, raw, index) for index, item in enumerate(command)})


@record
class Static:
    flat: Flat
    unknown: list[str] = field(default_factory=list)


def _placed_host(container: Container, path: str) -> tuple[Path | None, str] | None:
    """The host path placed at path in the container (a file, or one inside a mounted
    directory) and what placed it; None when nothing is placed there."""
    wanted = posixpath.normpath(path)
    for item in reversed(container.placed):
        mounted = posixpath.normpath(item.container_path)
        if wanted == mounted:
            return item.host, item.what
        if wanted.startswith(mounted + "/"):
            host = item.host / wanted[len(mounted) + 1:] if item.host is not None else None
            return host, item.what
    return None


def _read(host: Path, roots: list[str], result: CollectResult) -> Flat | None:
    from dicomguard.discover import display_path

    shown = display_path(host)
    try:
        return read_config(read_regular_text(host), shown)
    except InputError as error:
        result.errors.append(ScanError(shown, error.line, f"Traefik configuration: "
                                                          f"{error.message}"))
    except (OSError, UnicodeDecodeError) as error:
        result.errors.append(ScanError(shown, None, f"cannot read: {error}"))
    return None


def _static(container: Container, roots: list[str], result: CollectResult) -> Static:
    """The static configuration Traefik reads: a configuration file (--configFile, else
    traefik.yml / .yaml / .toml in /etc/traefik) when there is one, else the command's
    flags, else TRAEFIK_* variables."""
    flags = from_flags(container.command)
    named = setting(flags, "configfile")
    candidates = [str(named.value)] if named is not None and not is_unknown(named.value) \
        else list(STATIC_FILES)
    for path in candidates:
        placed = _placed_host(container, path)
        if placed is None:
            continue
        host, what = placed
        if host is None or not within_roots(host, roots) or not host.is_file():
            return Static({}, [f"the static configuration {path} ({what}) is not in the "
                               "scanned tree"])
        return Static(_read(host, roots, result) or {})
    if named is not None:
        return Static(flags, [f"the static configuration {named.value} is not placed in the "
                              "container from the scanned tree"])
    if flags:
        return Static(flags)
    origin = container.origin
    return Static(from_environment(container.environment, container.env_lines, origin.file,
                                   origin.line))


def _file_provider(static: Flat, container: Container, roots: list[str],
                   result: CollectResult) -> tuple[Flat, list[str]]:
    """The dynamic configuration of the file provider, and what of it cannot be read."""
    found: Flat = {}
    unknown: list[str] = []
    paths = []
    filename = setting(static, "providers", "file", "filename")
    directory = setting(static, "providers", "file", "directory")
    for chosen in (filename, directory):
        if chosen is not None and is_unknown(chosen.value):
            unknown.append(f"the file provider's path: {chosen.value.reason}")
        elif chosen is not None:
            paths.append((str(chosen.value), chosen is directory))
    for path, is_directory in paths:
        placed = _placed_host(container, path)
        host = placed[0] if placed else None
        if host is None or not within_roots(host, roots) or not host.exists():
            unknown.append(f"the file provider's {path} is not placed in the container from "
                           "the scanned tree")
            continue
        files = sorted(item for item in host.iterdir()
                       if item.is_file() and item.suffix in CONFIG_SUFFIXES) \
            if is_directory and host.is_dir() else [host]
        for item in files:
            if within_roots(item, roots):
                found.update(dynamic_part(_read(item, roots, result) or {}))
    return found, unknown


def _service_name(container: Container) -> str:
    return container.origin.address.removeprefix(SERVICE_PREFIX)


@record
class Provided:
    """One provider's dynamic configuration: the labels of one container (owner), or the
    file provider's files (owner None)."""

    flat: Flat
    provider: str
    owner: str | None = None


def _docker(containers: list[Container], static: Flat, unknown: list[str]) -> list[Provided]:
    """The labels of every container the Docker provider exposes."""
    if not subtree(static, "providers", "docker") and not subtree(static, "providers",
                                                                   "swarm") and not unknown:
        return []
    by_default = is_true(setting(static, "providers", "docker", "exposedbydefault"))
    found = []
    for container in containers:
        flat = from_labels(container.labels)
        enabled = is_true(setting(flat, "enable"))
        if enabled is False or (enabled is None and by_default is False):
            continue
        if not flat:
            continue  # exposed by default with no labels: the port Traefik picks is not read
        found.append(Provided(flat, "docker", _service_name(container)))
    return found


def _default_router(provided: Provided) -> Router | None:
    """Docker's router for a container that defines an HTTP service and no HTTP router:
    Host(`<container>`) on the default entry points."""
    services = names(provided.flat, "http", "services")
    if names(provided.flat, "http", "routers") or not services or provided.owner is None:
        return None
    at = min(subtree(provided.flat, "http", "services").values(), key=lambda item: item.line)
    return Router(f"{provided.owner}@docker", False, f"Host({provided.owner})", None, [],
                  f"{services[0]}@docker", False, None, at)


def _backends(router: Router, provided: Provided, every: list[Provided],
              backends: dict[str, Backend]) -> tuple[list[tuple[str, int]], list[str]]:
    """(host, port) of the servers a router's service has, and why some are not known."""
    section = "tcp" if router.tcp else "http"
    if router.service is None:
        own = names(provided.flat, section, "services")
        if provided.owner is None or len(own) > 1:
            return [], [f"router {router.name} names no service"]
        if not own:
            return _unlabelled_port(provided.owner, backends, router)
        service, flat = own[0], provided.flat
        owner: str | None = provided.owner
    else:
        service, _, provider = router.service.partition("@")
        holder = next((item for item in every if item.provider == provider
                       and service in names(item.flat, section, "services")), None)
        if holder is None:
            if provider == "internal":  # Traefik's own dashboard and API
                return [], []
            return [], [f"service {router.service} is not defined in the scanned configuration"]
        flat, owner = holder.flat, holder.owner
    servers, unknown = servers_of(flat, section, service, owner)
    known = []
    for host, port in servers:
        try:
            known.append((host, int(port)))
        except (TypeError, ValueError):
            if owner is None:
                unknown.append(f"the port of service {service} ({port}) is not a number")
                continue
            # whichever port it is, it is one the backend serves
            known += _unlabelled_port(owner, backends, router)[0]
            unknown.append(f"the port of service {service} is not known")
    return known, unknown


def _unlabelled_port(owner: str, backends: dict[str, Backend], router: Router
                     ) -> tuple[list[tuple[str, int]], list[str]]:
    """A container with no service label: Traefik forwards to the port its image exposes,
    taken here as any port the backend serves (HTTP for an HTTP router, DICOM for TCP)."""
    backend = backends.get(owner)
    protocol = "dicom" if router.tcp else "http"
    ports = sorted({item["port"] for fact in (backend.services if backend else [])
                    for item in fact["listeners"]
                    if item["protocol"] == protocol and item["port"] is not None})
    reason = (f"router {router.name}: no loadbalancer.server.port label, so the port is the "
              "one the image exposes")
    return [(owner, port) for port in ports], [reason]


def _named_entry_points(provided: list[Provided]) -> list[str]:
    return [str(item.value).lower() for provider in provided for section in ("http", "tcp")
            for router in names(provider.flat, section, "routers")
            for item in settings_list(provider.flat, section, "routers", router, "entrypoints")]


CONVENTIONAL_PORTS = {"web": 80, "http": 80, "websecure": 443, "https": 443}
OUTSIDE = "Traefik runs outside this compose project: who reaches its entry points is not known"


def traefik_facts(containers: list[Container], backends: dict[str, Backend], roots: list[str],
                  catalogue_ports: set[int]) -> CollectResult:
    """Hop facts of every Traefik container of a compose project; of a Traefik outside it
    when services carry Traefik labels and none runs in the project."""
    result = CollectResult()
    proxies = [container for container in containers
               if isinstance(container.image, str) and runs_traefik(container.image)]
    for container in proxies:
        static = _static(container, roots, result)
        file_flat, unknown = _file_provider(static.flat, container, roots, result)
        provided = [*_docker(containers, static.flat, static.unknown),
                    Provided(file_flat, "file")]
        points = entry_points(static.flat)
        if static.unknown:
            points = {name: EntryPoint(name, Unknown(static.unknown[0]), None)
                      for name in [*points, *_named_entry_points(provided)]}
        _hops(container, provided, points, static.unknown + unknown, backends,
              catalogue_ports, result)
    labelled = [item for item in _docker(containers, {}, [OUTSIDE])
                if names(item.flat, "http", "routers") or names(item.flat, "tcp", "routers")]
    if not proxies and labelled:
        first = next(container for container in containers
                     if _service_name(container) == labelled[0].owner)
        outside = Container(image="traefik", environment={}, platform="compose",
                            origin=Origin(first.origin.file, first.origin.line,
                                          first.origin.line, "traefik (outside the project)"),
                            unpublished_reach="unknown")
        points = {name: EntryPoint(name, CONVENTIONAL_PORTS.get(name, Unknown(OUTSIDE)), None)
                  for name in [*_named_entry_points(labelled), *CONVENTIONAL_PORTS]}
        _hops(outside, labelled, points, [OUTSIDE], backends, catalogue_ports, result)
    return result


def _hops(proxy: Container, provided: list[Provided], points: dict[str, EntryPoint],
          unknown: list[str], backends: dict[str, Backend], catalogue_ports: set[int],
          result: CollectResult) -> None:
    file_flat = next((item.flat for item in provided if item.provider == "file"), {})
    published = sorted({port.container_port for port in proxy.ports
                        if isinstance(port.container_port, int)})
    routes: list[Route] = []
    for section in ("http", "tcp"):
        middlewares = {}
        for item in provided:
            middlewares.update(middlewares_of(item.flat, item.provider, section))
        for item in provided:
            found = routers_of(item.flat, item.provider, section)
            default = _default_router(item) if section == "http" else None
            for router in found + ([default] if default else []):
                servers, reasons = _backends(router, item, provided, backends)
                routes += router_routes(router, points, servers, unknown + reasons,
                                        middlewares, file_flat, published)
    _notes(proxy, routes, result)
    ingress_facts, service_facts = hop_facts(proxy, routes, backends, catalogue_ports)
    result.facts.ingress.extend(ingress_facts)
    result.facts.services.extend(service_facts)


def _notes(container: Container, routes: list[Route], result: CollectResult) -> None:
    for route in routes:
        if not route.listens and route.backends:
            at = route.at
            result.facts.notes.append(note(
                Origin(at.file, at.line, at.line, container.origin.address),
                f"{PLATFORM} {route.where}: {'; '.join(route.unknown)}: not judged"))
        elif route.unknown and not route.backends:
            at = route.at
            result.facts.notes.append(note(
                Origin(at.file, at.line, at.line, container.origin.address),
                f"{PLATFORM} {route.where}: {'; '.join(route.unknown)}: the backend is not "
                "known, so it is not judged"))
