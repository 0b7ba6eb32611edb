"""Kubernetes manifests: Services, Ingresses and gateways that expose PACS ports (LoadBalancer,
NodePort, externalIPs, hostPort, Ingress backends, Gateway API and Istio routes) and the
containers of PACS images behind them."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import Any

from dicomguard.apps.containers import Container, facts_for_container, ports_of_catalogue
from dicomguard.apps.located import STRUCTURE_ERRORS, Located, dig
from dicomguard.apps.placed_files import read_by_orthanc
from dicomguard.facts import ingress, peer, source_scope, widest_reach
from dicomguard.knowledge.clouds import INTERNAL_LOAD_BALANCER
from dicomguard.knowledge.images import orthanc_config_dirs
from dicomguard.model import CollectResult, InputError, Origin, ScanError, Unknown
from dicomguard.records import record

WORKLOAD_POD_SPEC = {
    "Deployment": ("spec", "template"), "StatefulSet": ("spec", "template"),
    "DaemonSet": ("spec", "template"), "ReplicaSet": ("spec", "template"),
    "Job": ("spec", "template"), "CronJob": ("spec", "jobTemplate", "spec", "template"),
    "Pod": (),
}
NODE_PORT_PATH = "a NodePort listens on every node's addresses; whether those face the " \
                 "internet is decided outside the manifest"
HOST_PORT_PATH = "a hostPort or hostNetwork pod listens on its node's addresses; whether " \
                 "those face the internet is decided outside the manifest"


@record
class Resource:
    kind: str
    body: dict[str, Any]
    located: Located
    path: tuple[Any, ...]  # where body sits inside located (a List's items)
    file: str = ""  # set on a resource read from another file than the one analysed

    @property
    def name(self) -> str:
        return str(dig(self.body, "metadata", "name") or "unnamed")

    @property
    def namespace(self) -> str:
        return str(dig(self.body, "metadata", "namespace") or "default")

    def line(self, *path: Any) -> int:
        return self.located.line(*self.path, *path)

    def address(self) -> str:
        return f"{self.kind}/{self.name}"


def _resources(documents: list[Located], file: str = "") -> list[Resource]:
    found: list[Resource] = []
    for located in documents:
        body = located.value
        if not isinstance(body, dict):
            continue
        if body.get("kind") == "List" and isinstance(body.get("items"), list):
            found.extend(Resource(str(item.get("kind")), item, located, ("items", index), file)
                         for index, item in enumerate(body["items"]) if isinstance(item, dict))
        elif isinstance(body.get("kind"), str):
            found.append(Resource(body["kind"], body, located, (), file))
    return found


def config_stores(documents: list[Located], file: str) -> list[Resource]:
    """The ConfigMaps and Secrets of a file, for the pods of other files that mount them."""
    return [resource for resource in _resources(documents, file)
            if resource.kind in {"ConfigMap", "Secret"}]



def _load_balancer_peers(service: Resource) -> tuple[list[dict[str, Any]], str]:
    annotations = dig(service.body, "metadata", "annotations") or {}
    if any(str(annotations.get(key, "")).lower() == value
           for key, value in INTERNAL_LOAD_BALANCER.items()):
        return [peer("the VPC (internal load balancer)", tag=True)], "network"
    ranges = dig(service.body, "spec", "loadBalancerSourceRanges")
    if isinstance(ranges, list) and ranges:
        peers = [peer(item) for item in ranges]
        scopes = {source_scope(item) for item in ranges}
        reach = "internet" if scopes & {"internet", "public"} else (
            "unknown" if "unknown" in scopes else "network")
        return peers, reach
    return [peer("0.0.0.0/0")], "internet"


def service_reach(service: Resource) -> str:
    """How far a Service is published: a load balancer's reach, unknown for a NodePort, the
    internet on externalIPs, else the cluster's network."""
    spec = service.body.get("spec") or {}
    if spec.get("type") == "LoadBalancer":
        return _load_balancer_peers(service)[1]
    if spec.get("type") == "NodePort":
        return "unknown"
    return "internet" if spec.get("externalIPs") else "network"


