"""YAML as Ansible reads it: `!vault` is an opaque Unknown, `!unsafe` literal text, any other
tag beyond the safe ones an error; every mapping and list keeps its lines (yamlpositions)."""

from __future__ import annotations

from typing import Any

import yaml

from dicomguard.model import Unknown
from dicomguard.yamlpositions import Dialect, load_first


class UnsafeText(str):
    """A `!unsafe` string: Ansible never templates it, neither do we."""


VAULT = Unknown("an Ansible Vault encrypted value (never decrypted)")


def _unsafe(node: yaml.Node) -> UnsafeText:
    if not isinstance(node, yaml.ScalarNode):
        found = getattr(node, "id", "another node")
        raise yaml.constructor.ConstructorError(
            None, None, f"expected a scalar node, but found {found}", node.start_mark)
    return UnsafeText(node.value)


ANSIBLE = Dialect(tags={"!vault": lambda node: VAULT, "!unsafe": _unsafe}, strict=True)


def load_yaml(text: str) -> Any:
    """The first non-empty document of a YAML text, with marks. Raises InputError with a line."""
    return load_first(text, ANSIBLE)
