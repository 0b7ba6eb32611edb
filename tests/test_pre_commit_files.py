"""The hook's `files:` pattern matches every kind of file the scanner reads: otherwise a commit
that changes only such a file skips the hook and passes unchecked."""

from __future__ import annotations

import ast
import re
from importlib import import_module
from pathlib import Path

import pytest
import yaml

from dicomguard.sources import FAMILIES
from tests.conftest import EXAMPLES, PROJECT

UFW_TABLE = "*filter\n:ufw-{chain}-input - [0:0]\n-A ufw-{chain}-input -j ACCEPT\nCOMMIT\n"

# kind -> a path under examples/, or (a path users give such a file, its content)
REPRESENTATIVES: dict[str, str | tuple[str, str]] = {
    "tf": "terraform/insecure-pacs/main.tf",
    "tf-json": ("infra/main.tf.json", '{"resource": {}}\n'),
    "tfvars": ("infra/terraform.tfvars", 'region = "eu-west-1"\n'),
    "tfvars-json": ("infra/prod.auto.tfvars.json", '{"region": "eu-west-1"}\n'),
    "plan": ("plan.json", '{"format_version": "1.2", "terraform_version": "1.9.0"}\n'),
    "iptables": "firewall/iptables/insecure/rules.v4",
    "ip6tables": "firewall/iptables/insecure/rules.v6",
    "nftables": "firewall/nftables/insecure/nftables.conf",
    "nftables-json": "firewall/nftables-json/insecure/ruleset.json",
    "ufw-rules": "firewall/ufw/insecure/etc/ufw/user.rules",
    "ufw6-rules": "firewall/ufw/insecure/etc/ufw/user6.rules",
    "ufw-before": ("etc/ufw/before.rules", UFW_TABLE.format(chain="before")),
    "ufw6-before": ("etc/ufw/before6.rules", UFW_TABLE.format(chain="before")),
    "ufw-after": ("etc/ufw/after.rules", UFW_TABLE.format(chain="after")),
    "ufw6-after": ("etc/ufw/after6.rules", UFW_TABLE.format(chain="after")),
    "ufw-default": "firewall/ufw/insecure/etc/default/ufw",
    "ufw-status": "firewall/ufw-status/insecure/ufw-status.txt",
    "firewalld-conf": "firewall/firewalld/insecure/etc/firewalld/firewalld.conf",
    "firewalld-zone": "firewall/firewalld/insecure/etc/firewalld/zones/public.xml",
    "firewalld-service": "firewall/firewalld/insecure/etc/firewalld/services/orthanc.xml",
    "orthanc-json": "compose/insecure/orthanc.json",
    "pg-hba": "databases/insecure/pg_hba.conf",
    "postgresql-conf": "databases/insecure/postgresql.conf",
    "compose": "compose/insecure/docker-compose.yml",
    "kubernetes": "kubernetes/insecure/orthanc.yaml",
    "helm-chart": "kubernetes/helm-insecure/Chart.yaml",
    "kustomization": "kubernetes/kustomize-insecure/overlays/production/kustomization.yaml",
    "playbook": "ansible/insecure/site.yml",
    "tasks": "ansible/insecure/roles/orthanc/tasks/main.yml",
    "vars": "ansible/insecure/inventory/group_vars/pacs.yml",
    "meta": "ansible/insecure/roles/orthanc/meta/main.yml",
    "inventory": "ansible/insecure/inventory/hosts.ini",
    "template": "ansible/insecure/roles/orthanc/templates/orthanc.json.j2",
}
# Names without a suffix that the scanner reads as well.
RULE_SET = "*filter\n:INPUT DROP [0:0]\nCOMMIT\n"
BARE_NAMES: list[tuple[str, str, str, str]] = [
    ("ansible", "inventory", "inventories/production/hosts", "[pacs]\npacs1.example.org\n"),
    ("ansible", "inventory", "inventory/production", "[pacs]\npacs1.example.org\n"),
    ("ansible", "vars", "group_vars/all", "orthanc_port: 4242\n"),
    ("ansible", "tasks", "roles/orthanc/tasks/main", "- service:\n    name: orthanc\n"),
    ("apps", "kustomization", "deploy/Kustomization", "resources: []\n"),
    ("firewall", "iptables", "etc/sysconfig/iptables", RULE_SET),
    ("firewall", "ip6tables", "etc/sysconfig/ip6tables", RULE_SET),
    ("firewall", "iptables", "backup/iptables.save", RULE_SET),
    ("firewall", "nftables", "nft/pacs.nft", "table inet filter {\n  chain input {\n  }\n}\n"),
]


def _returned_kinds(module_name: str) -> set[str]:
    """Every kind a detect module's functions can return: a string returned directly or by a
    conditional expression, or a value of the module's dict a return looks the kind up in."""
    module = import_module(module_name)
    tree = ast.parse(Path(module.__file__ or "").read_text(encoding="utf-8"))
    kinds: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Return) and node.value is not None:
            kinds.update(_kinds_of(node.value, module))
    return kinds


def _kinds_of(value: ast.expr, module: object) -> set[str]:
    if isinstance(value, ast.Constant) and isinstance(value.value, str):
        return {value.value}
    if isinstance(value, ast.IfExp):
        return _kinds_of(value.body, module) | _kinds_of(value.orelse, module)
    if isinstance(value, ast.Subscript) and isinstance(value.value, ast.Name):
        table = getattr(module, value.value.id, None)
        return set(table.values()) if isinstance(table, dict) else set()
    return set()


def _hook_pattern() -> re.Pattern[str]:
    hooks = yaml.safe_load((PROJECT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    return re.compile(hooks[0]["files"])


def _cases() -> list[tuple[str, str, str | tuple[str, str]]]:
    cases: list[tuple[str, str, str | tuple[str, str]]] = []
    for family in FAMILIES:
        for kind in sorted(_returned_kinds(family.detect_module)):
            cases.append((family.name, kind, REPRESENTATIVES.get(kind, "")))
    cases += [(family, kind, (path, text)) for family, kind, path, text in BARE_NAMES]
    return cases


@pytest.mark.parametrize(("family", "kind", "representative"), _cases(),
                         ids=lambda value: value if isinstance(value, str) else value[0])
def test_the_hook_runs_when_a_file_the_scanner_reads_changes(
        tmp_path: Path, family: str, kind: str, representative: str | tuple[str, str]) -> None:
    assert representative, f"no representative file for the {family} kind {kind!r}: add one"
    if isinstance(representative, tuple):
        relative, text = representative
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text(text, encoding="utf-8")
        path = tmp_path / relative
    else:
        relative = representative
        path = EXAMPLES / relative
    detector = import_module(next(f.detect_module for f in FAMILIES if f.name == family))
    head = path.read_bytes()[:4096].decode("utf-8", "replace")
    assert detector.classify(path, head) == kind, relative
    assert _hook_pattern().search(relative), f"the hook's files: pattern misses {relative}"
