"""YAML rewrites (docker-compose, Kubernetes, Ansible) that cannot change what is deployed."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from typing import Any

import yaml

from tests.metamorphic.tree import NotApplicable, Tree, Variant, changed, reversed_keys

YAML_NAME = re.compile(r"\.ya?ml$")
Documents = list[Any]


def _documents(tree: Tree) -> dict[str, Documents]:
    loaded: dict[str, Documents] = {}
    for name, text in tree.items():
        if not YAML_NAME.search(name):
            continue
        try:
            documents = list(yaml.safe_load_all(text))
        except yaml.YAMLError:
            continue
        if any(document is not None for document in documents):
            loaded[name] = documents
    if not loaded:
        raise NotApplicable
    return loaded


def _dump(documents: Documents, flow: bool | None) -> str:
    """Block style (False), flow style (True), or block style with lists and mappings of
    scalars on one line (None: `ports: ["4242:4242", "8042:8042"]`)."""
    return yaml.safe_dump_all(documents, sort_keys=False, default_flow_style=flow,
                              allow_unicode=True, width=100)


def _rewrite(tree: Tree, rewrite: Callable[[str, Documents], Documents | None],
             flow: bool | None = False, restyle: bool = False) -> Tree:
    """Apply rewrite to each YAML file; a file is written back (in block style, or flow) when
    its content changed, or always when restyling."""
    files = dict(tree)
    for name, documents in _documents(tree).items():
        rewritten = rewrite(name, copy.deepcopy(documents))
        if rewritten is None:
            continue
        if restyle or _dump(rewritten, flow) != _dump(documents, flow):
            files[name] = _dump(rewritten, flow)
    return changed(tree, files)


def flow_style(tree: Tree) -> Variant:
    """Every YAML file rewritten in flow style ({a: 1, b: [x, y]})."""
    return Variant(_rewrite(tree, lambda name, documents: documents, flow=True, restyle=True))


def block_style(tree: Tree) -> Variant:
    """Every YAML file rewritten in block style (one key per line), comments dropped."""
    return Variant(_rewrite(tree, lambda name, documents: documents, restyle=True))


def flow_leaves(tree: Tree) -> Variant:
    """Every YAML file rewritten in block style with lists of scalars on one line."""
    return Variant(_rewrite(tree, lambda name, documents: documents, flow=None, restyle=True))


def reverse_keys(tree: Tree) -> Variant:
    """Every mapping's keys in reverse order (services, task keywords, container fields ...)."""
    return Variant(_rewrite(tree, lambda name, documents: [reversed_keys(document)
                                                         for document in documents]))


def _services(documents: Documents) -> dict[str, Any] | None:
    if len(documents) == 1 and isinstance(documents[0], dict):
        services = documents[0].get("services")
        if isinstance(services, dict) and all(isinstance(service, dict) or service is None
                                              for service in services.values()):
            return services
    return None


SHORT_PORT = re.compile(r"^(?:(?:(?P<ip>\[[0-9a-fA-F:]+\]|[0-9.]+):)?(?P<published>\d*):)?"
                        r"(?P<target>\d+)(?:/(?P<protocol>tcp|udp))?$")


def _long_port(short: Any) -> dict[str, Any] | None:
    match = SHORT_PORT.match(str(short)) if isinstance(short, str | int) else None
    if match is None:
        return None
    long: dict[str, Any] = {"target": int(match["target"])}
    if match["published"]:
        long["published"] = match["published"]
    long["protocol"] = match["protocol"] or "tcp"
    if match["ip"]:
        long["host_ip"] = match["ip"].strip("[]")
    return long


def _short_port(long: Any) -> str | None:
    if not isinstance(long, dict) or set(long) - {"target", "published", "protocol", "host_ip"}:
        return None
    if "target" not in long:
        return None
    text = str(long["target"])
    if long.get("published") not in (None, ""):
        text = f"{long['published']}:{text}"
        if long.get("host_ip"):
            ip = str(long["host_ip"])
            text = f"[{ip}]:{text}" if ":" in ip else f"{ip}:{text}"
    elif long.get("host_ip"):
        return None
    return f"{text}/{long['protocol']}" if long.get("protocol") else text


