"""What a Caddyfile forwards, and who it lets through: every `reverse_proxy` of every site, with
the ports the site's addresses listen on, whether Caddy serves them with TLS, the upstreams it
names, and whether Caddy itself stops strangers first.

Caddy runs a site's directives in its fixed directive order (basic_auth and forward_auth before
handle / handle_path / route, abort / error / respond before reverse_proxy), except inside a
`route` block, which keeps the order written. handle and handle_path blocks of one level are
exclusive: a request one takes never reaches a later one. So a reverse_proxy is protected when
an authentication directive ahead of it takes in every request a stranger can send to its path,
when a terminal directive (abort, error, respond, redir) or an earlier handle ahead of it takes
every stranger away, when the matchers that lead to it admit only non-public sources
(remote_ip / client_ip), or when the site's TLS requires a verified client certificate.

A host-name address (`pacs.example.org`, `https://...`) is served with HTTPS on 443 (or its
port) with a certificate Caddy obtains itself; port 80 then only redirects to HTTPS, so the route
is not reached in clear text. `:80`, `http://` and a port-only address without a `tls` directive
serve HTTP.
"""

from __future__ import annotations

import re
from typing import Any

from dicomguard.apps.caddy_matchers import (
    Matcher,
    describe,
    is_matcher_token,
    matcher_of,
    named_matchers,
    private_only,
    takes_every_stranger,
)
from dicomguard.apps.caddyfile import Caddyfile, Site
from dicomguard.apps.nginx import Directive
from dicomguard.apps.nginx_routes import Listen, Route
from dicomguard.model import Unknown
from dicomguard.records import field, record

HTTP_PORT, HTTPS_PORT = 80, 443
AUTHENTICATION = frozenset({"basicauth", "basic_auth", "forward_auth", "authorize",
                            "authenticate"})
TERMINAL = frozenset({"abort", "error", "respond", "redir"})
EXCLUSIVE = frozenset({"handle", "handle_path"})
# Caddy's default directive order, as far as it decides who reaches a reverse_proxy.
ORDER = ("redir", "basicauth", "basic_auth", "authenticate", "authorize", "forward_auth",
         "handle", "handle_path", "route", "abort", "error", "respond", "reverse_proxy")
_ADDRESS = re.compile(r"^(?:(?P<scheme>[a-z0-9+]+)://)?(?P<host>\[[^\]]*\]|[^:/]*)"
                      r"(?::(?P<port>[^/]*))?(?P<path>/.*)?$", re.IGNORECASE)
_UPSTREAM = re.compile(r"^(?:(?P<scheme>[a-z0-9+]+)://)?(?P<host>\[[^\]]+\]|[^:/]+)"
                       r"(?::(?P<port>[^/]+))?", re.IGNORECASE)


@record
class _Settings:
    http_port: int = HTTP_PORT
    https_port: int = HTTPS_PORT
    automatic_https: bool = True
    bind: list[str] = field(default_factory=list)


@record
class _Ahead:
    """What a request meets before a directive: matchers that lead to it, authentication and
    terminal directives (and earlier exclusive handles) ahead of it."""

    leading: list[tuple[Matcher, Directive]] = field(default_factory=list)
    authentication: list[tuple[Matcher, Directive]] = field(default_factory=list)
    taken: list[tuple[Matcher, Directive]] = field(default_factory=list)
    unread: list[Directive] = field(default_factory=list)  # imports not read

    def copy(self) -> _Ahead:
        return _Ahead(list(self.leading), list(self.authentication), list(self.taken),
                      list(self.unread))


def _settings(options: list[Directive]) -> _Settings:
    found = _Settings()
    for option in options:
        value = option.args[0] if option.args else ""
        if option.name == "http_port" and value.isdigit():
            found.http_port = int(value)
        elif option.name == "https_port" and value.isdigit():
            found.https_port = int(value)
        elif option.name == "auto_https" and value == "off":
            found.automatic_https = False
        elif option.name == "default_bind":
            found.bind = list(option.args)
    return found


