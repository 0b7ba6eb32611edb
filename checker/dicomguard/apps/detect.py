"""Recognise PACS application configs by name and by their first 4 KiB. Runs on every file."""

from __future__ import annotations

import re
from pathlib import Path

from dicomguard.ansible.detect import is_ansible_template

COMPOSE_NAME = re.compile(r"^(docker-)?compose([.-][\w.-]+)?\.ya?ml$", re.IGNORECASE)
COMPOSE_CONTENT = re.compile(
    r"^services:[ \t]*\r?\n(?:[ \t]*(?:#.*)?\r?\n)*[ \t]+[\w.-]+:[ \t]*\r?\n"
    r"(?:[ \t]*(?:#.*)?\r?\n)*[ \t]+(?:image|build|ports|container_name|environment):",
    re.MULTILINE)
KUBERNETES_KIND = re.compile(
    r"^kind:[ \t]*(Deployment|StatefulSet|DaemonSet|ReplicaSet|Pod|Job|CronJob|Service|"
    r"ConfigMap|Ingress|List)\b", re.MULTILINE)
# Keys only Orthanc uses: a generic "SslEnabled" or "AuthenticationEnabled" is not enough.
ORTHANC_KEYS = re.compile(
    r'"(RemoteAccessAllowed|RegisteredUsers|DicomAet|DicomModalities|OrthancPeers|'
    r'DicomAlwaysAllowStore|DicomTlsEnabled|DicomCheckCalledAet|OrthancExplorerEnabled)"\s*:')
YAML_SUFFIXES = (".yml", ".yaml")


def classify(path: Path, head: str) -> str | None:
    name = path.name
    if is_ansible_template(path):
        return None  # read as rendered, by the Ansible task that deploys it
    lowered = name.lower()
    if lowered.endswith(".json"):
        if lowered == "orthanc.json" or ORTHANC_KEYS.search(head):
            return "orthanc-json"
        return None
    if not lowered.endswith(YAML_SUFFIXES):
        return None
    if COMPOSE_NAME.match(name):
        return "compose"
    if "{{" in head or "{%" in head:  # a template (Helm, Jinja): not a manifest until rendered
        return None
    if head.lstrip().startswith("- "):  # a list document: Ansible tasks or plays
        return None
    if re.search(r"^apiVersion:", head, re.MULTILINE) and KUBERNETES_KIND.search(head):
        return "kubernetes"
    if COMPOSE_CONTENT.search(head):
        return "compose"
    return None
