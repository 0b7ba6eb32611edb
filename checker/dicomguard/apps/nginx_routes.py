"""What an nginx configuration forwards, and who it lets through: every `proxy_pass` of an
`http` server's locations and of a `stream` server, with the ports its server listens on,
whether TLS ends there, the backends it names (through `upstream` blocks), and whether the
proxy itself stops strangers (auth_basic, auth_request, an allow-list that denies everything
else, client certificates), with nginx's inheritance from http to server to location.
"""

from __future__ import annotations

import re
from typing import Any

from dicomguard.apps.nginx import Directive
from dicomguard.facts import source_scope
from dicomguard.model import Unknown, is_unknown
from dicomguard.records import field, record

HTTP_DEFAULT_PORT = 80
_TARGET = re.compile(r"^(?:(?P<scheme>[a-z]+)://)?(?P<host>\[[^\]]+\]|[^/:]+)(?::(?P<port>\d+))?",
                     re.IGNORECASE)
ACCESS_RULES = frozenset({"allow", "deny"})
# Variables whose value starts with "/" or "?": written after the host, they are its path.
_URI_VARIABLE = re.compile(r"\$\{?(?:request_uri|uri|document_uri|is_args)\b")


@record(frozen=True)
class Listen:
    port: int
    address: str | None  # None: every address
    ssl: bool | None  # None: not known (a Caddy site address from an unset variable)
    udp: bool = False


@record
class Route:
    """One proxy_pass: where clients come in, what it forwards to, and at which line."""

    stream: bool
    listens: list[Listen]
    location: str  # the location's match ("" for a server-level or stream proxy_pass)
    target: str  # proxy_pass as written
    backends: list[tuple[str, int]]  # (host, port) after upstream blocks are followed
    protected: Any  # True, False or Unknown: the proxy stops a stranger
    protection: str  # how, or why not, for messages
    at: Directive  # the line to change: the location, else the proxy_pass
    proxy_pass: Directive
    unknown: list[str] = field(default_factory=list)
    allowed: list[str] | None = None  # the only sources let in, when an allow-list decides
    platform: str = "nginx"  # the proxy that routes: nginx, traefik...
    where: str = ""  # how the proxy names the route ("" : its location, else its server)


def _listens(server: Directive, stream: bool) -> list[Listen]:
    found = []
    ssl_on = any(item.args[:1] == ["on"] for item in server.children("ssl"))
    for directive in server.children("listen"):
        if not directive.args:
            continue
        spec = directive.args[0]
        if spec.startswith("unix:"):
            continue
        address, _, port_text = spec.rpartition(":") if not spec.isdigit() else ("", "", spec)
        if not port_text.isdigit():  # "listen 10.0.0.1;" or "listen localhost;"
            address, port_text = spec, str(HTTP_DEFAULT_PORT)
        flags = directive.args[1:]
        found.append(Listen(int(port_text), address.strip("[]") or None,
                            "ssl" in flags or ssl_on, "udp" in flags))
    if not found and not stream:
        found.append(Listen(HTTP_DEFAULT_PORT, None, ssl_on))
    return found


def is_loopback(host: str) -> bool:
    """Whether an address or host name is the host's (or container's, or pod's) own."""
    return host.strip("[]").lower() in {"localhost", "::1", "ip6-localhost"} or \
        host.startswith("127.")


def listen_reaches_out(listen: Listen) -> bool:
    """Whether a listen address accepts connections from outside the host (or container)."""
    if listen.address in (None, "*", "0.0.0.0", "::"):
        return True
    return not is_loopback(str(listen.address))


def _latest(chain: tuple[Directive, ...], name: str) -> Directive | None:
    """The innermost setting of name along chain (http, server, location...): nginx's own
    inheritance, where a level that sets it replaces what the outer levels set."""
    for block in reversed(chain):
        found = block.children(name)
        if found:
            return found[-1]
    return None


def _access_rules(chain: tuple[Directive, ...]) -> list[Directive]:
    """allow/deny of the innermost level that has any: they are not merged across levels."""
    for block in reversed(chain):
        rules = [child for child in block.block or [] if child.name in ACCESS_RULES]
        if rules:
            return rules
    return []


def _allow_list(rules: list[Directive]) -> Any:
    """True when the rules admit only chosen addresses, False when anyone gets through,
    None when there are no rules."""
    if not rules:
        return None
    for rule in rules:
        source = rule.args[0] if rule.args else ""
        if rule.name == "deny" and source == "all":
            return True
        if rule.name == "allow" and (source == "all" or source_scope(source) == "internet"):
            return False
    return False  # no deny all: whoever no rule names is let through


def allowed_sources(chain: tuple[Directive, ...]) -> list[str] | None:
    """The sources an allow-list lets in when it denies everything else; None otherwise."""
    rules = _access_rules(chain)
    if _allow_list(rules) is not True:
        return None
    found: list[str] = []
    for rule in rules:
        if rule.name == "deny" and rule.args[:1] == ["all"]:
            return found
        if rule.name == "allow" and rule.args:
            found.append(rule.args[0])
    return found