def _listens(site: Site, settings: _Settings) -> tuple[list[Listen], list[str]]:
    """The ports a site's addresses listen on, with TLS or not, and what cannot be known."""
    binds = [child.args for child in site.directives if child.name == "bind"]
    addresses: list[str | None] = [address for args in binds for address in args] or [
        *settings.bind] or [None]
    has_tls = any(child.name == "tls" for child in site.directives)
    found: list[Listen] = []
    unknown: list[str] = []
    for written in site.addresses:
        if "{" in written:
            unknown.append(f"site address {written} is not known")
            found.extend([Listen(settings.http_port, None, None),
                          Listen(settings.https_port, None, None)])
            continue
        match = _ADDRESS.match(written)
        if match is None:
            continue
        scheme, host = (match.group("scheme") or "").lower(), match.group("host")
        port_text = match.group("port") or ""
        if port_text and not port_text.isdigit():
            unknown.append(f"site address {written} has a port that is not known")
            continue
        if port_text:
            port = int(port_text)
        else:
            port = settings.http_port if scheme == "http" or (
                not host and not has_tls) else settings.https_port
        encrypted = scheme == "https" or (scheme != "http" and port != settings.http_port and (
            has_tls or (bool(host) and settings.automatic_https)))
        for bound in addresses:
            listen = Listen(port, bound, encrypted)
            if listen not in found:
                found.append(listen)
    return found, unknown


def _site_path(site: Site) -> tuple[str, ...]:
    paths = [match.group("path") for address in site.addresses
             if (match := _ADDRESS.match(address)) is not None and match.group("path")]
    return tuple(paths)


def _client_certificates(site: Site) -> bool:
    """tls { client_auth { mode require_and_verify } } (the mode Caddy takes when trusted CAs
    are given without one)."""
    for tls in (child for child in site.directives if child.name == "tls"):
        for client_auth in tls.children("client_auth"):
            modes = [line.args[:1] for line in client_auth.children("mode")]
            if ["require_and_verify"] in modes or (not modes and any(
                    line.name.startswith("trust") for line in client_auth.block or [])):
                return True
    return False


def _specificity(directive: Directive) -> tuple[int, int]:
    """Caddy sorts directives of one name by their path matcher, longest first, then those
    with another matcher, then those with none."""
    first = directive.args[0] if directive.args else ""
    if first.startswith("/"):
        return -len(first), 0
    return 0, 0 if is_matcher_token(first) and first != "*" else 1


def _ordered(block: list[Directive], literal: bool) -> list[Directive]:
    relevant = [item for item in block if item.name in ORDER or item.name == "import"]
    if literal:
        return relevant
    # handle_path sorts as handle, so that the two share one exclusive group.
    return sorted(relevant, key=lambda item: (
        ORDER.index("handle" if item.name == "handle_path" else item.name)
        if item.name in ORDER else 0, *_specificity(item)))


def _upstreams(directive: Directive, words: list[str]) -> tuple[list[tuple[str, int]],
                                                                list[str]]:
    targets = list(words) + [word for line in directive.children("to") for word in line.args]
    found: list[tuple[str, int]] = []
    unknown: list[str] = []
    for target in targets:
        if "{" in target:
            unknown.append(f"reverse_proxy upstream {target} is not known")
            continue
        match = _UPSTREAM.match(target)
        if match is None or target.startswith(("unix/", "localhost", "127.")):
            continue
        scheme, port = (match.group("scheme") or "").lower(), match.group("port")
        if port is not None and not port.isdigit():
            unknown.append(f"reverse_proxy upstream {target} has a port that is not known")
            continue
        default = HTTPS_PORT if scheme == "https" else HTTP_PORT
        found.append((match.group("host").strip("[]"), int(port) if port else default))
    if not targets and directive.children("dynamic"):
        unknown.append("reverse_proxy finds its upstreams dynamically")
    return found, unknown


