"""Traefik rewrites that change how routes are written, not what Traefik serves: labels as a
list or as a mapping, labels in another order, and HTTP routers, services and middlewares
moved from Docker labels into a file of the file provider. Every finding stays the same."""

from __future__ import annotations

import posixpath
from typing import Any

import yaml

from tests.metamorphic.tree import NotApplicable, Tree, Variant, changed
from tests.metamorphic.yaml_transforms import _documents, _dump, _services

LIST_KEYS = frozenset({"entrypoints", "middlewares", "users", "sourcerange"})
MOVED_AT = "/etc/traefik/moved"


def _labels(service: Any) -> dict[str, str] | None:
    raw = service.get("labels") if isinstance(service, dict) else None
    if isinstance(raw, dict):
        return {str(key): str(value) for key, value in raw.items()}
    if isinstance(raw, list) and all(isinstance(item, str) and "=" in item for item in raw):
        return dict(item.split("=", 1) for item in raw)
    return None


def _traefik_compose(tree: Tree) -> dict[str, list[Any]]:
    found = {}
    for name, documents in _documents(tree).items():
        services = _services(documents)
        if services and any(
                isinstance(service, dict) and "traefik" in str(service.get("image", ""))
                for service in services.values()):
            found[name] = documents
    if not found:
        raise NotApplicable
    return found


def _rewrite_labels(tree: Tree, rewrite: Any) -> Variant:
    files = dict(tree)
    for name, documents in _traefik_compose(tree).items():
        for service in (_services(documents) or {}).values():
            labels = _labels(service)
            if labels and any(key.startswith("traefik.") for key in labels):
                service["labels"] = rewrite(service["labels"], labels)
        files[name] = _dump(documents, False)
    return Variant(changed(tree, files))


def list_map(tree: Tree) -> Variant:
    """Labels written as a list become a mapping, and a mapping a list."""
    return _rewrite_labels(tree, lambda raw, labels: labels if isinstance(raw, list)
                           else [f"{key}={value}" for key, value in labels.items()])


def reverse(tree: Tree) -> Variant:
    """Every service's labels in reverse order."""
    return _rewrite_labels(tree, lambda raw, labels: [
        f"{key}={value}" for key, value in reversed(labels.items())] if isinstance(raw, list)
        else dict(reversed(labels.items())))


def _nested(moved: dict[str, Any], path: list[str], value: str) -> None:
    for step in path[:-1]:
        moved = moved.setdefault(step, {})
    key = path[-1]
    if key.lower() in LIST_KEYS:
        moved[key] = [part.strip().replace("@docker", "@file") for part in value.split(",")]
    elif key == "tls" and value == "true":
        moved[key] = {}
    else:
        moved[key] = value.replace("@docker", "@file")


def _moved(name: str, labels: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """(the file provider's configuration, the labels left) of one service's labels."""
    moved: dict[str, Any] = {}
    kept: dict[str, str] = {}
    services = {key.split(".")[3] for key in labels
                if key.lower().startswith("traefik.http.services.")}
    for key, value in labels.items():
        path = key.split(".")[1:]
        if not key.lower().startswith("traefik.http.") or len(path) < 4:
            kept[key] = value
            continue
        if path[1] == "services" and path[3:] == ["loadbalancer", "server", "port"]:
            moved.setdefault("http", {}).setdefault("services", {})[path[2]] = {
                "loadBalancer": {"servers": [{"url": f"http://{name}:{value}"}]}}
            continue
        _nested(moved, path, value)
    for router in (moved.get("http") or {}).get("routers") or {}:
        settings = moved["http"]["routers"][router]
        if "service" not in settings and len(services) == 1:
            settings["service"] = next(iter(services))
    return moved, kept


def to_file(tree: Tree) -> Variant:
    """HTTP routers, services and middlewares moved from labels into a file the Traefik
    service reads with the file provider (a `--providers.file.filename` flag and a mount)."""
    files = dict(tree)
    for name, documents in _traefik_compose(tree).items():
        services = _services(documents) or {}
        proxy = next(service for service in services.values()
                     if "traefik" in str(service.get("image", "")))
        if not isinstance(proxy.get("command"), list) or any(
                "providers.file" in str(item) for item in proxy["command"]):
            raise NotApplicable
        configuration: dict[str, Any] = {}
        for service_name, service in services.items():
            labels = _labels(service)
            if not labels:
                continue
            moved, kept = _moved(service_name, labels)
            for section, parts in moved.items():
                for kind, entries in parts.items():
                    configuration.setdefault(section, {}).setdefault(kind, {}).update(entries)
            service["labels"] = kept if isinstance(service["labels"], dict) else [
                f"{key}={value}" for key, value in kept.items()]
        if not configuration:
            raise NotApplicable
        moved_name = posixpath.join(posixpath.dirname(name), "moved-routes.yml")
        proxy["command"] = [str(item).replace("@docker", "@file") for item in proxy["command"]]
        proxy["command"].append(f"--providers.file.filename={MOVED_AT}.yml")
        proxy.setdefault("volumes", []).append(f"./moved-routes.yml:{MOVED_AT}.yml:ro")
        files[name] = _dump(documents, False)
        files[moved_name] = yaml.safe_dump(configuration, sort_keys=False)
    return Variant(changed(tree, files), rename=lambda address: address.replace(
        "@docker on ", "@file on "))


TRANSFORMATIONS = {
    "traefik-labels-list-map": list_map,
    "traefik-labels-reverse": reverse,
    "traefik-labels-to-file": to_file,
}