def _enabled(directive: Directive | None) -> Any:
    if directive is None or not directive.args or directive.args[0] == "off":
        return False
    if "$" in directive.args[0] and directive.name == "auth_basic":
        return Unknown(f"auth_basic {directive.args[0]} depends on a variable "
                       f"({directive.file}:{directive.line})")
    return True


def protection(chain: tuple[Directive, ...]) -> tuple[Any, str]:
    """Whether the proxy stops a stranger on the internet at the innermost block of chain,
    and a phrase saying how or why not."""
    password = _enabled(_latest(chain, "auth_basic"))
    subrequest = _enabled(_latest(chain, "auth_request"))
    certificate = _latest(chain, "ssl_verify_client")
    allow_list = _allow_list(_access_rules(chain))
    satisfy = _latest(chain, "satisfy")
    any_of = satisfy is not None and satisfy.args[:1] == ["any"]
    signs_in = password is True or subrequest is True
    if certificate is not None and certificate.args[:1] == ["on"]:
        return True, "ssl_verify_client on"
    if any_of and allow_list is False:
        return False, "satisfy any with an allow rule that admits everyone"
    if signs_in:
        return True, "auth_basic" if password is True else "auth_request"
    if allow_list is True:
        return True, "an allow-list that denies everything else"
    unknown = next((value for value in (password, subrequest) if is_unknown(value)), None)
    if unknown is not None:
        return unknown, unknown.reason
    unread = next((child for block in chain for child in block.block or []
                   if child.name == "include"), None)
    if unread is not None:
        reason = (f"include {' '.join(unread.args)} ({unread.file}:{unread.line}) is not "
                  "read and may require authentication")
        return Unknown(reason), reason
    return False, "no auth_basic, auth_request, allow-list or client certificate"


def _upstreams(context: Directive | list[Directive]) -> dict[str, list[tuple[str, int | None]]]:
    directives = context.block or [] if isinstance(context, Directive) else context
    found: dict[str, list[tuple[str, int | None]]] = {}
    for upstream in directives:
        if upstream.name != "upstream" or not upstream.args or upstream.block is None:
            continue
        members: list[tuple[str, int | None]] = []
        for server in upstream.children("server"):
            if server.args and "backup" not in server.args[1:]:
                host, _, port = server.args[0].rpartition(":")
                members.append((host, int(port)) if port.isdigit() and host
                               else (server.args[0], None))
        found[upstream.args[0]] = members
    return found


def _without_uri_variables(target: str) -> str:
    """target without a trailing variable that only carries the request's path or query
    (`http://authelia$request_uri`): the host before it is what nginx connects to."""
    match = _URI_VARIABLE.search(target)
    return target[:match.start()] if match and "$" not in target[:match.start()] else target


def _backends(target: str, upstreams: dict[str, list[tuple[str, int | None]]], stream: bool
              ) -> tuple[list[tuple[str, int]], list[str]]:
    """(host, port) pairs a proxy_pass reaches, and why some cannot be known."""
    target = _without_uri_variables(target)
    if "$" in target:
        return [], [f"proxy_pass {target} depends on a variable"]
    match = _TARGET.match(target)
    if not match:
        return [], [f"proxy_pass {target} names no host"]
    scheme, host = (match.group("scheme") or "").lower(), match.group("host")
    default = 443 if scheme == "https" else HTTP_DEFAULT_PORT
    if match.group("port") is None and host in upstreams:
        members = upstreams[host]
        known = [(name, port if port is not None else default) for name, port in members
                 if not stream or port is not None]
        return known, [] if known else [f"upstream {host} has no server dicomguard can read"]
    if match.group("port") is None and stream:
        return [], [f"proxy_pass {target} names no port"]
    return [(host, int(match.group("port") or default))], []


def routes(directives: list[Directive]) -> list[Route]:
    """Every proxy_pass of the http and stream contexts of a configuration."""
    found: list[Route] = []
    top_upstreams = _upstreams(directives)
    for context in directives:
        if context.name not in {"http", "stream"} or context.block is None:
            continue
        stream = context.name == "stream"
        upstreams = {**top_upstreams, **_upstreams(context)}
        for server in context.children("server"):
            listens = _listens(server, stream)
            found.extend(_server_routes(server, (context, server), listens, upstreams, stream,
                                        ""))
    return found


def _server_routes(block: Directive, chain: tuple[Directive, ...], listens: list[Listen],
                   upstreams: dict[str, list[tuple[str, int | None]]], stream: bool,
                   location: str) -> list[Route]:
    found: list[Route] = []
    for child in block.block or []:
        if child.name == "proxy_pass" and child.args:
            backends, unknown = _backends(child.args[0], upstreams, stream)
            protected, how = protection(chain)
            at = chain[-1] if chain[-1].name == "location" else child
            found.append(Route(stream, listens, location, child.args[0], backends, protected,
                               how, at, child, unknown, allowed_sources(chain)))
        elif child.name == "location" and child.block is not None:
            match = " ".join(child.args)
            found.extend(_server_routes(child, (*chain, child), listens, upstreams, stream,
                                        match))
        elif child.name == "if" and child.block is not None:
            found.extend(_server_routes(child, chain, listens, upstreams, stream, location))
    return found