def _compose_rewrite(port: Callable[[Any], Any]) -> Callable[[Tree], Variant]:
    def rewrite_tree(tree: Tree) -> Variant:
        def rewrite(name: str, documents: Documents) -> Documents | None:
            services = _services(documents)
            if services is None:
                return None
            for service in services.values():
                ports = (service or {}).get("ports")
                if isinstance(ports, list):
                    service["ports"] = [port(item) or item for item in ports]
            return documents
        return Variant(_rewrite(tree, rewrite))
    return rewrite_tree


ports_long_syntax = _compose_rewrite(_long_port)
ports_long_syntax.__doc__ = "compose ports written {target, published, protocol, host_ip}."
ports_short_syntax = _compose_rewrite(_short_port)
ports_short_syntax.__doc__ = "compose ports written \"[host_ip:]published:target/protocol\"."


def reverse_ports(tree: Tree) -> Variant:
    """Each compose service's ports in reverse order, lists of scalars on one line."""
    def rewrite(name: str, documents: Documents) -> Documents | None:
        services = _services(documents)
        if services is None:
            return None
        for service in services.values():
            if isinstance((service or {}).get("ports"), list):
                service["ports"].reverse()
        return documents
    return Variant(_rewrite(tree, rewrite, flow=None))


# Without a network: a service on the project's network would reach the others, which is
# not unrelated.
UNRELATED_SERVICE = {"image": "busybox:1.36", "command": ["sleep", "infinity"],
                     "network_mode": "none"}
UNRELATED_DOCUMENT = {"apiVersion": "v1", "kind": "ConfigMap",
                      "metadata": {"name": "mm-unrelated"}, "data": {"note": "unrelated"}}
UNRELATED_TASK = {"name": "mm unrelated note", "ansible.builtin.debug": {"msg": "unrelated"}}


def _add_unrelated(name: str, documents: Documents) -> Documents | None:
    services = _services(documents)
    if services is not None:
        services["mm-unrelated"] = dict(UNRELATED_SERVICE)
        return documents
    if any(_is_manifest(document) for document in documents):
        return [*documents, UNRELATED_DOCUMENT]
    if len(documents) != 1 or not isinstance(documents[0], list) or not documents[0]:
        return None
    items = documents[0]
    if not all(isinstance(item, dict) for item in items):
        return None
    if any("hosts" in item or "import_playbook" in item for item in items):
        play = next(item for item in items if "hosts" in item)
        tasks = play.get("tasks")
        play["tasks"] = [*(tasks if isinstance(tasks, list) else []), UNRELATED_TASK]
        return documents
    return [[*items, UNRELATED_TASK]]


def _is_manifest(document: Any) -> bool:
    return isinstance(document, dict) and "apiVersion" in document and "kind" in document


def reverse_documents(tree: Tree) -> Variant:
    """The documents of each multi-document Kubernetes file in reverse order."""
    def rewrite(name: str, documents: Documents) -> Documents | None:
        manifests = [document for document in documents if document is not None]
        if len(manifests) < 2 or not all(_is_manifest(document) for document in manifests):
            return None
        return manifests[::-1]
    return Variant(_rewrite(tree, rewrite))


def add_unrelated(tree: Tree) -> Variant:
    """An unrelated compose service, Kubernetes document or Ansible task."""
    return Variant(_rewrite(tree, _add_unrelated))


TRANSFORMATIONS = {
    "yaml-flow-style": flow_style,
    "yaml-block-style": block_style,
    "yaml-flow-leaves": flow_leaves,
    "yaml-reverse-keys": reverse_keys,
    "yaml-add-unrelated": add_unrelated,
    "k8s-reverse-documents": reverse_documents,
    "compose-ports-long": ports_long_syntax,
    "compose-ports-short": ports_short_syntax,
    "compose-reverse-ports": reverse_ports,
}