def _service_exposure(service: Resource, catalogue_ports: set[int], file: str,
                      named_ports: dict[str, int]) -> tuple[list[dict[str, Any]], str | None]:
    """Ingress facts of a Service and the reach it gives the pods it selects.
    named_ports resolves a targetPort given by name in the selected containers."""
    spec = service.body.get("spec") or {}
    service_type = spec.get("type") or "ClusterIP"
    external_ips = spec.get("externalIPs") or []
    if service_type not in {"LoadBalancer", "NodePort"} and not external_ips:
        return [], None
    if service_type == "LoadBalancer":
        peers, reach = _load_balancer_peers(service)
        path = "a cloud load balancer forwards to the Service"
    elif service_type == "NodePort":
        peers, reach = [peer(Unknown(NODE_PORT_PATH))], "unknown"
        path = NODE_PORT_PATH
    else:
        peers, reach = [peer("0.0.0.0")], "internet"
        path = "the Service answers on its externalIPs"
    facts = []
    for index, entry in enumerate(spec.get("ports") or []):
        if not isinstance(entry, dict):
            continue
        ports: list[Any] = []
        for key in ("port", "nodePort", "targetPort"):
            value = entry.get(key)
            if key == "targetPort" and isinstance(value, str):
                value = named_ports.get(value)
            if isinstance(value, int) and (key != "targetPort" or value in catalogue_ports):
                ports.append([value, value])
        if service_type == "NodePort" and "nodePort" not in entry:
            ports.append([30000, 32767])
        line = service.line("spec", "ports", index)
        facts.append(ingress(
            Origin(file, line, line, service.address()), platform="kubernetes",
            mechanism=f"Service type {service_type}", protocol=entry.get("protocol") or "tcp",
            ports=ports or [Unknown("the Service port is not a number")], peers=peers,
            path=path, suffix=f"port{index}"))
    return facts, reach


def _pod(resource: Resource) -> tuple[Resource, tuple[str, ...], dict[str, Any],
                                       dict[str, Any]] | None:
    """A workload's pod template: (resource, path to the template, labels, pod spec)."""
    if resource.kind not in WORKLOAD_POD_SPEC:
        return None
    template_path = WORKLOAD_POD_SPEC[resource.kind]
    template = dig(resource.body, *template_path) if template_path else resource.body
    pod = dig(template, "spec")
    if not isinstance(pod, dict):
        return None
    labels = dig(template, "metadata", "labels")
    return resource, template_path, labels if isinstance(labels, dict) else {}, pod


def _host_ports(container: dict[str, Any], resource: Resource, path: tuple[Any, ...],
                file: str) -> list[tuple[Any, dict[str, Any]]]:
    """(containerPort, ingress fact) for ports with a hostPort: open on the node's addresses."""
    facts = []
    for index, entry in enumerate(container.get("ports") or []):
        if not isinstance(entry, dict) or not isinstance(entry.get("hostPort"), int):
            continue
        line = resource.line(*path, "ports", index)
        fact = ingress(
            Origin(file, line, line, resource.address()), platform="kubernetes",
            mechanism="hostPort", protocol=entry.get("protocol") or "tcp",
            ports=[[entry["hostPort"], entry["hostPort"]]],
            peers=[peer(Unknown(HOST_PORT_PATH))], path=HOST_PORT_PATH,
            suffix="hostport:" + ".".join(str(step) for step in (*path, "ports", index)))
        facts.append((entry.get("containerPort"), fact))
    return facts


def _selects(service: Resource, labels: dict[str, Any], namespace: str) -> bool:
    selector = dig(service.body, "spec", "selector")
    return (isinstance(selector, dict) and bool(selector) and service.namespace == namespace
            and all(labels.get(key) == value for key, value in selector.items()))


