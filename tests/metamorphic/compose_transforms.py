"""Compose rewrites that move a setting to another file Compose reads with the same project:
what is deployed, and so every finding, stays the same."""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from typing import Any

import yaml

from tests.metamorphic.tree import NotApplicable, Tree, Variant
from tests.metamorphic.yaml_transforms import _documents, _dump, _services

DEFAULT_FILES = ("compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml")
OVERRIDE_NAMES = ("compose.override.yml", "compose.override.yaml",
                  "docker-compose.override.yml", "docker-compose.override.yaml")
ORTHANC_CONFIG_DIR = "/etc/orthanc/"


def _in_directory(tree: Tree, directory: str) -> set[str]:
    return {posixpath.basename(name) for name in tree if posixpath.dirname(name) == directory}


def _override_name(tree: Tree, name: str) -> tuple[str, Tree] | None:
    """A file Compose merges over name, and the files that make it do so: the default
    override beside a default file, else one the directory's .env names in COMPOSE_FILE.
    None when the directory already has an override or a .env."""
    directory, base = posixpath.dirname(name), posixpath.basename(name)
    siblings = _in_directory(tree, directory)
    if siblings & set(OVERRIDE_NAMES) or ".env" in siblings:
        return None
    if base not in DEFAULT_FILES:
        if siblings & set(DEFAULT_FILES):
            return None
        override = f"{base.rsplit('.', 1)[0]}.ports.yml"
        dotenv = f"COMPOSE_FILE={base};{override}\nCOMPOSE_PATH_SEPARATOR=;\n"
        return posixpath.join(directory, override), {posixpath.join(directory, ".env"): dotenv}
    if next(candidate for candidate in DEFAULT_FILES if candidate in siblings) != base:
        return None
    override = "docker-compose.override.yml" if base.startswith("docker-") \
        else "compose.override.yaml"
    return posixpath.join(directory, override), {}


def ports_to_override(tree: Tree) -> Variant:
    """Every service's published ports moved from a compose file into an override file."""
    files = dict(tree)
    for name, documents in _documents(tree).items():
        services = _services(documents)
        pairing = _override_name(tree, name)
        if services is None or pairing is None:
            continue
        override, pairing_files = pairing
        moved: dict[str, Any] = {}
        for service_name, service in services.items():
            if isinstance(service, dict) and isinstance(service.get("ports"), list):
                moved[service_name] = {"ports": service.pop("ports")}
        if moved:
            files[name] = _dump(documents, False)
            files[override] = yaml.safe_dump({"services": moved}, sort_keys=False)
            files.update(pairing_files)
    if files == tree:
        raise NotApplicable
    return Variant(files)


def _config_mount(volume: Any, directory: str, tree: Tree) -> tuple[str, str] | None:
    """(source, target) of a bind mount of one JSON file of the tree into /etc/orthanc."""
    if not isinstance(volume, str) or volume.count(":") not in (1, 2):
        return None
    source, target = volume.split(":")[:2]
    host = posixpath.normpath(posixpath.join(directory, source))
    if not source.startswith(".") or not target.startswith(ORTHANC_CONFIG_DIR) or \
            not target.endswith(".json") or host not in tree:
        return None
    return source, target


def _into_secrets(tree: Tree, move: Callable[[dict[str, Any], str, dict[str, Any]], None]
                  ) -> Variant:
    """Each compose file's services passed to move(service, directory, secrets), which turns
    some of their mounts into entries it adds to secrets; the files where it did, rewritten."""
    files = dict(tree)
    for name, documents in _documents(tree).items():
        services = _services(documents)
        if services is None:
            continue
        secrets: dict[str, Any] = {}
        for service in services.values():
            if isinstance(service, dict) and isinstance(service.get("volumes"), list):
                move(service, posixpath.dirname(name), secrets)
        if secrets:
            documents[0].setdefault("secrets", {}).update(secrets)
            files[name] = _dump(documents, False)
    if files == tree:
        raise NotApplicable
    return Variant(files)


def configs_to_secrets(tree: Tree) -> Variant:
    """Orthanc configuration files bind-mounted into /etc/orthanc given as compose secrets
    with the same target instead."""
    def move(service: dict[str, Any], directory: str, secrets: dict[str, Any]) -> None:
        kept = []
        for volume in service["volumes"]:
            mount = _config_mount(volume, directory, tree)
            if mount is None:
                kept.append(volume)
                continue
            secret = f"mm-config-{len(secrets) + 1}"
            secrets[secret] = {"file": mount[0]}
            service.setdefault("secrets", []).append({"source": secret, "target": mount[1]})
        service["volumes"] = kept

    return _into_secrets(tree, move)


ORTHANCTEAM_IMAGES = ("orthancteam/orthanc", "osimis/orthanc")


def configs_to_default_secrets(tree: Tree) -> Variant:
    """An orthancteam Orthanc's one configuration file bind-mounted into /etc/orthanc given as
    a compose secret named *.json with no target: the image reads /run/secrets/*.json too."""
    def move(service: dict[str, Any], directory: str, secrets: dict[str, Any]) -> None:
        if not str(service.get("image", "")).startswith(ORTHANCTEAM_IMAGES) or \
                "secrets" in service:
            return
        mounts = [_config_mount(volume, directory, tree) for volume in service["volumes"]]
        found = [(index, mount) for index, mount in enumerate(mounts) if mount is not None]
        if len(found) != 1:
            return
        index, (source, _) = found[0]
        secret = f"mm-config-{len(secrets) + 1}.json"
        secrets[secret] = {"file": source}
        service["secrets"] = [secret]
        del service["volumes"][index]

    return _into_secrets(tree, move)


TRANSFORMATIONS = {
    "compose-ports-to-override": ports_to_override,
    "compose-configs-to-secrets": configs_to_secrets,
    "compose-configs-to-default-secrets": configs_to_default_secrets,
}