def _paths(leading: list[tuple[Matcher, Directive]], site_path: tuple[str, ...]
           ) -> tuple[str, ...]:
    """The paths a proxy serves: the innermost path matcher that leads to it (a handle_path
    prefix joined to the path matchers inside it)."""
    paths = site_path
    stripped = ""
    for matcher, directive in leading:
        for condition in matcher:
            if condition.kind == "path" and not condition.negated:
                paths = tuple(stripped + value for value in condition.values)
        if directive.name == "handle_path" and paths:
            stripped = paths[0].rstrip("*").rstrip("/")
    return paths


def _protection(ahead: _Ahead, paths: tuple[str, ...], site: Site) -> tuple[Any, str,
                                                                            list[str] | None]:
    """Whether Caddy stops a stranger before the proxy, how (or why not), and the sources an
    allow-list admits."""
    if _client_certificates(site):
        return True, "tls client_auth requires a verified client certificate", None
    for matcher, directive in ahead.leading:
        restricting = [condition for condition in matcher if private_only(condition)]
        if restricting:
            sources = [value for condition in restricting for value in condition.values]
            return True, f"only {', '.join(sources)} reach it ({describe(directive)})", \
                sources
    for matcher, directive in ahead.taken:
        if takes_every_stranger(matcher, paths):
            return True, f"{describe(directive)} turns strangers away first", None
    for matcher, directive in ahead.authentication:
        if takes_every_stranger(matcher, paths):
            return True, directive.name, None
    if ahead.unread:
        reason = (f"import {' '.join(ahead.unread[0].args)} ({ahead.unread[0].file}:"
                  f"{ahead.unread[0].line}) is not read and may require authentication")
        return Unknown(reason), reason, None
    partial = [describe(directive) for _, directive in ahead.authentication]
    if partial:
        return False, f"{'; '.join(partial)} does not cover this path", None
    return False, "no basic_auth, forward_auth or remote_ip restriction", None


def _location(site: Site, paths: tuple[str, ...]) -> str:
    return f"{', '.join(site.addresses)} {' '.join(paths) or '/*'}"


def _walk(block: list[Directive], literal: bool, ahead: _Ahead, site: Site,
          named: dict[str, Matcher], context: tuple[list[Listen], list[str]],
          found: list[Route]) -> None:
    here = ahead.copy()
    for directive in _ordered(block, literal):
        matcher, words = matcher_of(directive, named)
        if directive.name == "import":
            here.unread.append(directive)
        elif directive.name in AUTHENTICATION:
            here.authentication.append((matcher, directive))
        elif directive.name in TERMINAL:
            here.taken.append((matcher, directive))
        elif directive.name in EXCLUSIVE or directive.name == "route":
            inner = here.copy()
            inner.leading.append((matcher, directive))
            _walk(directive.block or [], directive.name == "route", inner, site, named,
                  context, found)
            if directive.name in EXCLUSIVE:
                here.taken.append((matcher, directive))
        elif directive.name == "reverse_proxy":
            found.append(_route(directive, matcher, words, here, site, context))
            here.taken.append((matcher, directive))


def _route(directive: Directive, matcher: Matcher, words: list[str], ahead: _Ahead, site: Site,
           context: tuple[list[Listen], list[str]]) -> Route:
    leading = [*ahead.leading, (matcher, directive)]
    paths = _paths(leading, _site_path(site))
    backends, unknown = _upstreams(directive, words)
    protected, how, allowed = _protection(_Ahead(leading, ahead.authentication, ahead.taken,
                                                 ahead.unread), paths, site)
    at = next((item for _, item in reversed(ahead.leading)), directive)
    listens, address_unknown = context
    location = _location(site, paths)
    return Route(False, listens, location, " ".join(words), backends, protected, how, at,
                 directive, [*address_unknown, *unknown], allowed, platform="caddy",
                 where=location)


def routes(config: Caddyfile) -> list[Route]:
    """Every reverse_proxy of every site of a Caddyfile."""
    settings = _settings(config.options)
    found: list[Route] = []
    for site in config.sites:
        named = named_matchers(site.directives)
        listens, unknown = _listens(site, settings)
        _walk(site.directives, False, _Ahead(), site, named, (listens, unknown), found)
    return found
