"""Recognise PACS application configs by name and by their first 4 KiB. Runs on every file."""

from __future__ import annotations

import re
from pathlib import Path

from dicomguard.ansible.detect import is_ansible_template
from dicomguard.apps.databases import is_config_name, is_hba_name
from dicomguard.apps.jsonc import top_level_keys

COMPOSE_NAME = re.compile(r"^(docker-)?compose([.-][\w.-]+)?\.ya?ml$", re.IGNORECASE)
COMPOSE_SERVICES = re.compile(r"^services:[ \t]*(?:#.*)?\r?$", re.MULTILINE)
COMPOSE_SERVICE_KEY = re.compile(r"^[ \t]{2,}(?:image|build):[ \t]*\S", re.MULTILINE)
# Directories of Ansible variables and tasks: a `services:` mapping there is data, not Compose.
ANSIBLE_DIRECTORIES = frozenset({"group_vars", "host_vars", "vars", "defaults", "tasks",
                                 "handlers", "meta"})
# Top-level keys start a line in block style, or follow `{` or `,` in flow style.
KEY_START = r"(?:^|[{,][ \t\r\n]*)"
COMPOSE_FLOW_SERVICES = re.compile(r"[{,][ \t\r\n]*services[ \t]*:[ \t\r\n]*\{")
COMPOSE_FLOW_SERVICE_KEY = re.compile(r"[{,][ \t\r\n]*(?:image|build)[ \t]*:[ \t]*\S")
KUBERNETES_API_VERSION = re.compile(KEY_START + r"apiVersion:", re.MULTILINE)
KUBERNETES_KIND = re.compile(
    KEY_START + r"kind:[ \t]*(Deployment|StatefulSet|DaemonSet|ReplicaSet|Pod|Job|CronJob|Service|"
    r"ConfigMap|Secret|Ingress|List)\b", re.MULTILINE)
# Keys only Orthanc uses: a generic "SslEnabled" or "AuthenticationEnabled" is not enough.
# Orthanc reads them at the top of its configuration; inside another document (an ARM
# template's outputs, a Helm values file as JSON) they configure nothing.
ORTHANC_KEYS = frozenset({
    "RemoteAccessAllowed", "RegisteredUsers", "DicomAet", "DicomModalities", "OrthancPeers",
    "DicomAlwaysAllowStore", "DicomTlsEnabled", "DicomCheckCalledAet", "OrthancExplorerEnabled"})
_MENTIONS_ORTHANC_KEY = re.compile(r'"(' + "|".join(sorted(ORTHANC_KEYS)) + r')"\s*:')
YAML_SUFFIXES = (".yml", ".yaml")
HELM_CHART = "Chart.yaml"  # the file that makes its directory a Helm chart
KUSTOMIZATIONS = frozenset({"kustomization.yaml", "kustomization.yml", "Kustomization"})


def named(path: Path) -> bool:
    """The name alone says the file is an application config (a Compose file, orthanc.json)."""
    if is_ansible_template(path):
        return False
    return bool(COMPOSE_NAME.match(path.name)) or path.name.lower() == "orthanc.json" or \
        path.name == HELM_CHART or path.name in KUSTOMIZATIONS or \
        is_hba_name(path.name) or is_config_name(path.name)


def classify(path: Path, head: str) -> str | None:
    name = path.name
    if is_ansible_template(path):
        return None  # read as rendered, by the Ansible task that deploys it
    if name == HELM_CHART:
        return "helm-chart"
    if name in KUSTOMIZATIONS:
        return "kustomization"
    lowered = name.lower()
    if is_hba_name(name):
        return "pg-hba"
    if is_config_name(name):
        return "postgresql-conf"
    if lowered.endswith(".json"):
        if lowered == "orthanc.json" or _is_orthanc_configuration(head):
            return "orthanc-json"
        return None
    if not lowered.endswith(YAML_SUFFIXES):
        return None
    if COMPOSE_NAME.match(name):
        return "compose"
    if "{{" in head or "{%" in head:  # a template (Helm, Jinja): not a manifest until rendered
        return None
    if head.lstrip().startswith(("- ", "[")):  # a list document: Ansible tasks or plays
        return None
    if KUBERNETES_API_VERSION.search(head) and KUBERNETES_KIND.search(head):
        return "kubernetes"
    block_compose = COMPOSE_SERVICES.search(head) and COMPOSE_SERVICE_KEY.search(head)
    flow_compose = (head.lstrip().startswith("{") and COMPOSE_FLOW_SERVICES.search(head)
                    and COMPOSE_FLOW_SERVICE_KEY.search(head))
    if (block_compose or flow_compose) and not ANSIBLE_DIRECTORIES.intersection(path.parts):
        return "compose"
    return None


def _is_orthanc_configuration(head: str) -> bool:
    return bool(_MENTIONS_ORTHANC_KEY.search(head)) and \
        not ORTHANC_KEYS.isdisjoint(top_level_keys(head))
