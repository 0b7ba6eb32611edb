"""What a Traefik instance forwards, and who it lets through: its entry points (address, TLS,
redirections, middlewares of the entry point) and the HTTP and TCP routers of its providers
(Docker labels, the file provider), each with the backends its service names and whether a
middleware or a client-certificate requirement stops strangers. Each router becomes the same
Route an nginx `proxy_pass` does, so the proxy-hop facts are built once for both.
"""

from __future__ import annotations

import re
from typing import Any

from dicomguard.apps.nginx import Directive
from dicomguard.apps.nginx_routes import Listen, Route
from dicomguard.apps.traefik import (
    Flat,
    Setting,
    is_true,
    lowered_names,
    names,
    setting,
    settings_list,
    subtree,
)
from dicomguard.facts import source_scope
from dicomguard.model import Unknown, is_unknown
from dicomguard.records import field, record

PLATFORM = "traefik"
DEFAULT_ENTRY_POINT = "http"  # what Traefik listens on (:80) when none is configured
HTTP_DEFAULT_PORT = 80
SIGN_IN_MIDDLEWARES = {"basicauth": "basicAuth", "digestauth": "digestAuth",
                       "forwardauth": "forwardAuth"}
ALLOW_LIST_MIDDLEWARES = frozenset({"ipallowlist", "ipwhitelist"})
REDIRECTING_MIDDLEWARES = frozenset({"redirectscheme", "redirectregex"})
VERIFIED_CLIENT_CERTIFICATE = "requireandverifyclientcert"
_ADDRESS = re.compile(r"^(?P<host>\[[^\]]*\]|[^:]*):(?P<port>\d+)(?:/(?P<proto>tcp|udp))?$",
                      re.IGNORECASE)
_URL = re.compile(r"^(?:(?P<scheme>[a-z]+)://)?(?P<host>\[[^\]]+\]|[^/:]+)(?::(?P<port>\d+))?",
                  re.IGNORECASE)


@record
class EntryPoint:
    name: str
    port: Any  # int or Unknown
    address: str | None  # None: every address
    udp: bool = False
    tls: bool = False  # http.tls on the entry point: every router on it ends TLS
    middlewares: list[str] = field(default_factory=list)
    redirected: bool = False  # http.redirections: every request is sent elsewhere
    as_default: bool = False


def _entry_point(static: Flat, name: str) -> EntryPoint:
    address = setting(static, "entrypoints", name, "address")
    point = EntryPoint(name, HTTP_DEFAULT_PORT, None)
    if address is not None:
        if is_unknown(address.value):
            point.port = address.value
        else:
            match = _ADDRESS.match(str(address.value).strip())
            if match is None:
                point.port = Unknown(f"entry point {name} address {address.value!r} "
                                     "is not read")
            else:
                point.port = int(match.group("port"))
                point.address = match.group("host").strip("[]") or None
                point.udp = (match.group("proto") or "").lower() == "udp"
    point.tls = bool(subtree(static, "entrypoints", name, "http", "tls")) and is_true(
        setting(static, "entrypoints", name, "http", "tls")) is not False
    point.middlewares = [str(item.value) for item in
                         settings_list(static, "entrypoints", name, "http", "middlewares")]
    point.redirected = bool(subtree(static, "entrypoints", name, "http", "redirections"))
    point.as_default = is_true(setting(static, "entrypoints", name, "asdefault")) is True
    return point


def entry_points(static: Flat) -> dict[str, EntryPoint]:
    """The entry points of a static configuration by lower-cased name (Traefik's own
    `http` on :80 when there is none)."""
    found = {name: _entry_point(static, name) for name in lowered_names(static, "entrypoints")}
    return found or {DEFAULT_ENTRY_POINT: EntryPoint(DEFAULT_ENTRY_POINT, HTTP_DEFAULT_PORT,
                                                     None)}


@record
class Middleware:
    kind: str  # basicauth, ipallowlist, chain, ... in lower case
    at: Setting
    sources: list[Any] = field(default_factory=list)  # an allow-list's source ranges
    chain: list[str] = field(default_factory=list)


def qualified(name: str, provider: str) -> str:
    """name@provider: a reference without a provider names one of the referrer's own."""
    base, at, owner = name.strip().partition("@")
    return f"{base}@{owner.lower()}" if at else f"{base}@{provider}"


