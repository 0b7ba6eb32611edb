"""A firewalld service means what firewalld ships or what the repository defines, in zone files
and Ansible tasks alike. firewalld ships no `dicom` service."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.ansible.conftest import write_tree
from tests.conftest import scan_json
from tests.knowledge.test_one_exposure_everywhere import DICOM_SERVICE, ZONE, playbook

ZONE_NAMING_DICOM = ZONE.replace('<port protocol="tcp" port="104"/>', '<service name="dicom"/>')
ROLE_TASKS = """\
- name: define the dicom service
  ansible.builtin.copy:
    src: dicom.xml
    dest: /etc/firewalld/services/dicom.xml
- name: open it
  ansible.posix.firewalld:
    service: dicom
    state: enabled
"""


def exposures(report: dict) -> list[dict]:
    return [finding for finding in report["findings"]
            if finding["category"] == "exposed-dicom-port"]


@pytest.mark.parametrize("files", [
    playbook("ansible.posix.firewalld", "service: dicom\nstate: enabled"),
    playbook("ansible.posix.firewalld", "rich_rule: rule family=ipv4 service name=dicom accept\n"
                                        "state: enabled"),
    {"etc/firewalld/zones/public.xml": ZONE_NAMING_DICOM},
], ids=["ansible service", "ansible rich rule", "firewalld zone"])
def test_a_dicom_service_nobody_defines_is_unresolved(tmp_path: Path, files) -> None:
    write_tree(tmp_path, files)
    code, report = scan_json(str(tmp_path))
    found = exposures(report)
    assert found
    assert {finding["confidence"] for finding in found} == {"unresolved"}, found
    assert all("INVALID_SERVICE" in " ".join(finding["unknown"]) for finding in found)
    assert code == 0


@pytest.mark.parametrize("files", [
    {**playbook("ansible.posix.firewalld", "service: dicom\nstate: enabled"),
     "etc/firewalld/services/dicom.xml": DICOM_SERVICE.replace('"104"', '"11112"')},
    {"site.yml": "- hosts: all\n  roles: [pacs]\n", "roles/pacs/tasks/main.yml": ROLE_TASKS,
     "roles/pacs/files/dicom.xml": DICOM_SERVICE.replace('"104"', '"11112"')},
    {"etc/firewalld/zones/public.xml": ZONE_NAMING_DICOM,
     "etc/firewalld/services/dicom.xml": DICOM_SERVICE.replace('"104"', '"11112"')},
], ids=["ansible, service in the tree", "ansible, service a role deploys", "firewalld zone"])
def test_a_service_the_repository_defines_opens_its_own_ports(tmp_path: Path, files) -> None:
    write_tree(tmp_path, files)
    code, report = scan_json(str(tmp_path))
    found = exposures(report)
    assert {(tuple(finding["ports"]), finding["confidence"]) for finding in found} == \
        {((11112,), "confirmed")}, found
    assert code == 1


@pytest.mark.parametrize("files", [
    playbook("ansible.posix.firewalld", "service: quassel\nstate: enabled"),
    {"etc/firewalld/zones/public.xml": ZONE_NAMING_DICOM.replace("dicom", "quassel")},
], ids=["ansible", "firewalld zone"])
def test_a_shipped_service_opens_its_shipped_ports(tmp_path: Path, files) -> None:
    """firewalld 1.3.3 ships `quassel` (an IRC core) on 4242/tcp, Orthanc's DICOM port."""
    write_tree(tmp_path, files)
    _, report = scan_json(str(tmp_path))
    assert {(tuple(finding["ports"]), finding["confidence"]) for finding in exposures(report)} \
        == {((4242,), "confirmed")}
