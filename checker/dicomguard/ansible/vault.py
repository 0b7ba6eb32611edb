"""Ansible Vault, never decrypted. An inline `!vault` value is an opaque unknown (loader.py); a
variables file encrypted whole may define any variable, under names nobody here can read.

Such a file contributes one mark to the variables it is merged into. The mark's name cannot be
a variable's, and it survives every merge of layers, so wherever the file's variables would be
visible, a name defined nowhere else reads as unknown instead of undefined."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dicomguard.ansible.loader import VAULT

VAULT_HEADER = "$ANSIBLE_VAULT;"
_ENCRYPTED_FILE = "\0variables encrypted with Ansible Vault in "


def is_vault_encrypted(text: str) -> bool:
    """The whole file is `ansible-vault encrypt` output (header line, then hex lines)."""
    return text.lstrip("\ufeff \t\r\n").startswith(VAULT_HEADER)


def encrypted_file_mark(file: str) -> dict[str, Any]:
    """What an encrypted variables file adds to the variables it is read into."""
    return {_ENCRYPTED_FILE + file: VAULT}


def encrypted_files(variables: Mapping[Any, Any]) -> list[str]:
    """The encrypted variables files whose variables are visible in `variables` (whose keys,
    read from YAML, need not be strings)."""
    return [name[len(_ENCRYPTED_FILE):] for name in variables
            if isinstance(name, str) and name.startswith(_ENCRYPTED_FILE)]