def _target_ports(service: Resource, container: dict[str, Any],
                  only: set[Any] | None = None) -> list[int]:
    """Container ports a Service forwards to (only: the Service ports by number or name)."""
    named = {entry.get("name"): entry.get("containerPort")
             for entry in container.get("ports") or [] if isinstance(entry, dict)}
    targets = []
    for entry in dig(service.body, "spec", "ports") or []:
        if not isinstance(entry, dict):
            continue
        if only is not None and not only & {entry.get("port"), entry.get("name")}:
            continue
        target = entry.get("targetPort", entry.get("port"))
        target = named.get(target, target) if isinstance(target, str) else target
        if isinstance(target, int):
            targets.append(target)
    return targets


def _key_values(resource: Resource) -> dict[str, Any]:
    """The keys of a ConfigMap (data) or Secret (base64 data, plain stringData)."""
    values: dict[str, Any] = {}
    data = resource.body.get("data")
    for key, value in (data.items() if isinstance(data, dict) else ()):
        if resource.kind == "Secret":
            try:
                values[str(key)] = base64.b64decode(str(value), validate=True).decode("utf-8")
            except (ValueError, UnicodeDecodeError):
                values[str(key)] = Unknown(f"Secret {resource.name} key {key} is not readable")
        else:
            values[str(key)] = value
    string_data = resource.body.get("stringData")
    if resource.kind == "Secret" and isinstance(string_data, dict):
        values.update({str(key): value for key, value in string_data.items()})
    return values


@record
class Environment:
    values: dict[str, Any]
    lines: dict[str, int]
    unknown_sources: list[str]


def _environment(container: dict[str, Any], resource: Resource, path: tuple[Any, ...],
                 stores: dict[tuple[str, str, str], Resource]) -> Environment:
    """A container's variables: envFrom first, env over it, references resolved through
    ConfigMaps and Secrets of the file and those beside it."""
    found = Environment({}, {}, [])
    for index, source in enumerate(container.get("envFrom") or []):
        if not isinstance(source, dict):
            continue
        for kind, key in (("ConfigMap", "configMapRef"), ("Secret", "secretRef")):
            if isinstance(source.get(key), dict):
                store = stores.get((kind, resource.namespace, str(source[key].get("name"))))
                if store is None:
                    found.unknown_sources.append(
                        f"envFrom {kind} {source[key].get('name')}")
                    continue
                prefix = str(source.get("prefix") or "")
                for name, value in _key_values(store).items():
                    found.values[prefix + name] = value
                    found.lines[prefix + name] = resource.line(*path, "envFrom", index)
    for index, entry in enumerate(container.get("env") or []):
        if not isinstance(entry, dict) or "name" not in entry:
            continue
        name = str(entry["name"])
        if "value" in entry:
            found.values[name] = "" if entry["value"] is None else entry["value"]
        else:
            found.values[name] = _reference(entry.get("valueFrom"), resource, stores, name)
        found.lines[name] = resource.line(*path, "env", index)
    return found


def _reference(value_from: Any, resource: Resource,
               stores: dict[tuple[str, str, str], Resource], name: str) -> Any:
    for kind, key in (("ConfigMap", "configMapKeyRef"), ("Secret", "secretKeyRef")):
        reference = value_from.get(key) if isinstance(value_from, dict) else None
        if isinstance(reference, dict):
            store = stores.get((kind, resource.namespace, str(reference.get("name"))))
            if store is not None:
                values = _key_values(store)
                if str(reference.get("key")) in values:
                    return values[str(reference.get("key"))]
            return Unknown(f"{name} comes from {kind} {reference.get('name')}, not among the "
                           "scanned manifests of this directory")
    return Unknown(f"{name} comes from a reference resolved only in the cluster")


def _stores(resources: list[Resource]) -> dict[tuple[str, str, str], Resource]:
    """ConfigMaps and Secrets by (kind, namespace, name); a later one wins."""
    return {(item.kind, item.namespace, item.name): item for item in resources
            if item.kind in {"ConfigMap", "Secret"}}


