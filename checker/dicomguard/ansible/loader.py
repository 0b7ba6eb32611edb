"""YAML for Ansible: PyYAML's safe loader (C when available) with the line of every mapping,
sequence and key kept, `!vault` as an opaque Unknown and `!unsafe` as literal text."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import yaml

from dicomguard.limits import check_yaml_expansion
from dicomguard.model import InputError, Unknown

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class MarkedMap(dict[Any, Any]):
    """A mapping that remembers where it was written, and where each of its keys was."""

    line: int = 0
    end_line: int = 0
    key_lines: dict[Any, int]


class MarkedList(list[Any]):
    line: int = 0
    end_line: int = 0


class UnsafeText(str):
    """A `!unsafe` string: Ansible never templates it, neither do we."""


VAULT = Unknown("an Ansible Vault encrypted value (never decrypted)")


class AnsibleLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    pass


def _mapping(loader: AnsibleLoader, node: yaml.MappingNode) -> Any:
    data = MarkedMap()
    data.line = node.start_mark.line + 1
    data.end_line = max(node.end_mark.line, node.start_mark.line + 1)
    data.key_lines = {}
    yield data
    loader.flatten_mapping(node)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if isinstance(key, list | dict):
            raise yaml.constructor.ConstructorError(
                None, None, "a mapping key must be a plain value", key_node.start_mark)
        data[key] = loader.construct_object(value_node, deep=True)
        data.key_lines[key] = key_node.start_mark.line + 1


def _sequence(loader: AnsibleLoader, node: yaml.SequenceNode) -> Any:
    data = MarkedList()
    data.line = node.start_mark.line + 1
    data.end_line = max(node.end_mark.line, node.start_mark.line + 1)
    yield data
    data.extend(loader.construct_sequence(node, deep=True))


def _vault(loader: AnsibleLoader, node: yaml.Node) -> Unknown:
    return VAULT


def _unsafe(loader: AnsibleLoader, node: yaml.Node) -> UnsafeText:
    return UnsafeText(loader.construct_scalar(node))


AnsibleLoader.add_constructor("tag:yaml.org,2002:map", _mapping)
AnsibleLoader.add_constructor("tag:yaml.org,2002:seq", _sequence)
AnsibleLoader.add_constructor("!vault", _vault)
AnsibleLoader.add_constructor("!unsafe", _unsafe)


def load_yaml(text: str) -> Any:
    """The first non-empty document of a YAML text, with marks. Raises InputError with a line."""
    try:
        documents = list(_documents(text))
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else None
        raise InputError(f"invalid YAML: {error.problem or error}", line) from None
    except yaml.YAMLError as error:
        raise InputError(f"invalid YAML: {error}") from None
    documents = [document for document in documents if document is not None]
    if not documents:
        return None
    return documents[0]


def _documents(text: str) -> Iterator[Any]:
    """yaml.load_all, with each document's aliases bounded before they are followed."""
    loader = AnsibleLoader(text)
    try:
        while loader.check_node():
            node = loader.get_node()
            check_yaml_expansion(node)
            yield loader.construct_document(node)
    finally:
        loader.dispose()


def line_of(value: Any, default: int = 1) -> int:
    return getattr(value, "line", 0) or default


def end_line_of(value: Any, default: int = 1) -> int:
    return getattr(value, "end_line", 0) or line_of(value, default)
