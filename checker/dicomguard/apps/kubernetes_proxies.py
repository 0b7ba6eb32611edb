"""nginx and Caddy pods of a Kubernetes file in front of its Services: the configuration a
ConfigMap of the same file mounts into /etc/nginx or /etc/caddy (whole, by `items`, or one key
by `subPath`), and a fact for every hop from the reach the pod's Services and Ingresses give it
to an image service a Service of the file selects. A `proxy_pass` names a Service (`orthanc`,
`orthanc.pacs`, `orthanc.pacs.svc.cluster.local`) and one of its ports.

Inside the cluster every pod reaches every other: a hop is only reported when the proxy is
reached from further away than that (a LoadBalancer, an Ingress, a NodePort)."""

from __future__ import annotations

import posixpath
from functools import partial
from pathlib import Path
from typing import Any

from dicomguard.apps.caddy_placed import PREFIX as CADDY_PREFIX
from dicomguard.apps.caddy_placed import Placed
from dicomguard.apps.caddy_proxies import caddy_routes, is_caddy
from dicomguard.apps.containers import Container, ports_of_catalogue
from dicomguard.apps.located import dig
from dicomguard.apps.nginx import Included, parse
from dicomguard.apps.nginx_placed import CONF_D, IMAGE_MAIN, MAIN, PREFIX, resolve_mounted
from dicomguard.apps.nginx_routes import Route, is_loopback
from dicomguard.apps.proxy_hops import Backend, Configuration, hop_facts, proxy_routes
from dicomguard.knowledge.images import runs_nginx
from dicomguard.model import CollectResult
from dicomguard.records import record, replace

CLUSTER_SUFFIX = ".svc.cluster.local"


@record
class Running:
    """A container of a workload, with the service facts of what it serves."""

    container: Container
    services: list[dict[str, Any]]
    spec: dict[str, Any]
    pod: dict[str, Any]
    resource: Any  # kubernetes.Resource
    labels: dict[str, Any]


@record(frozen=True)
class MountedText:
    """A ConfigMap key mounted at path, or (text None) a volume not in the file."""

    path: str
    what: str
    text: str | None = None
    offset: int = 0


def _mounted(running: Running, stores: dict[tuple[str, str, str], Any], prefix: str = PREFIX
             ) -> list[MountedText]:
    volumes = {volume.get("name"): volume for volume in running.pod.get("volumes") or []
               if isinstance(volume, dict)}
    found: list[MountedText] = []
    for mount in running.spec.get("volumeMounts") or []:
        if not isinstance(mount, dict) or not str(mount.get("mountPath", "")).startswith(
                prefix):
            continue
        target = posixpath.normpath(str(mount["mountPath"]))
        volume = volumes.get(mount.get("name")) or {}
        name = dig(volume, "configMap", "name")
        config_map = stores.get(("ConfigMap", running.resource.namespace, str(name)))
        if config_map is None:
            found.append(MountedText(target, f"volume {mount.get('name')!r}"))
            continue
        data = config_map.body.get("data") or {}
        items = dig(volume, "configMap", "items")
        paths = {str(item.get("key")): str(item.get("path")) for item in items
                 if isinstance(item, dict)} if isinstance(items, list) else {
            str(key): str(key) for key in data}
        sub_path = mount.get("subPath")
        for key, relative in paths.items():
            text = data.get(key)
            if not isinstance(text, str):
                continue
            if isinstance(sub_path, str) and sub_path:
                if sub_path != relative:
                    continue
                path = target
            else:
                path = posixpath.join(target, relative)
            found.append(MountedText(path, f"{config_map.address()} {key}", text,
                                     config_map.line("data", key)))
    return found


class MountedResolver:
    """Resolves include patterns to ConfigMap keys mounted into the container."""

    def __init__(self, mounted: list[MountedText], file: str) -> None:
        self.mounted = mounted
        self.file = file

    def __call__(self, pattern: str, including: Path) -> Included:
        return resolve_mounted(pattern, ((item.path, item.what, item) for item in self.mounted),
                               self._collect)

    def _collect(self, item: MountedText, below: str, found: Included) -> bool:
        if item.text is None:
            return False
        if not below:
            found.texts.append((self.file, item.text, item.offset))
        return True


