"""YAML with the line of every value, loaded with the safe (C when available) loader only."""

from __future__ import annotations

from typing import Any

import yaml

from dicomguard.apps.located import Located, Path
from dicomguard.limits import check_yaml_expansion
from dicomguard.model import InputError

_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Constructor(yaml.SafeLoader):
    """Only used for its scalar construction (safe tags: bool, int, float, null, str...)."""


_scalars = _Constructor("")
MERGE_TAGS = frozenset({"!reset", "!override"})  # Compose's tags for how an override merges


def _convert(node: yaml.Node, path: Path, lines: dict[Path, int],
             tags: dict[Path, str] | None = None) -> Any:
    lines[path] = node.start_mark.line + 1
    if tags is not None and node.tag in MERGE_TAGS:
        tags[path] = node.tag
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                merged = _convert(value_node, (*path, "<<"), lines, tags)
                for item in merged if isinstance(merged, list) else [merged]:
                    if isinstance(item, dict):
                        for merged_key, merged_value in item.items():
                            result.setdefault(merged_key, merged_value)
                continue
            key = _convert(key_node, (), {})
            if isinstance(key, list | dict):
                key = str(key)
            value = _convert(value_node, (*path, key), lines, tags)
            lines[(*path, key)] = key_node.start_mark.line + 1
            result[key] = value
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_convert(item, (*path, index), lines, tags)
                for index, item in enumerate(node.value)]
    try:
        return _scalars.construct_object(node, deep=True)
    except yaml.constructor.ConstructorError:
        # An unknown tag (an Ansible !vault, a custom tag): keep the text, never construct.
        return node.value
    finally:
        # The constructor remembers every node it built; nothing may outlive one file.
        _scalars.constructed_objects.clear()


def load_all(text: str) -> list[Located]:
    """Every document of a YAML stream; raise InputError with the line of a syntax error."""
    documents: list[Located] = []
    try:
        for node in yaml.compose_all(text, Loader=_LOADER):
            if node is None:
                continue
            check_yaml_expansion(node)
            lines: dict[Path, int] = {}
            tags: dict[Path, str] = {}
            value = _convert(node, (), lines, tags)
            if value is None:
                continue
            documents.append(Located(value, lines, node.end_mark.line + 1, tags))
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else None
        raise InputError(f"invalid YAML: {error.problem or error}", line) from None
    except yaml.YAMLError as error:
        raise InputError(f"invalid YAML: {error}") from None
    return documents
