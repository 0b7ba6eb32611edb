from __future__ import annotations

from pathlib import Path

import pytest

from dicomguard.ansible.detect import classify

PLAY = "---\n- name: PACS\n  hosts: pacs\n  roles: [orthanc]\n"
TASKS = "- name: open\n  ansible.posix.firewalld:\n    port: 104/tcp\n"


@pytest.mark.parametrize(("path", "head", "kind"), [
    ("site.yml", PLAY, "playbook"),
    ("playbooks/all.yaml", "- import_playbook: site.yml\n", "playbook"),
    ("roles/orthanc/tasks/main.yml", "---\n- debug: {msg: hi}\n", "tasks"),
    ("roles/orthanc/handlers/main.yml", "- name: restart\n  service: {name: x}\n", "tasks"),
    ("roles/orthanc/defaults/main.yml", "orthanc_port: 4242\n", "vars"),
    ("roles/orthanc/vars/main.yml", "orthanc_port: 4242\n", "vars"),
    ("roles/orthanc/meta/main.yml", "dependencies: []\n", "meta"),
    ("roles/orthanc/templates/orthanc.json.j2", "{ }", "template"),
    ("roles/orthanc/templates/orthanc.json", "{ }", "template"),
    ("group_vars/all.yml", "a: 1\n", "vars"),
    ("inventory/group_vars/pacs/main.yml", "a: 1\n", "vars"),
    ("host_vars/pacs1", "a: 1\n", "vars"),
    ("inventory/hosts.ini", "[pacs]\npacs1\n", "inventory"),
    ("hosts", "[pacs]\npacs1 ansible_host=10.0.0.5\n", "inventory"),
    ("inventories/prod/hosts.yml", "all:\n  children:\n    pacs:\n      hosts:\n", "inventory"),
    ("cloud/volumes.yml", TASKS, "tasks"),
    ("templates/ufw.rules.j2", "x", "template"),
    ("site.yml", "[{name: PACS, hosts: pacs, roles: [orthanc]}]\n", "playbook"),
    ("cloud/volumes.yml", "[{name: v, amazon.aws.ec2_vol: {encrypted: false}}]\n", "tasks"),
])
def test_ansible_files_are_recognised(path: str, head: str, kind: str) -> None:
    assert classify(Path(path), head) == kind


@pytest.mark.parametrize(("path", "head"), [
    ("compose.yaml", "services:\n  orthanc:\n    image: orthancteam/orthanc\n"),
    ("k8s/deploy.yaml", "apiVersion: apps/v1\nkind: Deployment\n"),
    (".github/workflows/ci.yml", "on: push\njobs:\n  test:\n    steps:\n      - name: x\n"),
    ("tox.ini", "[tox]\nenvlist = py311\n"),
    ("notes.txt", "hosts: pacs\n"),
    ("mkdocs.yml", "- nav\n- name: x\n"),
    ("roles/dns/files/hosts", "127.0.0.1 localhost\n"),
    ("k8s/ingress.yaml", "apiVersion: networking.k8s.io/v1\nkind: Ingress\nspec:\n  tls:\n"
                         "    - hosts: [pacs.example.org]\n"),
    ("k8s/list.yaml", "[{apiVersion: v1, kind: Service, spec: {ports: [{port: 104}]}}]\n"),
    ("chart/values.yaml", "# values\nreplicaCount: 1\npod:\n  template:\n    x: 1\n"),
    ("chart/templates/deploy.yaml", "apiVersion: apps/v1\nspec:\n  template:\n"
                                    "    metadata: {{ .Values.x }}\n"),
])
def test_other_files_are_left_alone(path: str, head: str) -> None:
    assert classify(Path(path), head) is None


def test_playbooks_and_task_files_in_flow_style_are_scanned(tmp_path: Path) -> None:
    """YAML flow style ([{hosts: pacs, tasks: [...]}]) is the same playbook to Ansible."""
    from tests.conftest import scan_json

    (tmp_path / "site.yml").write_text(
        "[{hosts: pacs, tasks: [{name: Open DICOM, ansible.posix.firewalld: "
        "{port: 104/tcp, permanent: true, state: enabled}}]}]\n")
    (tmp_path / "volumes.yml").write_text(
        "[{name: Image volume, amazon.aws.ec2_vol: {volume_size: 500, encrypted: false}}]\n")
    code, report = scan_json(str(tmp_path))
    assert sorted((finding["rule_id"], finding["resource"]) for finding in report["findings"]) \
        == [("DG101", "Open DICOM"), ("DG201", "Image volume")]
    assert code == 1
