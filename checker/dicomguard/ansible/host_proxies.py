"""nginx that a play renders onto a host (`template` / `copy` to /etc/nginx/nginx.conf,
conf.d/*.conf, sites-enabled/* or sites-available/*) in front of an Orthanc the same play runs
on that host (a configuration rendered to /etc/orthanc, or a container it starts). A
`proxy_pass` to 127.0.0.1, localhost or ::1 reaches that Orthanc; the proxy's listen ports get
the host's reach from the firewall the play configures (host_reach), and every hop becomes a
fact at the template line to change, naming the way in, e.g.
"internet -> nginx:443 /orthanc/ -> orthanc:8042 (AuthenticationEnabled false)".
"""

from __future__ import annotations

import copy
import fnmatch
import posixpath
from pathlib import Path
from typing import Any

from dicomguard.ansible.evaluate import TaskRun
from dicomguard.ansible.host_reach import HostFirewalls, HostKey, host_key
from dicomguard.apps.containers import Container, PublishedPort, bind_reach
from dicomguard.apps.nginx import Directive, Included, parse
from dicomguard.apps.nginx_routes import Route, is_loopback
from dicomguard.apps.proxy_hops import Backend, http_hops, proxy_routes
from dicomguard.facts import fact_id, widest_reach
from dicomguard.model import CollectResult, Origin, is_unknown
from dicomguard.records import field, record

PREFIX = "/etc/nginx"
MAIN = "/etc/nginx/nginx.conf"
CONFIG_PATTERNS = (MAIN, "/etc/nginx/conf.d/*.conf", "/etc/nginx/sites-enabled/*",
                   "/etc/nginx/sites-available/*")
# Debian's and Red Hat's own nginx.conf: server blocks come from these directories.
HOST_MAIN = ("http {\n  include /etc/nginx/conf.d/*.conf;\n"
             "  include /etc/nginx/sites-enabled/*;\n}\n")
# Files the nginx package brings, which set no proxy and let no one in.
PACKAGE_FILES = frozenset({"mime.types", "fastcgi_params", "fastcgi.conf", "proxy_params",
                           "scgi_params", "uwsgi_params", "koi-utf", "koi-win", "win-utf",
                           "snakeoil.conf", "options-ssl-nginx.conf"})
BACKEND_NAME = "orthanc"


def is_nginx_config(dest: str) -> bool:
    path = posixpath.normpath(dest)
    return any(fnmatch.fnmatchcase(path, pattern) for pattern in CONFIG_PATTERNS)


@record
class _Deployed:
    dest: str
    shown: str
    text: str
    run: TaskRun


@record
class _Host:
    configs: dict[str, _Deployed] = field(default_factory=dict)  # dest -> the last deployed
    # Services of what runs on the host, with the host port of each service port.
    services: list[tuple[list[dict[str, Any]], dict[int, int]]] = field(default_factory=list)