def _configuration(mounted: list[MountedText], file: str) -> Configuration | None:
    resolver = MountedResolver(mounted, file)
    main = [item for item in mounted if item.path == MAIN]
    if main:
        if main[-1].text is None:
            return [], [(file, 0, f"{main[-1].what} mounted at {MAIN} is not in this file; "
                                  "its proxies are not known")]
        return parse(main[-1].text, file, None, resolver, main[-1].offset)
    if not any(item.path.startswith(CONF_D) for item in mounted):
        return None
    return parse(IMAGE_MAIN, f"the image's {MAIN}", Path(MAIN), resolver)


def _service_of(host: str, namespace: str) -> tuple[str, str]:
    """(namespace, name) of the Service a host name reaches from namespace."""
    name = host.removesuffix(CLUSTER_SUFFIX).removesuffix(".svc")
    service, _, rest = name.partition(".")
    return rest or namespace, service


def _targets(route: Route, services: dict[tuple[str, str], Any], running: list[Running],
             namespace: str, proxy: Running | None) -> tuple[Route, dict[str, Backend]]:
    """The route with each Service port replaced by the container port it reaches, and the
    containers behind it by host name; the loopback reaches the other containers of the
    proxy's own pod (when the proxy is one of the file's containers)."""
    from dicomguard.apps.kubernetes import _selects, _target_ports

    backends: dict[str, Backend] = {}
    reached: list[tuple[str, int]] = []
    for host, port in route.backends:
        if is_loopback(host) and proxy is not None:
            reached.append((host, port))
            backends[host] = Backend(host, [fact for item in running
                                            if item.pod is proxy.pod and item is not proxy
                                            for fact in item.services])
            continue
        service = services.get(_service_of(host, namespace))
        if service is None:
            continue
        selected = [item for item in running
                    if _selects(service, item.labels, item.resource.namespace)]
        # a targetPort given by name is the port of that name in each selected container
        targets = {target for item in selected
                   for target in _target_ports(service, item.spec, {port})}
        reached += [(host, target) for target in sorted(targets)]
        if targets:
            backends[host] = Backend(host, [fact for item in selected
                                            for fact in item.services])
    return replace(route, backends=reached), backends


def proxy_facts(running: list[Running], resources: list[Any],
                stores: dict[tuple[str, str, str], Any], file: str,
                catalogue: list[dict[str, Any]]) -> CollectResult:
    """Hop facts of every nginx and Caddy container of one file."""
    result = CollectResult()
    services = {(item.namespace, item.name): item for item in resources
                if item.kind == "Service"}
    catalogue_ports = ports_of_catalogue(catalogue)
    for item in running:
        image = item.container.image
        if is_caddy(item.container):
            found = caddy_routes(item.container, _caddy_placed(
                _mounted(item, stores, CADDY_PREFIX), file), [], result)
        elif isinstance(image, str) and runs_nginx(image):
            load = partial(_configuration, _mounted(item, stores), file)
            found = proxy_routes(item.container, load, result)
        else:
            continue
        for route in found:
            add_hops(item.container, route, services, running, item.resource.namespace,
                     catalogue_ports, result, item)
    from dicomguard.apps.traefik_kubernetes import traefik_facts

    traefik_facts(running, resources, services, file, catalogue_ports, result)
    return result


def add_hops(proxy: Container, route: Route, services: dict[tuple[str, str], Any],
             running: list[Running], namespace: str, catalogue_ports: set[int],
             result: CollectResult, proxy_running: Running | None = None) -> None:
    """The hop facts of a route whose backends are (Service host, Service port), or the
    loopback of the proxy's own pod, for a proxy reached from further away than the cluster
    network."""
    targeted, backends = _targets(route, services, running, namespace, proxy_running)
    ingress_facts, service_facts = hop_facts(proxy, [targeted], backends, catalogue_ports)
    result.facts.ingress.extend(fact for fact in ingress_facts
                                if fact["peers"] and not _inside(fact))
    result.facts.services.extend(fact for fact in service_facts
                                 if fact["reach"] != "network")


def _caddy_placed(mounted: list[MountedText], file: str) -> list[Placed]:
    return [Placed(item.path, item.what, text=item.text, shown=file, offset=item.offset)
            if item.text is not None else Placed(item.path, item.what) for item in mounted]


def _inside(fact: dict[str, Any]) -> bool:
    """An opening only the cluster's own network has."""
    return all(peer.get("tag") == "the proxy's network" for peer in fact["peers"])