def _mounted_orthanc(pod: dict[str, Any], container: dict[str, Any], resource: Resource,
                     stores: dict[tuple[str, str, str], Resource], file: str
                     ) -> tuple[list[tuple[Located, str]], list[str], list[ScanError]]:
    """Orthanc configs from ConfigMaps (of this file or one beside it) mounted where the
    container's image reads its configuration."""
    from dicomguard.apps import jsonc

    volumes = {volume.get("name"): volume for volume in pod.get("volumes") or []
               if isinstance(volume, dict)}
    found: list[tuple[Located, str]] = []
    unreadable: list[str] = []
    errors: list[ScanError] = []
    for mount in container.get("volumeMounts") or []:
        if not isinstance(mount, dict):
            continue
        target = str(mount.get("mountPath", ""))
        if not read_by_orthanc(target, list(orthanc_config_dirs(container.get("image")))):
            continue
        volume = volumes.get(mount.get("name")) or {}
        config_map = stores.get(("ConfigMap", resource.namespace,
                                 str(dig(volume, "configMap", "name"))))
        if config_map is None:
            unreadable.append(f"volume {mount.get('name')!r} mounted at {target}")
            continue
        for key, text in (config_map.body.get("data") or {}).items():
            if not str(key).endswith(".json") or not isinstance(text, str):
                continue
            offset = config_map.line("data", key)  # a block scalar starts on the next line
            written_in = config_map.file or file
            try:
                found.append((jsonc.loads(text).shifted(offset), written_in))
            except InputError as error:
                errors.append(ScanError(written_in, (error.line or 1) + offset, error.message))
    return found, unreadable, errors


@record
class Exposure:
    """Reach a Service (directly, or as an Ingress backend) gives the pods it selects."""

    service: Resource
    reach: str
    service_ports: set[Any] | None = None  # only these Service ports (number or name); None: all
    tls_fronted: bool = False  # the outside leg ends in TLS at an Ingress


def _named_ports(service: Resource, pods: list[Any]) -> dict[str, int]:
    """containerPort by name, in the containers a Service selects."""
    return {str(entry["name"]): entry["containerPort"]
            for workload, _, labels, pod in pods if _selects(service, labels, workload.namespace)
            for container in pod.get("containers") or [] if isinstance(container, dict)
            for entry in container.get("ports") or []
            if isinstance(entry, dict) and "name" in entry
            and isinstance(entry.get("containerPort"), int)}


def _ingress_backends(ingress_resource: Resource) -> list[tuple[str, Any]]:
    """(Service name, Service port number or name) of every backend of an Ingress."""
    spec = ingress_resource.body.get("spec") or {}
    backends = [spec.get("defaultBackend") or spec.get("backend")]
    for rule in spec.get("rules") or []:
        for path in dig(rule, "http", "paths") or []:
            if isinstance(path, dict):
                backends.append(path.get("backend"))
    found = []
    for backend in backends:
        if not isinstance(backend, dict):
            continue
        if isinstance(backend.get("service"), dict):  # networking.k8s.io/v1
            port = backend["service"].get("port") or {}
            found.append((str(backend["service"].get("name")),
                          port.get("number", port.get("name"))))
        elif "serviceName" in backend:  # extensions/v1beta1
            found.append((str(backend["serviceName"]), backend.get("servicePort")))
    return found


def _ingress_peers(ingress_resource: Resource) -> tuple[list[dict[str, Any]], str]:
    annotations = dig(ingress_resource.body, "metadata", "annotations") or {}
    if any(str(value).lower() == "internal" for key, value in annotations.items()
           if key.endswith(("/scheme", "/load-balancer-type"))):
        return [peer("the VPC (internal load balancer)", tag=True)], "network"
    allowed = annotations.get("nginx.ingress.kubernetes.io/whitelist-source-range") or \
        annotations.get("nginx.ingress.kubernetes.io/allowlist-source-range")
    if isinstance(allowed, str) and allowed.strip():
        ranges = [item.strip() for item in allowed.split(",") if item.strip()]
        scopes = {source_scope(item) for item in ranges}
        reach = "internet" if scopes & {"internet", "public"} else (
            "unknown" if "unknown" in scopes else "network")
        return [peer(item) for item in ranges], reach
    return [peer("0.0.0.0/0")], "internet"


