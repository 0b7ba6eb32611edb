"""The transformers of one kustomization level, applied to the resources it has built as
`kustomize build` applies them: `namePrefix` / `nameSuffix` (every resource renamed, and the
references to ConfigMaps, Secrets and Services of the build renamed with them, so that pods
still mount what they mounted), `commonLabels` and `labels` (metadata, pod templates and,
where kustomize does, selectors) and `images` (name, tag or digest of matching containers,
with the line of the `images` entry that decides the product)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from dicomguard.apps.kubernetes import WORKLOAD_POD_SPEC
from dicomguard.apps.located import Located, dig

# Kinds whose selector picks pods by label: (path to the selector's labels).
SELECTORS = {
    "Service": ("spec", "selector"),
    **{kind: ("spec", "selector", "matchLabels") for kind in
       ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job")},
    "CronJob": ("spec", "jobTemplate", "spec", "selector", "matchLabels"),
}
REFERENCED = ("ConfigMap", "Secret", "Service")
Renames = dict[tuple[str, str], str]  # (kind, old name) -> new name


def _pod_spec_path(resource: dict[str, Any]) -> tuple[Any, ...] | None:
    template = WORKLOAD_POD_SPEC.get(str(resource.get("kind")))
    return None if template is None else (*template, "spec")


def _containers(resource: dict[str, Any]) -> Iterator[tuple[tuple[Any, ...], dict[str, Any]]]:
    """(path, container) of every container and init container of a workload."""
    path = _pod_spec_path(resource)
    pod = dig(resource, *path) if path is not None else None
    if not isinstance(pod, dict):
        return
    for key in ("initContainers", "containers"):
        for index, container in enumerate(pod.get(key) or []):
            if isinstance(container, dict):
                yield (*path, key, index), container  # type: ignore[misc]


def _renamed_reference(holder: Any, key: str, kind: str, renames: Renames) -> None:
    if isinstance(holder, dict) and isinstance(holder.get(key), str):
        holder[key] = renames.get((kind, holder[key]), holder[key])


def _rename_pod_references(resource: dict[str, Any], renames: Renames) -> None:
    path = _pod_spec_path(resource)
    pod = dig(resource, *path) if path is not None else None
    if not isinstance(pod, dict):
        return
    for volume in pod.get("volumes") or []:
        if not isinstance(volume, dict):
            continue
        _renamed_reference(volume.get("configMap"), "name", "ConfigMap", renames)
        _renamed_reference(volume.get("secret"), "secretName", "Secret", renames)
        for source in dig(volume, "projected", "sources") or []:
            if isinstance(source, dict):
                _renamed_reference(source.get("configMap"), "name", "ConfigMap", renames)
                _renamed_reference(source.get("secret"), "name", "Secret", renames)
    for _, container in _containers(resource):
        for source in container.get("envFrom") or []:
            if isinstance(source, dict):
                _renamed_reference(source.get("configMapRef"), "name", "ConfigMap", renames)
                _renamed_reference(source.get("secretRef"), "name", "Secret", renames)
        for variable in container.get("env") or []:
            value_from = dig(variable, "valueFrom")
            if isinstance(value_from, dict):
                _renamed_reference(value_from.get("configMapKeyRef"), "name", "ConfigMap",
                                   renames)
                _renamed_reference(value_from.get("secretKeyRef"), "name", "Secret", renames)
    if resource.get("kind") == "StatefulSet":
        _renamed_reference(resource.get("spec"), "serviceName", "Service", renames)


def _rename_ingress_references(resource: dict[str, Any], renames: Renames) -> None:
    spec = resource.get("spec")
    if resource.get("kind") != "Ingress" or not isinstance(spec, dict):
        return
    backends = [spec.get("defaultBackend"), spec.get("backend")]
    for rule in spec.get("rules") or []:
        backends += [path.get("backend") for path in dig(rule, "http", "paths") or []
                     if isinstance(path, dict)]
    for backend in backends:
        if isinstance(backend, dict):
            _renamed_reference(backend.get("service"), "name", "Service", renames)
            _renamed_reference(backend, "serviceName", "Service", renames)


def renamed(resources: list[Located], prefix: str, suffix: str,
            former: dict[tuple[str, str], set[str]]) -> None:
    """namePrefix / nameSuffix: every resource renamed (a Namespace keeps its name), and the
    references to the renamed ConfigMaps, Secrets and Services with it. former records the
    names a resource had, for patches of an outer level that name it as its base did."""
    if not prefix and not suffix:
        return
    renames: Renames = {}
    for resource in resources:
        kind, name = str(resource.value.get("kind")), dig(resource.value, "metadata", "name")
        if kind == "Namespace" or not isinstance(name, str):
            continue
        new = f"{prefix}{name}{suffix}"
        resource.value["metadata"]["name"] = new
        former[(kind, new)] = former.pop((kind, name), set()) | {name}
        if kind in REFERENCED:
            renames[(kind, name)] = new
    for resource in resources:
        _rename_pod_references(resource.value, renames)
        _rename_ingress_references(resource.value, renames)


def _add_labels(holder: Any, path: tuple[Any, ...], labels: dict[str, str]) -> None:
    for key in path:
        if not isinstance(holder, dict):
            return
        holder = holder.setdefault(key, {})
    if isinstance(holder, dict):
        holder.update(labels)


def labelled(resources: list[Located], labels: dict[str, str], selectors: bool,
             templates: bool) -> None:
    """Labels added to every resource's metadata, to pod templates when templates is true,
    and to selectors when selectors is true (commonLabels does all three)."""
    if not labels:
        return
    for resource in resources:
        value = resource.value
        _add_labels(value, ("metadata", "labels"), labels)
        template = WORKLOAD_POD_SPEC.get(str(value.get("kind")))
        if templates and template:
            _add_labels(value, (*template, "metadata", "labels"), labels)
        selector = SELECTORS.get(str(value.get("kind")))
        if selectors and selector and (value.get("kind") != "Service"
                                       or isinstance(dig(value, "spec", "selector"), dict)):
            _add_labels(value, selector, labels)


def _split_image(image: str) -> tuple[str, str]:
    """(name, the tag or digest with its ':' or '@')."""
    if "@" in image:
        name, _, digest = image.partition("@")
        return name, f"@{digest}"
    slash = image.rfind("/")
    colon = image.rfind(":")
    return (image[:colon], image[colon:]) if colon > slash else (image, "")


def with_images(resources: list[Located], images: list[Any], line_of: Any) -> None:
    """images: each entry whose `name` matches a container image's name sets its newName,
    newTag or digest; the image's line becomes the entry's (line_of(index))."""
    for resource in resources:
        for path, container in _containers(resource.value):
            image = container.get("image")
            if not isinstance(image, str):
                continue
            name, version = _split_image(image)
            for index, entry in enumerate(images):
                if not isinstance(entry, dict) or entry.get("name") != name:
                    continue
                new_name = str(entry.get("newName") or name)
                if entry.get("digest"):
                    version = f"@{entry['digest']}"
                elif entry.get("newTag") is not None:
                    version = f":{entry['newTag']}"
                container["image"] = f"{new_name}{version}"
                resource.lines[(*path, "image")] = line_of(index)
                break
