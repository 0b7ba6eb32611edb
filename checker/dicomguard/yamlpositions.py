"""YAML with the line of every value, read the same way for every family.

PyYAML composes the node tree (its C composer when available); the aliases of each document
are bounded (limits.py) before anything follows them; then one walk builds values that
remember where they were written. Only PyYAML's safe scalar types are ever constructed. What
a tag outside them means is the dialect's choice: Ansible knows `!vault` and `!unsafe` and
refuses any other, application configs keep an unknown tag's text. A syntax error, a refused
tag or a bad merge key is an InputError with its line.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

import yaml

from dicomguard.apps.located import Located, Path
from dicomguard.limits import check_yaml_expansion
from dicomguard.model import InputError
from dicomguard.records import field, record

_COMPOSER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"


class MarkedMap(dict):  # type: ignore[type-arg]
    """A mapping that remembers where it was written, and where each of its keys was."""

    line: int = 0
    end_line: int = 0
    key_lines: dict[Any, int]


class MarkedList(list):  # type: ignore[type-arg]
    line: int = 0
    end_line: int = 0


@record(frozen=True)
class Dialect:
    """tags: what each special tag of the dialect builds from its node. strict: any other
    tag, and a mapping or a list as a mapping key, is an error; otherwise a tagged value is
    read as if untagged and such a key becomes its text."""

    tags: Mapping[str, Callable[[yaml.Node], Any]] = field(default_factory=dict)
    strict: bool = False
    # Tags recorded by path in Located.tags, the value read as if untagged (Compose's
    # `!reset` and `!override`, which say how an override file merges).
    recorded: frozenset[str] = frozenset()


LENIENT = Dialect()
COMPOSE = Dialect(recorded=frozenset({"!reset", "!override"}))


class _SafeConstructor(yaml.SafeLoader):
    """Used only for scalars of the safe tags (bool, int, float, null, str, timestamp...),
    for PyYAML's own `<<` merge rules, and for the safe collection tags (!!set, !!omap)."""


_safe = _SafeConstructor("")


def line_of(value: Any, default: int = 1) -> int:
    return getattr(value, "line", 0) or default


def end_line_of(value: Any, default: int = 1) -> int:
    return getattr(value, "end_line", 0) or line_of(value, default)


def load_all(text: str, dialect: Dialect = LENIENT) -> list[Located]:
    """Every non-empty document of a YAML stream, with the line of every path in it."""
    documents: list[Located] = []
    for node in _composed(text):
        lines: dict[Path, int] = {}
        recorded: dict[Path, str] = {}
        if dialect.recorded:
            _record_tags(node, dialect.recorded, (), recorded, set())
        value = _converted(_value, node, dialect, (), lines)
        if value is not None:
            documents.append(Located(value, lines, node.end_mark.line + 1, recorded))
    return documents


def _record_tags(node: yaml.Node, wanted: frozenset[str], path: Path,
                 found: dict[Path, str], walking: set[int]) -> None:
    """The path of every node carrying one of the wanted tags (before `<<` merges are
    flattened; a node reached again through an alias is not walked twice on one path)."""
    if node.tag in wanted:
        found[path] = node.tag
    if id(node) in walking:
        return
    walking.add(id(node))
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.tag != "tag:yaml.org,2002:merge":
                _record_tags(value_node, wanted, (*path, key_node.value), found, walking)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _record_tags(item, wanted, (*path, index), found, walking)
    walking.discard(id(node))


def load_first(text: str, dialect: Dialect = LENIENT) -> Any:
    """The first non-empty document of a YAML text, its mappings and lists marked with their
    lines; None when there is none. Every document is read: an error in any is the file's."""
    values = [_converted(_value, node, dialect, (), None) for node in _composed(text)]
    return next((value for value in values if value is not None), None)


def _composed(text: str) -> Iterator[yaml.Node]:
    """Each document's node tree, its aliases bounded before anything follows them."""
    loader = _COMPOSER(text)
    try:
        while _converted(loader.check_node):
            node = _converted(loader.get_node)
            if node is None:
                continue
            check_yaml_expansion(node)
            yield node
    finally:
        loader.dispose()


def _converted(step: Callable[..., Any], *arguments: Any) -> Any:
    """A step of reading YAML, with PyYAML's errors turned into InputError with their line."""
    try:
        return step(*arguments)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else None
        raise InputError(f"invalid YAML: {error.problem or error}", line) from None
    except yaml.YAMLError as error:
        raise InputError(f"invalid YAML: {error}") from None


def _value(node: yaml.Node, dialect: Dialect, path: Path, lines: dict[Path, int] | None
           ) -> Any:
    """The value a node stands for; `lines`, when given, learns the line of `path` and of
    every path below it."""
    if lines is not None:
        lines[path] = node.start_mark.line + 1
    special = dialect.tags.get(node.tag)
    if special is not None:
        return special(node)
    if isinstance(node, yaml.MappingNode):
        if node.tag != _MAP and dialect.strict:
            return _constructed(node)
        return _mapping(node, dialect, path, lines)
    if isinstance(node, yaml.SequenceNode):
        if node.tag != _SEQ and dialect.strict:
            return _constructed(node)
        return _sequence(node, dialect, path, lines)
    try:
        return _constructed(node)
    except yaml.constructor.ConstructorError:
        if dialect.strict:
            raise
        return node.value  # the text of a tag this dialect does not know, never constructed


def _constructed(node: yaml.Node) -> Any:
    try:
        return _safe.construct_object(node, deep=True)
    finally:
        # The constructor remembers every node it built; nothing may outlive one value.
        _safe.constructed_objects.clear()


def _mapping(node: yaml.MappingNode, dialect: Dialect, path: Path,
             lines: dict[Path, int] | None) -> MarkedMap:
    data = MarkedMap()
    data.line = node.start_mark.line + 1
    data.end_line = max(node.end_mark.line, data.line)
    data.key_lines = {}
    written = {id(key_node) for key_node, _ in node.value} if lines is not None else set()
    _safe.flatten_mapping(node)
    for key_node, value_node in node.value:
        key = _value(key_node, dialect, (), None)
        if isinstance(key, list | dict):
            if dialect.strict:
                raise yaml.constructor.ConstructorError(
                    None, None, "a mapping key must be a plain value", key_node.start_mark)
            key = str(key)
        key_line = key_node.start_mark.line + 1
        data.key_lines[key] = key_line
        if lines is None:
            data[key] = _value(value_node, dialect, path, None)
        elif id(key_node) in written:
            data[key] = _value(value_node, dialect, (*path, key), lines)
            lines[(*path, key)] = key_line
        else:
            # Merged in by `<<`: the value was written elsewhere, possibly for several
            # mappings; a path into it points at the mapping that merges it.
            data[key] = _value(value_node, dialect, path, None)
    return data


def _sequence(node: yaml.SequenceNode, dialect: Dialect, path: Path,
              lines: dict[Path, int] | None) -> MarkedList:
    data = MarkedList()
    data.line = node.start_mark.line + 1
    data.end_line = max(node.end_mark.line, data.line)
    if lines is None:
        data.extend(_value(item, dialect, path, None) for item in node.value)
    else:
        data.extend(_value(item, dialect, (*path, index), lines)
                    for index, item in enumerate(node.value))
    return data