def _ingress_exposures(ingress_resource: Resource, services: dict[tuple[str, str], Resource],
                       pods: list[Any], catalogue_ports: set[int], file: str
                       ) -> tuple[dict[str, Any], list[Exposure]]:
    peers, reach = _ingress_peers(ingress_resource)
    tls = bool(dig(ingress_resource.body, "spec", "tls"))
    exposures = []
    ports: list[Any] = [[443, 443]] if tls else [[80, 80], [443, 443]]
    for name, port in _ingress_backends(ingress_resource):
        service = services.get((ingress_resource.namespace, name))
        if service is None:
            continue
        exposures.append(Exposure(service, reach, {port}, tls))
        ports += [[target, target]
                  for target in _catalogue_targets(service, port, pods, catalogue_ports)]
    line = ingress_resource.line()
    fact = ingress(
        Origin(file, line, _end_line(ingress_resource), ingress_resource.address()),
        platform="kubernetes", mechanism="Ingress", protocol="tcp", ports=ports, peers=peers,
        path="an ingress controller forwards HTTP" + (" after TLS" if tls else "") +
             " to the Service", suffix="ingress")
    return fact, exposures


def _catalogue_targets(service: Resource, port: Any, pods: list[Any],
                       catalogue_ports: set[int]) -> list[int]:
    """Catalogue container ports a Service port (number or name; None: every port) reaches."""
    named = _named_ports(service, pods)
    targets = []
    for entry in dig(service.body, "spec", "ports") or []:
        if isinstance(entry, dict) and (port is None or port in (entry.get("port"),
                                                                 entry.get("name"))):
            target = entry.get("targetPort", entry.get("port"))
            target = named.get(target) if isinstance(target, str) else target
            if isinstance(target, int) and target in catalogue_ports:
                targets.append(target)
    return targets


def _gateway_exposures(resources: list[Resource], services: dict[tuple[str, str], Resource],
                       pods: list[Any], catalogue_ports: set[int], file: str,
                       result: CollectResult) -> list[Exposure]:
    """Services behind Gateway API and Istio gateways, and the listeners that publish them."""
    from dicomguard.apps.gateways import gateway_reach, listener_fact, routes_of

    exposures = []
    for route in routes_of(resources):
        for listener in route.listeners:
            reach, published = gateway_reach(listener.gateway, services)
            targets: list[int] = []
            for name, namespace, port in route.backends:
                service = services.get((namespace, name))
                if service is None:
                    continue
                exposures.append(Exposure(service, reach, None if port is None else {port},
                                          listener.tls_terminated))
                targets += _catalogue_targets(service, port, pods, catalogue_ports)
            result.facts.ingress.append(
                listener_fact(route, listener, reach, published, targets, file))
    return exposures


def _end_line(resource: Resource) -> int:
    depth = len(resource.path)
    return max((line for key, line in resource.located.lines.items()
                if key[:depth] == resource.path), default=resource.line())


def _exposures(resources: list[Resource], pods: list[Any], catalogue_ports: set[int],
               file: str, result: CollectResult) -> list[Exposure]:
    exposures: list[Exposure] = []
    services = {(item.namespace, item.name): item for item in resources if item.kind == "Service"}
    for item in resources:
        try:
            if item.kind == "Service":
                facts, reach = _service_exposure(item, catalogue_ports, file,
                                                 _named_ports(item, pods))
                result.facts.ingress.extend(facts)
                if reach is not None:
                    exposures.append(Exposure(item, reach))
            elif item.kind == "Ingress":
                fact, found = _ingress_exposures(item, services, pods, catalogue_ports, file)
                result.facts.ingress.append(fact)
                exposures.extend(found)
        except STRUCTURE_ERRORS as error:
            result.errors.append(ScanError(file, item.line(), f"{item.address()}: unexpected "
                                           f"structure, not analysed ({error})"))
    try:
        exposures += _gateway_exposures(resources, services, pods, catalogue_ports, file, result)
    except STRUCTURE_ERRORS as error:
        result.errors.append(ScanError(file, 1, f"gateway routes: unexpected structure, not "
                                                f"analysed ({error})"))
    return exposures


