"""`with_fileglob` deploys the files of the scanned tree it matches, as Ansible does: a role's
configs copied by a glob are judged like configs copied by name."""

from __future__ import annotations

import pytest

from tests.ansible.conftest import write_tree
from tests.conftest import scan_json

OPEN_ORTHANC = '{"RemoteAccessAllowed": true, "AuthenticationEnabled": false}\n'
CLOSED_ORTHANC = ('{"RemoteAccessAllowed": true, "AuthenticationEnabled": true,\n'
                  ' "RegisteredUsers": {"radiology": "Xk3!vq9#Lm2p-long"}}\n')


def play(loop: str) -> dict[str, str]:
    return {
        "inventory": "[pacs]\npacs1\n",
        "site.yml": "- hosts: pacs\n  roles: [pacs]\n",
        "roles/pacs/tasks/main.yml": f"""
- name: Orthanc configuration
  ansible.builtin.copy:
    src: "{{{{ item }}}}"
    dest: "/etc/orthanc/{{{{ item | basename }}}}"
  {loop}
""",
        "roles/pacs/files/orthanc/00-base.json": CLOSED_ORTHANC,
        "roles/pacs/files/orthanc/10-site.json": OPEN_ORTHANC,
        "roles/pacs/files/orthanc/README": "not a configuration\n",
    }


def unauthenticated(tmp_path, loop: str) -> list[tuple[str, str]]:
    write_tree(tmp_path, play(loop))
    _, report = scan_json(str(tmp_path))
    assert report["errors"] == []
    return sorted((item["file"].rsplit("/", 1)[-1], item["confidence"])
                  for item in report["findings"] if item["rule_id"] == "DG301")


def test_a_glob_over_the_roles_files_deploys_each_match(tmp_path) -> None:
    assert unauthenticated(tmp_path, 'with_fileglob: "orthanc/*.json"') == [
        ("10-site.json", "confirmed")]


@pytest.mark.parametrize("loop", [
    "with_items: [orthanc/00-base.json, orthanc/10-site.json]",
    'with_fileglob: ["orthanc/1*.json", "orthanc/0*.json"]',
])
def test_naming_the_files_or_globbing_them_another_way_keeps_the_verdict(tmp_path, loop) -> None:
    assert unauthenticated(tmp_path, loop) == [("10-site.json", "confirmed")]


def test_a_glob_outside_the_scanned_tree_reads_nothing_there(tmp_path) -> None:
    """Files on the controller outside the tree are not read, as with a `src` outside it."""
    (tmp_path / "srv").mkdir()
    (tmp_path / "srv" / "open.json").write_text(OPEN_ORTHANC, encoding="utf-8")
    tree = play(f'with_fileglob: "{tmp_path / "srv"}/*.json"')
    write_tree(tmp_path / "repo", tree)
    code, report = scan_json(str(tmp_path / "repo"))
    assert (code, report["findings"], report["errors"]) == (0, [], [])
