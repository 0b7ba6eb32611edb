"""Which files the application family claims, by name and by their first bytes."""

from __future__ import annotations

from pathlib import Path

import pytest

from dicomguard.apps.detect import classify

COMPOSE_BODY = "services:\n  pacs:\n    image: orthancteam/orthanc\n"


@pytest.mark.parametrize(("name", "head", "kind"), [
    ("orthanc.json", "{}", "orthanc-json"),
    ("pacs-config.json", '{\n  // x\n  "RemoteAccessAllowed": true\n}', "orthanc-json"),
    ("package.json", '{"name": "viewer", "version": "1.0.0"}', None),
    ("appsettings.json", '{"SslEnabled": true, "AuthenticationEnabled": false}', None),
    ("site.json", '{"DicomAet": "PACS", "DicomPort": 104}', "orthanc-json"),
    ("azuredeploy.json", '{"outputs": {"pacs": {"value": {"DicomAet": "PACS"}}}}', None),
    ("values.json", '[{"DicomAet": "PACS"}]', None),
    ("truncated.json", '{\n  /* "DicomAet": "X" */\n  "Name": "PACS",\n  "DicomAet": "P',
     "orthanc-json"),
    ("compose.yaml", "services: {}\n", "compose"),
    ("docker-compose.override.yml", "services: {}\n", "compose"),
    ("docker-compose.prod.yaml", "", "compose"),
    ("compose.dev.yml", "", "compose"),
    ("positive1.yaml", "version: '3'\n\n" + COMPOSE_BODY, "compose"),
    ("stack.yml", "# pacs\nservices:  # the stack\n  # the archive\n  pacs:\n"
     "    ports: ['104:104']\n    image: orthancteam/orthanc\n", "compose"),
    ("group_vars/all.yml", "services:\n  - name: pacs\n", None),
    ("stack.yml", "services:\n  db:\n    restart: always\n    image: postgres\n", "compose"),
    ("inventory/group_vars/pacs.yml", "services:\n  orthanc:\n    image: orthancteam/orthanc\n",
     None),
    ("roles/pacs/defaults/main.yml", "services:\n  orthanc:\n    build: .\n", None),
    ("site.yml", "- hosts: pacs\n  roles: [orthanc]\n", None),
    ("tasks/main.yml", "- name: start\n  community.docker.docker_container:\n", None),
    ("deploy.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: pacs\n",
     "kubernetes"),
    ("svc.yaml", "apiVersion: v1\nkind: Service\n", "kubernetes"),
    ("chart/templates/svc.yaml", "apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ .x }}\n",
     None),
    ("kustomization.yaml", "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n",
     "kustomization"),
    ("chart/Chart.yaml", "apiVersion: v2\nname: orthanc\nversion: 0.1.0\n", "helm-chart"),
    ("secret.yaml", "apiVersion: v1\nkind: Secret\n", "kubernetes"),
    ("main.tf", 'resource "x" "y" {}', None),
])
def test_classify(name, head, kind):
    assert classify(Path(name), head) == kind


def test_manifests_and_compose_files_in_flow_style_are_scanned(tmp_path):
    """YAML flow style ({kind: Service, ...}) is the same manifest to kubectl and compose."""
    from tests.conftest import scan_json

    (tmp_path / "service.yaml").write_text(
        "{apiVersion: v1, kind: Service, metadata: {name: pacs}, spec: {type: LoadBalancer,\n"
        "  ports: [{name: dicom, port: 104, targetPort: 4242}]}}\n")
    (tmp_path / "stack.yml").write_text(
        "{services: {archive: {image: 'orthancteam/orthanc:24.12.1',\n  ports: ['11112:4242']}}}\n")
    code, report = scan_json(str(tmp_path))
    assert sorted((finding["rule_id"], finding["resource"], tuple(finding["ports"]))
                  for finding in report["findings"] if finding["rule_id"] == "DG101") == [
        ("DG101", "Service/pacs", (104, 4242)), ("DG101", "services.archive", (4242, 11112))]
    assert code == 1
