from __future__ import annotations

import pytest

from dicomguard.ansible.loader import UnsafeText, load_yaml
from dicomguard.ansible.templating import template
from dicomguard.model import InputError, is_unknown


def test_mappings_sequences_and_keys_keep_their_lines() -> None:
    document = load_yaml("---\n- name: open\n  firewalld:\n    port: 104/tcp\n")
    task = document[0]
    assert document.line == 2
    assert task.line == 2
    assert task.key_lines == {"name": 2, "firewalld": 3}
    assert task["firewalld"].key_lines["port"] == 4


def test_vault_values_are_opaque_unknowns_never_decrypted() -> None:
    document = load_yaml("password: !vault |\n  $ANSIBLE_VAULT;1.1;AES256\n  6231\n")
    assert is_unknown(document["password"])
    assert "Vault" in document["password"].reason


def test_unsafe_strings_stay_literal() -> None:
    document = load_yaml("motd: !unsafe '{{ lookup(\"pipe\", \"id\") }}'\n")
    assert isinstance(document["motd"], UnsafeText)
    assert template(document["motd"], {}) == '{{ lookup("pipe", "id") }}'


def test_yaml_1_1_booleans_as_ansible_reads_them() -> None:
    assert load_yaml("a: yes\nb: no\nc: 'yes'\n") == {"a": True, "b": False, "c": "yes"}


def test_broken_yaml_is_an_input_error_with_its_line() -> None:
    with pytest.raises(InputError) as raised:
        load_yaml("- name: x\n  firewalld:\n    port: [104\n")
    assert raised.value.line is not None and raised.value.line >= 3


def test_python_object_tags_are_refused() -> None:
    with pytest.raises(InputError):
        load_yaml("x: !!python/object/apply:os.system ['true']\n")