def analyse(documents: list[Located], file: str, context: Any,
            beside: Sequence[Resource] = ()) -> CollectResult:
    """Facts of one file's manifests. beside: ConfigMaps and Secrets of the other manifests of
    its directory, which its pods may mount or read (its own win over them)."""
    result = CollectResult()
    resources = _resources(documents)
    catalogue_ports = ports_of_catalogue(context.catalogue)
    pods = [pod for pod in map(_pod, resources) if pod is not None]
    exposures = _exposures(resources, pods, catalogue_ports, file, result)
    stores = _stores([*beside, *resources])
    from dicomguard.apps.kubernetes_databases import config_map_facts

    held = config_map_facts(resources, file)
    result.facts.extend(held.facts)
    result.errors.extend(held.errors)
    running: list[Any] = []
    for resource, template_path, labels, pod in pods:
        try:
            _workload(resource, template_path, labels, pod, exposures, stores, file, context,
                      result, running)
        except STRUCTURE_ERRORS as error:
            result.errors.append(ScanError(file, resource.line(), f"{resource.address()}: "
                                           f"unexpected structure, not analysed ({error})"))
    from dicomguard.apps.kubernetes_proxies import proxy_facts

    hops = proxy_facts(running, resources, stores, file, context.catalogue)
    result.facts.extend(hops.facts)
    result.errors.extend(hops.errors)
    return result


def _workload(resource: Resource, template_path: tuple[str, ...], labels: dict[str, Any],
              pod: dict[str, Any], exposures: list[Exposure],
              stores: dict[tuple[str, str, str], Resource], file: str, context: Any,
              result: CollectResult, running: list[Any]) -> None:
    """Facts of every container of one workload's pod template."""
    for index, container in enumerate(pod.get("containers") or []):
        if not isinstance(container, dict):
            continue
        path = (*template_path, "spec", "containers", index)
        environment = _environment(container, resource, path, stores)
        port_reach: dict[int, str] = {}
        in_clear: set[int] = set()  # reached from outside without TLS in front
        fronted: set[int] = set()
        for exposure in exposures:
            if not _selects(exposure.service, labels, resource.namespace):
                continue
            for target in _target_ports(exposure.service, container,
                                        exposure.service_ports):
                port_reach[target] = widest_reach([port_reach.get(target, "local"),
                                                   exposure.reach])
                (fronted if exposure.tls_fronted else in_clear).add(target)
        for container_port, fact in _host_ports(container, resource, path, file):
            result.facts.ingress.append(fact)
            if isinstance(container_port, int):
                port_reach[container_port] = widest_reach(
                    [port_reach.get(container_port, "local"), "unknown"])
                in_clear.add(container_port)
        mounted, unreadable, errors = _mounted_orthanc(pod, container, resource,
                                                       stores, file)
        result.errors.extend(errors)
        name = container.get("name", index)
        line = resource.line(*path)
        image = container.get("image")
        found_container = Container(
            image=image if isinstance(image, str) else Unknown("the image is not given"),
            environment=environment.values,
            origin=Origin(file, line, line, f"{resource.address()}.containers.{name}"),
            platform="kubernetes", env_lines=environment.lines, port_reach=port_reach,
            unknown_environment=environment.unknown_sources,
            unpublished_reach="unknown" if pod.get("hostNetwork") is True else "network",
            orthanc_files=mounted, unreadable_configs=unreadable,
            image_line=resource.line(*path, "image"), tls_fronted=fronted - in_clear)
        found = facts_for_container(found_container, context.catalogue)
        result.facts.extend(found.facts)
        result.errors.extend(found.errors)
        from dicomguard.apps.kubernetes_proxies import Running

        running.append(Running(found_container, found.facts.services, container, pod,
                               resource, labels))