def middlewares_of(flat: Flat, provider: str, section: str = "http") -> dict[str, Middleware]:
    found: dict[str, Middleware] = {}
    for name in names(flat, section, "middlewares"):
        tree = subtree(flat, section, "middlewares", name)
        kinds = [path[3] for path in tree if len(path) > 3]
        if not kinds:
            continue
        kind = str(kinds[0])
        item = Middleware(kind, next(iter(tree.values())))
        if kind in ALLOW_LIST_MIDDLEWARES:
            item.sources = [entry.value for entry in settings_list(
                flat, section, "middlewares", name, kind, "sourcerange")]
        if kind == "chain":
            item.chain = [qualified(str(entry.value), provider) for entry in settings_list(
                flat, section, "middlewares", name, "chain", "middlewares")]
        found[qualified(name, provider)] = item
    return found


@record
class Protection:
    protected: Any  # True, False or Unknown
    how: str
    allowed: list[str] | None = None  # the only sources let in (an allow-list)
    redirects: bool = False  # a middleware sends every request elsewhere


def protection(references: list[str], middlewares: dict[str, Middleware],
               client_certificate: Any = False) -> Protection:
    """Whether the middlewares (qualified names, in order, chains followed) or a TLS option
    that requires a verified client certificate stop a stranger."""
    if client_certificate is True:
        return Protection(True, "TLS option clientAuth RequireAndVerifyClientCert")
    unknown: list[str] = []
    allowed: list[str] | None = None
    pending, seen = list(references), set()
    redirects = False
    while pending:
        name = pending.pop(0)
        if name in seen:
            continue
        seen.add(name)
        item = middlewares.get(name)
        if item is None:
            unknown.append(f"middleware {name} is not defined in the scanned configuration "
                           "and may require authentication")
            continue
        if item.kind == "chain":
            pending = item.chain + pending
        elif item.kind in SIGN_IN_MIDDLEWARES:
            return Protection(True, f"{SIGN_IN_MIDDLEWARES[item.kind]} middleware {name}")
        elif item.kind in REDIRECTING_MIDDLEWARES:
            redirects = True
        elif item.kind in ALLOW_LIST_MIDDLEWARES:
            sources = item.sources
            if any(is_unknown(source) for source in sources):
                unknown.append(f"the source range of middleware {name} is not known")
            elif sources and all(source_scope(str(source)) != "internet" for source in sources):
                allowed = [str(source) for source in sources]
    if is_unknown(client_certificate):
        unknown.append(client_certificate.reason)
    if allowed is not None:
        return Protection(True, "an ipAllowList of chosen ranges", allowed, redirects)
    if unknown:
        return Protection(Unknown(unknown[0]), unknown[0], None, redirects)
    return Protection(False, "no basicAuth, digestAuth, forwardAuth, ipAllowList or client "
                             "certificate", None, redirects)


def client_certificate_required(flat: Flat, option: str | None) -> Any:
    """Whether the TLS option a router uses (the `default` one when it names none) requires
    a verified client certificate; Unknown when it names one not in the configuration."""
    name = (option or "default").partition("@")[0]
    kind = setting(flat, "tls", "options", name, "clientauth", "clientauthtype")
    if kind is None:
        if option and option.partition("@")[0] != "default" and not subtree(
                flat, "tls", "options", name):
            return Unknown(f"TLS option {option} is not defined in the scanned configuration")
        return False
    if is_unknown(kind.value):
        return kind.value
    return str(kind.value).lower() == VERIFIED_CLIENT_CERTIFICATE


@record
class Router:
    """A router as a provider defines it; service None: the provider's default."""

    name: str  # qualified
    tcp: bool
    rule: str
    entry_points: list[str] | None  # lower case; None: the default ones
    middlewares: list[str]
    service: str | None
    tls: bool
    tls_option: str | None
    at: Setting


def routers_of(flat: Flat, provider: str, section: str) -> list[Router]:
    found = []
    for name in names(flat, section, "routers"):
        tree = subtree(flat, section, "routers", name)
        rule = setting(flat, section, "routers", name, "rule")
        at = rule or min(tree.values(), key=lambda item: item.line)
        points = settings_list(flat, section, "routers", name, "entrypoints")
        service = setting(flat, section, "routers", name, "service")
        option = setting(flat, section, "routers", name, "tls", "options")
        tls = bool(subtree(flat, section, "routers", name, "tls")) and is_true(setting(
            flat, section, "routers", name, "tls")) is not False
        found.append(Router(
            qualified(name, provider), section == "tcp",
            "" if rule is None else _rule_text(rule),
            [str(item.value).lower() for item in points] if points else None,
            [qualified(str(item.value), provider) for item in settings_list(
                flat, section, "routers", name, "middlewares")],
            None if service is None else qualified(str(service.value), provider),
            tls, None if option is None else str(option.value), at))
    return found


