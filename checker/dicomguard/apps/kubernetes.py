"""Kubernetes manifests: Services that expose catalogue ports (LoadBalancer, NodePort,
externalIPs) and the containers of PACS images behind them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dicomguard.apps.containers import Container, facts_for_container
from dicomguard.apps.located import Located
from dicomguard.facts import ingress, peer, source_scope, widest_reach
from dicomguard.model import CollectResult, InputError, Origin, ScanError, Unknown

WORKLOAD_POD_SPEC = {
    "Deployment": ("spec", "template"), "StatefulSet": ("spec", "template"),
    "DaemonSet": ("spec", "template"), "ReplicaSet": ("spec", "template"),
    "Job": ("spec", "template"), "CronJob": ("spec", "jobTemplate", "spec", "template"),
    "Pod": (),
}
INTERNAL_LOAD_BALANCER = {
    "service.beta.kubernetes.io/aws-load-balancer-internal": "true",
    "service.beta.kubernetes.io/azure-load-balancer-internal": "true",
    "networking.gke.io/load-balancer-type": "internal",
    "cloud.google.com/load-balancer-type": "internal",
    "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal",
}
NODE_PORT_PATH = "a NodePort listens on every node's addresses; whether those face the " \
                 "internet is decided outside the manifest"
ORTHANC_CONFIG_DIR = "/etc/orthanc"


@dataclass(slots=True)
class Resource:
    kind: str
    body: dict[str, Any]
    located: Located
    path: tuple[Any, ...]  # where body sits inside located (a List's items)

    @property
    def name(self) -> str:
        return str((self.body.get("metadata") or {}).get("name", "unnamed"))

    @property
    def namespace(self) -> str:
        return str((self.body.get("metadata") or {}).get("namespace") or "default")

    def line(self, *path: Any) -> int:
        return self.located.line(*self.path, *path)

    def address(self) -> str:
        return f"{self.kind}/{self.name}"


def _resources(documents: list[Located]) -> list[Resource]:
    found = []
    for located in documents:
        body = located.value
        if not isinstance(body, dict):
            continue
        if body.get("kind") == "List" and isinstance(body.get("items"), list):
            found.extend(Resource(str(item.get("kind")), item, located, ("items", index))
                         for index, item in enumerate(body["items"]) if isinstance(item, dict))
        elif isinstance(body.get("kind"), str):
            found.append(Resource(body["kind"], body, located, ()))
    return found


def _dig(value: Any, *path: Any) -> Any:
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def _load_balancer_peers(service: Resource) -> tuple[list[dict[str, Any]], str]:
    annotations = _dig(service.body, "metadata", "annotations") or {}
    if any(str(annotations.get(key, "")).lower() == value
           for key, value in INTERNAL_LOAD_BALANCER.items()):
        return [peer("the VPC (internal load balancer)", tag=True)], "network"
    ranges = _dig(service.body, "spec", "loadBalancerSourceRanges")
    if isinstance(ranges, list) and ranges:
        peers = [peer(item) for item in ranges]
        scopes = {source_scope(item) for item in ranges}
        reach = "internet" if scopes & {"internet", "public"} else (
            "unknown" if "unknown" in scopes else "network")
        return peers, reach
    return [peer("0.0.0.0/0")], "internet"


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
    template = _dig(resource.body, *template_path) if template_path else resource.body
    pod = _dig(template, "spec")
    if not isinstance(pod, dict):
        return None
    labels = _dig(template, "metadata", "labels")
    return resource, template_path, labels if isinstance(labels, dict) else {}, pod


def _selects(service: Resource, labels: dict[str, Any], namespace: str) -> bool:
    selector = _dig(service.body, "spec", "selector")
    return (isinstance(selector, dict) and bool(selector) and service.namespace == namespace
            and all(labels.get(key) == value for key, value in selector.items()))


def _target_ports(service: Resource, container: dict[str, Any]) -> list[int]:
    named = {entry.get("name"): entry.get("containerPort")
             for entry in container.get("ports") or [] if isinstance(entry, dict)}
    targets = []
    for entry in _dig(service.body, "spec", "ports") or []:
        if not isinstance(entry, dict):
            continue
        target = entry.get("targetPort", entry.get("port"))
        target = named.get(target, target) if isinstance(target, str) else target
        if isinstance(target, int):
            targets.append(target)
    return targets


def _environment(container: dict[str, Any], resource: Resource, path: tuple[Any, ...]
                 ) -> tuple[dict[str, Any], dict[str, int]]:
    values: dict[str, Any] = {}
    lines: dict[str, int] = {}
    for index, entry in enumerate(container.get("env") or []):
        if not isinstance(entry, dict) or "name" not in entry:
            continue
        name = str(entry["name"])
        if "value" in entry:
            values[name] = "" if entry["value"] is None else entry["value"]
        else:
            values[name] = Unknown(f"{name} comes from a Secret or ConfigMap reference")
        lines[name] = resource.line(*path, "env", index)
    return values, lines


def _config_maps(resources: list[Resource]) -> dict[tuple[str, str], Resource]:
    return {(item.namespace, item.name): item for item in resources if item.kind == "ConfigMap"}


def _mounted_orthanc(pod: dict[str, Any], container: dict[str, Any], resource: Resource,
                     config_maps: dict[tuple[str, str], Resource], file: str
                     ) -> tuple[list[tuple[Located, str]], list[str], list[ScanError]]:
    """Orthanc configs from ConfigMaps in the same file mounted into /etc/orthanc."""
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
        if not target.startswith(ORTHANC_CONFIG_DIR):
            continue
        volume = volumes.get(mount.get("name")) or {}
        map_name = _dig(volume, "configMap", "name")
        config_map = config_maps.get((resource.namespace, str(map_name)))
        if config_map is None:
            unreadable.append(f"volume {mount.get('name')!r} mounted at {target}")
            continue
        for key, text in (config_map.body.get("data") or {}).items():
            if not str(key).endswith(".json") or not isinstance(text, str):
                continue
            offset = config_map.line("data", key)  # a block scalar starts on the next line
            try:
                found.append((jsonc.loads(text).shifted(offset), file))
            except InputError as error:
                errors.append(ScanError(file, (error.line or 1) + offset, error.message))
    return found, unreadable, errors


def analyse(documents: list[Located], file: str, context: Any) -> CollectResult:
    result = CollectResult()
    resources = _resources(documents)
    catalogue_ports = {int(entry["port"]) for entry in context.catalogue if "port" in entry}
    exposures: list[tuple[Resource, str]] = []
    pods = [pod for pod in map(_pod, resources) if pod is not None]
    for resource in resources:
        if resource.kind == "Service":
            named_ports = {
                str(entry["name"]): entry["containerPort"]
                for workload, _, labels, pod in pods if _selects(resource, labels,
                                                                 workload.namespace)
                for container in pod.get("containers") or [] if isinstance(container, dict)
                for entry in container.get("ports") or []
                if isinstance(entry, dict) and "name" in entry
                and isinstance(entry.get("containerPort"), int)}
            facts, reach = _service_exposure(resource, catalogue_ports, file, named_ports)
            result.facts.ingress.extend(facts)
            if reach is not None:
                exposures.append((resource, reach))
    config_maps = _config_maps(resources)
    for resource, template_path, labels, pod in pods:
        for index, container in enumerate(pod.get("containers") or []):
            if not isinstance(container, dict):
                continue
            path = (*template_path, "spec", "containers", index)
            environment, env_lines = _environment(container, resource, path)
            port_reach: dict[int, str] = {}
            for service, reach in exposures:
                if _selects(service, labels, resource.namespace):
                    for target in _target_ports(service, container):
                        port_reach[target] = widest_reach([port_reach.get(target, "local"),
                                                           reach])
            mounted, unreadable, errors = _mounted_orthanc(pod, container, resource,
                                                           config_maps, file)
            result.errors.extend(errors)
            name = container.get("name", index)
            line = resource.line(*path)
            image = container.get("image")
            found = facts_for_container(Container(
                image=image if isinstance(image, str) else Unknown("the image is not given"),
                environment=environment,
                origin=Origin(file, line, line, f"{resource.address()}.containers.{name}"),
                platform="kubernetes", env_lines=env_lines, host_network=pod.get(
                    "hostNetwork") is True, port_reach=port_reach, unpublished_reach="network",
                orthanc_files=mounted, unreadable_configs=unreadable,
                image_line=resource.line(*path, "image"),
            ), context.catalogue)
            result.facts.extend(found.facts)
            result.errors.extend(found.errors)
    return result
