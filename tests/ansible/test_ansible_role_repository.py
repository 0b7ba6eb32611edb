"""A repository that is one role, as `ansible-galaxy init` lays it out: defaults, tasks and meta
at the top, a test playbook in tests/ that names the role."""

from __future__ import annotations

import pytest

from tests.ansible.conftest import write_tree
from tests.conftest import scan_json

ROLE = {
    "defaults/main.yml": "dicom_port: 104\n",
    "tasks/main.yml": "- name: open dicom\n  community.general.ufw:\n    rule: allow\n"
                      "    port: '{{ dicom_port }}'\n",
    "meta/main.yml": "galaxy_info:\n  role_name: pacs\n  author: radiology\n",
    "handlers/main.yml": "---\n",
    "README.md": "A role.\n",
}


@pytest.mark.parametrize("reference", ["../", "..", "ansible-role-pacs", "pacs", None])
def test_a_role_at_the_top_of_the_repository_keeps_its_defaults(tmp_path, reference) -> None:
    repository = tmp_path / "ansible-role-pacs"
    files = dict(ROLE)
    if reference is not None:
        files["tests/inventory"] = "localhost\n"
        files["tests/test.yml"] = f"---\n- hosts: localhost\n  roles:\n    - {reference}\n"
    write_tree(repository, files)
    code, report = scan_json(".", cwd=repository)
    assert code == 1, report["errors"]
    assert report["notes"] == []
    [finding] = report["findings"]
    assert (finding["confidence"], finding["ports"]) == ("confirmed", [104])
    assert (finding["file"], finding["line"]) == ("tasks/main.yml", 1)
    assert finding["resource"] == "ansible-role-pacs: open dicom"