def _rule_text(rule: Setting) -> str:
    """A rule for messages, backquotes dropped; as written when a variable has no value."""
    value = rule.written if is_unknown(rule.value) and rule.written else rule.value
    if is_unknown(value):
        return f"(rule unknown: {value.reason})"
    return " ".join(str(value).replace("`", "").split())


def servers_of(flat: Flat, section: str, name: str, owner: str | None
               ) -> tuple[list[tuple[str, Any]], list[str]]:
    """(host, port) of a load-balancer service, and why some cannot be known. owner: the
    compose service whose labels define it (Docker's `server.port` is on that container)."""
    base = (section, "services", name, "loadbalancer")
    port = setting(flat, *base, "server", "port")
    if owner is not None and port is not None:
        return [(owner, port.value)], [] if not is_unknown(port.value) else [port.value.reason]
    found: list[tuple[str, Any]] = []
    unknown: list[str] = []
    for index in {path[5] for path in subtree(flat, *base, "servers") if len(path) > 5}:
        for key in ("url", "address"):
            target = setting(flat, *base, "servers", index, key)
            if target is None:
                continue
            if is_unknown(target.value):
                unknown.append(target.value.reason)
                continue
            match = _URL.match(str(target.value).strip())
            if match is None:
                unknown.append(f"server {target.value} names no host")
                continue
            default = 443 if (match.group("scheme") or "").lower() == "https" else 80
            found.append((match.group("host"), int(match.group("port") or default)))
    return found, unknown


def listens_of(router: Router, points: dict[str, EntryPoint]) -> list[tuple[EntryPoint, bool]]:
    """(entry point, TLS ends there) of each entry point a router is served on."""
    if router.entry_points is None:
        defaults = [point for point in points.values() if point.as_default]
        chosen = defaults or [point for point in points.values() if not point.udp]
    else:
        chosen = [points[name] for name in router.entry_points if name in points]
    return [(point, router.tls or point.tls) for point in chosen
            if not (point.redirected and not router.tcp)]


def route(router: Router, points: list[tuple[EntryPoint, bool]], backends: list[tuple[str, int]],
          guard: Protection, unknown: list[str], fallback_ports: list[int]) -> Route:
    """The Route of a router on the entry points given; an entry point whose port is not
    known may be any of fallback_ports (those its container publishes)."""
    listens: list[Listen] = []
    for point, tls in points:
        if is_unknown(point.port):
            unknown.append(f"entry point {point.name}: {point.port.reason}")
            listens += [Listen(port, None, tls) for port in fallback_ports]
        else:
            listens.append(Listen(point.port, point.address, tls, point.udp))
    at = Directive("router", [router.name], router.at.file, router.at.line, router.at.line)
    kind = "TCP " if router.tcp else ""
    return Route(router.tcp, list(dict.fromkeys(listens)), f"{kind}{router.rule or 'any'}",
                 router.name, backends, guard.protected, guard.how, at, at, unknown,
                 guard.allowed, platform=PLATFORM,
                 where=f"router {router.name} on {','.join(point.name for point, _ in points)}")


def router_routes(router: Router, points: dict[str, EntryPoint],
                  backends: list[tuple[str, int]], unknown: list[str],
                  middlewares: dict[str, Middleware], tls_options: Flat,
                  fallback_ports: list[int]) -> list[Route]:
    """The Routes of one router: one per set of entry points that share the middlewares of
    the entry point and TLS, since those decide who gets through. A router whose middleware
    redirects every request forwards nothing."""
    provider = router.name.partition("@")[2]
    groups: dict[tuple[tuple[str, ...], bool], list[tuple[EntryPoint, bool]]] = {}
    for point, tls in listens_of(router, points):
        references = () if router.tcp else tuple(
            qualified(name, provider) for name in point.middlewares)
        groups.setdefault((references, tls), []).append((point, tls))
    found = []
    for (references, tls), group in groups.items():
        certificate = client_certificate_required(tls_options, router.tls_option) if tls \
            else False
        guard = protection([*references, *router.middlewares], middlewares, certificate)
        if guard.redirects and not router.tcp:
            continue
        found.append(route(router, group, backends, guard, list(unknown), fallback_ports))
    return found
