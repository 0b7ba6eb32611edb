"""Ansible Vault is never decrypted: what it hides is unknown, never safe and never an error."""

from __future__ import annotations

from tests.ansible.conftest import write_tree
from tests.conftest import scan_json

ENCRYPTED = ("$ANSIBLE_VAULT;1.1;AES256\n"
             "62313365396662343061393464336163383764373764613633653634306231386433626436623361\n"
             "6134333665353966363534333632666535333761666131620a663537646436643839616531643561\n")
INLINE = "!vault |\n  $ANSIBLE_VAULT;1.1;AES256\n  6231336539666234306139346433616338\n"
OPEN_PORT = ("    - name: open\n      community.general.ufw:\n        rule: allow\n"
             "        port: '{{ dicom_port }}'\n")


def test_an_encrypted_vars_file_leaves_the_variables_it_may_define_unknown(tmp_path) -> None:
    write_tree(tmp_path, {
        "inventory.ini": "[pacs]\npacs1\n",
        "group_vars/all/vault.yml": ENCRYPTED,
        "group_vars/all/main.yml": "dicom_port: '{{ vault_dicom_port | default(11112) }}'\n",
        "site.yml": "- hosts: pacs\n  tasks:\n" + OPEN_PORT,
    })
    code, report = scan_json(".", cwd=tmp_path)
    assert code == 0 and report["errors"] == []
    assert {finding["confidence"] for finding in report["findings"]} == {"unresolved"}
    assert all("vault.yml" in finding["unknown"][0] for finding in report["findings"])
    [note] = report["notes"]
    assert note["origin"]["file"].endswith("group_vars/all/vault.yml")
    assert "Ansible Vault" in note["message"]


def test_a_test_of_a_name_an_encrypted_file_may_define_cannot_skip_a_task(tmp_path) -> None:
    write_tree(tmp_path, {
        "vars/secrets.yml": ENCRYPTED,
        "site.yml": "- hosts: all\n  vars_files: [vars/secrets.yml]\n  vars: {dicom_port: 104}\n"
                    "  tasks:\n" + OPEN_PORT + "      when: vault_open_to_all is defined\n",
    })
    code, report = scan_json(".", cwd=tmp_path)
    assert code == 1, report["errors"]
    [finding] = report["findings"]
    assert finding["ports"] == [104]
    assert any(note.startswith("may run") for note in finding["unknown"])


def test_an_inline_vault_value_cannot_decide_a_condition(tmp_path) -> None:
    write_tree(tmp_path, {
        "group_vars/all.yml": f"open_to_all: {INLINE}",
        "site.yml": "- hosts: all\n  vars: {dicom_port: 104}\n  tasks:\n" + OPEN_PORT
                    + "      when: open_to_all | bool\n",
    })
    code, report = scan_json(".", cwd=tmp_path)
    assert code == 1, report["errors"]
    [finding] = report["findings"]
    assert any("Ansible Vault" in note for note in finding["unknown"])