class HostProxies:
    """nginx configurations and Orthanc services deployed to each host."""

    def __init__(self, firewalls: HostFirewalls) -> None:
        self.firewalls = firewalls
        self.hosts: dict[HostKey, _Host] = {}

    def nginx(self, run: TaskRun, dest: str, text: str, shown: str) -> None:
        path = posixpath.normpath(dest)
        deployed = _Deployed(path, shown, text, run)
        self.hosts.setdefault(host_key(run), _Host()).configs[path] = deployed

    def orthanc(self, run: TaskRun, services: list[dict[str, Any]]) -> None:
        """Orthanc running on the host itself: its ports are the host's."""
        self.hosts.setdefault(host_key(run), _Host()).services.append((services, {}))

    def container(self, run: TaskRun, services: list[dict[str, Any]],
                  ports: list[PublishedPort], host_network: bool) -> None:
        """A container on the host: what the host's loopback reaches of it."""
        mapping: dict[int, int] = {}
        for published in ports:
            if (is_unknown(published.container_port) or is_unknown(published.host_ports)
                    or bind_reach(published.host_ip) not in {"local", "internet"}):
                continue
            low, high = published.host_ports
            for offset in range(min(high - low + 1, 64)):
                mapping[low + offset] = int(published.container_port) + offset
        if host_network or mapping:
            self.hosts.setdefault(host_key(run), _Host()).services.append(
                (services, {} if host_network else mapping))

    def narrow(self, run: TaskRun, fact: dict[str, Any]) -> None:
        """A service listening on every interface of the host reaches whom the host firewall
        lets in, when the play configures one."""
        host = host_key(run)
        if not self.firewalls.known(host) or fact.get("reach") != "network":
            return
        for item in fact["listeners"]:
            if isinstance(item["port"], int) and item["reach"] == "network":
                item["reach"] = self.firewalls.reach(host, item["port"])
        ports = [item["port"] for item in fact["listeners"] if isinstance(item["port"], int)]
        if ports:
            fact["reach"] = widest_reach(self.firewalls.reach(host, port) for port in ports)

    def facts(self, result: CollectResult) -> list[tuple[dict[str, Any], TaskRun]]:
        """(service fact, the task that deployed its nginx configuration) of every hop from a
        host's nginx to the Orthanc on that host; bad syntax and unread includes go to
        result."""
        found = []
        for host, deployed in self.hosts.items():
            if deployed.configs and deployed.services:
                found.extend(self._host_facts(host, deployed, result))
        return found

    def _host_facts(self, host: HostKey, deployed: _Host, result: CollectResult
                    ) -> list[tuple[dict[str, Any], TaskRun]]:
        main = deployed.configs.get(MAIN)
        first = main or next(iter(deployed.configs.values()))
        proxy = Container(image="nginx", environment={}, platform="ansible",
                          origin=Origin(first.shown, 1, 1, "nginx", first.shown))

        def load() -> tuple[list[Directive], list[tuple[str, int, str]]]:
            resolver = _Resolver(deployed.configs)
            if main is not None:
                return parse(main.text, main.shown, Path(MAIN), resolver)
            return parse(HOST_MAIN, f"the host's {MAIN}", Path(MAIN), resolver)

        found_routes = proxy_routes(proxy, load, result)
        for route in found_routes:
            for listen in route.listens:
                proxy.port_reach[listen.port] = self.firewalls.reach(host, listen.port)
        backends = self._backends(deployed, found_routes)
        found = []
        for route in found_routes:
            if route.stream:
                continue
            for fact in http_hops(proxy, route, backends):
                run = _deploying_run(deployed, route)
                _name_host(fact, run, host[1])
                found.append((fact, run))
        return found

    @staticmethod
    def _backends(deployed: _Host, found_routes: list[Route]) -> dict[str, Backend]:
        services = []
        for facts, mapping in deployed.services:
            for fact in facts:
                services.append(_on_host_ports(fact, mapping) if mapping else fact)
        names = {host for route in found_routes for host, _ in route.backends
                 if is_loopback(host)}
        return {name: Backend(BACKEND_NAME, services) for name in names}


class _Resolver:
    """Includes resolved to the configurations the play deploys; the nginx package's own
    files are left unread, any other file is named as not read."""

    def __init__(self, configs: dict[str, _Deployed]) -> None:
        self.configs = configs

    def __call__(self, pattern: str, including: Path) -> Included:
        wanted = posixpath.normpath(posixpath.join(PREFIX, pattern))
        enabled = wanted.replace("/sites-enabled/", "/sites-available/")
        found = Included()
        matched = {dest: item for dest, item in sorted(self.configs.items())
                   if fnmatch.fnmatchcase(dest, wanted) or fnmatch.fnmatchcase(dest, enabled)}
        if wanted.startswith(PREFIX + "/sites-enabled/"):
            # A site deployed to both directories (then linked) is read once.
            names: dict[str, _Deployed] = {}
            for dest, item in matched.items():
                names.setdefault(posixpath.basename(dest), item)
            matched = {item.dest: item for item in names.values()}
        found.texts.extend((item.shown, item.text, 0) for item in matched.values())
        if not matched and not any(char in wanted for char in "*?[") \
                and posixpath.basename(wanted) not in PACKAGE_FILES:
            found.unreadable = f"include {pattern}: not deployed by the play; not read"
        return found


def _on_host_ports(fact: dict[str, Any], mapping: dict[int, int]) -> dict[str, Any]:
    """A container's service fact with each port the host publishes at its host port."""
    by_container_port = {inside: outside for outside, inside in mapping.items()}
    moved = copy.deepcopy(fact)
    moved["listeners"] = [{**item, "port": by_container_port[item["port"]]}
                          for item in fact["listeners"] if item["port"] in by_container_port]
    return moved


def _deploying_run(deployed: _Host, route: Route) -> TaskRun:
    for item in deployed.configs.values():
        if item.shown == route.at.file:
            return item.run
    return next(iter(deployed.configs.values())).run


def _name_host(fact: dict[str, Any], run: TaskRun, host: str) -> None:
    """The task and the host in the hop's address: 'task: nginx on host pacs location /'."""
    origin = fact["origin"]
    where = origin["address"].removeprefix("nginx")
    on = f"nginx on host {host}" if host else "nginx"
    renamed = Origin(origin["file"], origin["line"], origin["end_line"],
                     f"{run.origin.address}: {on}{where}")
    suffix = str(fact["id"]).partition("#")[2]
    fact["origin"] = renamed.to_json()
    fact["id"] = fact_id(renamed, suffix)
    fact["unknown"] = [*fact.get("unknown", []), *run.notes]
