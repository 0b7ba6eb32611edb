"""Traefik's configuration as flat settings, each with the file and line that wrote it: the
static configuration (entry points, providers) from `command:` flags, `TRAEFIK_*` variables or a
traefik.yml / traefik.toml, and the dynamic one (routers, services, middlewares, TLS options)
from Docker labels or the file provider's YAML / TOML. Every source becomes the same shape, a
path such as ("http", "routers", "pacs", "rule") to a Setting, so one reading serves them all.

Option names are compared in lower case, as Traefik does; the names of routers, services,
middlewares and TLS options keep their case.
"""

from __future__ import annotations

import re
import shlex
import tomllib
from collections.abc import Iterable
from typing import Any

import yaml

from dicomguard.model import InputError, Unknown, is_unknown
from dicomguard.records import record

LABEL_PREFIX = "traefik."
ENVIRONMENT_PREFIX = "TRAEFIK_"
DYNAMIC_SECTIONS = frozenset({"http", "tcp", "udp", "tls"})
NAME_INDEX = 2  # http.routers.<name>...: the one step that keeps its case

Path = tuple[Any, ...]


@record(frozen=True)
class Setting:
    """One value as written (a string, a number, a bool, or Unknown) and where."""

    value: Any
    file: str
    line: int
    written: Any = None  # the text before interpolation, for messages when value is Unknown


Flat = dict[Path, Setting]


def _key(path: Iterable[Any]) -> Path:
    return tuple(step if isinstance(step, int) or index == NAME_INDEX else str(step).lower()
                 for index, step in enumerate(path))


def flatten(value: Any, file: str, line_of: Any, path: Path = ()) -> Flat:
    """Every scalar of a nested mapping as (lower-cased path) -> Setting; line_of(path as
    written) gives its line."""
    found: Flat = {}
    if isinstance(value, dict | list) and not value:  # `tls: {}` turns TLS on
        found[_key(path)] = Setting(True, file, line_of(path))
    elif isinstance(value, dict):
        for key, item in value.items():
            found.update(flatten(item, file, line_of, (*path, key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.update(flatten(item, file, line_of, (*path, index)))
    else:
        found[_key(path)] = Setting(value, file, line_of(path))
    return found


def from_labels(labels: Iterable[tuple[Any, ...]]) -> Flat:
    """`traefik.http.routers.pacs.rule=...` labels (key, value, file, line[, as written]) as
    settings."""
    found: Flat = {}
    for key, value, file, line, *written in labels:
        if not key.lower().startswith(LABEL_PREFIX):
            continue
        path = _key(key[len(LABEL_PREFIX):].split("."))
        found[path] = Setting("" if value is None else value, file, line,
                              written[0] if written else None)
    return found


def _flag_value(text: str) -> Any:
    return True if text == "" else text


def from_flags(arguments: Iterable[tuple[Any, ...]]) -> Flat:
    """`--entrypoints.web.address=:80` (or `--name value`) command arguments (argument, file,
    line[, as written before interpolation]) as settings; a bare `--name` is true."""
    found: Flat = {}
    items = list(arguments)
    index = 0
    while index < len(items):
        argument, file, line = items[index][:3]
        index += 1
        if is_unknown(argument):
            # the flag's name as written, its value a variable with no value
            written = str(items[index - 1][3]) if len(items[index - 1]) > 3 else ""
            name = written.lstrip("-").partition("=")[0]
            if written.startswith("-") and "$" not in name:
                found[_key(name.split("."))] = Setting(argument, file, line)
            continue
        text = str(argument)
        if not text.startswith("-"):
            continue
        name, separator, value = text.lstrip("-").partition("=")
        if not separator and index < len(items) and not str(items[index][0]).startswith("-") \
                and not is_unknown(items[index][0]):
            value = str(items[index][0])
            index += 1
        found[_key(name.split("."))] = Setting(_flag_value(value), file, line)
    return found


def from_environment(environment: dict[str, Any], lines: dict[str, int], file: str,
                     default_line: int) -> Flat:
    """`TRAEFIK_ENTRYPOINTS_WEB_ADDRESS=:80` variables as settings."""
    found: Flat = {}
    for name, value in environment.items():
        if name.upper().startswith(ENVIRONMENT_PREFIX):
            path = _key(name[len(ENVIRONMENT_PREFIX):].split("_"))
            found[path] = Setting(value, file, lines.get(name, default_line))
    return found


def command_arguments(command: Any, file: str, line: int, lines: dict[int, int] | None = None,
                      written: dict[int, Any] | None = None) -> list[tuple[Any, ...]]:
    """A compose or Kubernetes command (a list, or one string split as a shell would) as
    (argument, file, line, as written); lines gives the line of each list entry, written its
    text before interpolation."""
    if is_unknown(command):
        return [(command, file, line)]
    if isinstance(command, str):
        try:
            return [(part, file, line) for part in shlex.split(command)]
        except ValueError:
            return [(Unknown(f"command {command!r} cannot be split"), file, line)]
    if isinstance(command, list):
        return [(item, file, (lines or {}).get(index, line),
                 (written or {}).get(index, item)) for index, item in enumerate(command)]
    return []


def read_yaml(text: str, file: str) -> Flat:
    """A YAML configuration file; raises InputError naming the line of bad syntax."""
    from dicomguard.yamlpositions import load_all

    try:
        documents = load_all(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise InputError(f"not valid YAML: {getattr(error, 'problem', error)}",
                         mark.line + 1 if mark else None) from error
    found: Flat = {}
    for document in documents:
        if not isinstance(document.value, dict):
            raise InputError("a Traefik configuration must be a mapping", document.line())
        found.update(flatten(document.value, file,
                             lambda path, located=document: located.line(*path)))
    return found


_TABLE = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(?:#.*)?$")
_ASSIGNMENT = re.compile(r"^\s*((?:[A-Za-z0-9_-]+|\"[^\"]*\"|'[^']*')"
                         r"(?:\s*\.\s*(?:[A-Za-z0-9_-]+|\"[^\"]*\"|'[^']*'))*)\s*=")


def _toml_keys(text: str) -> list[str]:
    return [part.strip().strip("\"'") for part in re.findall(
        r"\"[^\"]*\"|'[^']*'|[^.]+", text)]


def _toml_lines(text: str) -> dict[Path, int]:
    """The line of each table and key of a TOML text (arrays of tables counted)."""
    lines: dict[Path, int] = {}
    table: Path = ()
    arrays: dict[Path, int] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        header = _TABLE.match(raw)
        if header:
            path: Path = tuple(_toml_keys(header.group(2)))
            if header.group(1) == "[[":
                arrays[path] = arrays.get(path, -1) + 1
                path = (*path, arrays[path])
            table = path
            lines.setdefault(table, number)
            continue
        assignment = _ASSIGNMENT.match(raw)
        if assignment:
            lines.setdefault((*table, *_toml_keys(assignment.group(1))), number)
    return lines


def read_toml(text: str, file: str) -> Flat:
    """A TOML configuration file; raises InputError for bad syntax."""
    try:
        value = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        match = re.search(r"line (\d+)", str(error))
        line = int(match.group(1)) if match else (
            len(text.splitlines()) or 1 if "end of document" in str(error) else None)
        raise InputError(f"not valid TOML: {error}", line) from error
    lines = _toml_lines(text)

    def line_of(path: Path) -> int:
        for cut in range(len(path), 0, -1):
            if tuple(path[:cut]) in lines:
                return lines[tuple(path[:cut])]
        return 1

    return flatten(value, file, line_of)


def read_config(text: str, file: str) -> Flat:
    return read_toml(text, file) if file.lower().endswith(".toml") else read_yaml(text, file)


def names(flat: Flat, *prefix: Any) -> list[str]:
    """The names one step below prefix, in the order first written."""
    depth = len(prefix)
    key = _key(prefix)
    return list(dict.fromkeys(str(path[depth]) for path in flat
                              if len(path) > depth and path[:depth] == key))


def lowered_names(flat: Flat, *prefix: Any) -> list[str]:
    return list(dict.fromkeys(name.lower() for name in names(flat, *prefix)))


def setting(flat: Flat, *path: Any) -> Setting | None:
    return flat.get(_key(path))


def settings_list(flat: Flat, *path: Any) -> list[Setting]:
    """A list setting, written as a list or as one comma-separated string."""
    key = _key(path)
    single = flat.get(key)
    if single is not None:
        if is_unknown(single.value):
            return [single]
        return [Setting(part.strip(), single.file, single.line)
                for part in str(single.value).split(",") if part.strip()]
    return [flat[item] for item in sorted(
        (item for item in flat if len(item) == len(key) + 1 and item[:len(key)] == key
         and isinstance(item[-1], int)), key=lambda item: item[-1])]


def subtree(flat: Flat, *prefix: Any) -> Flat:
    key = _key(prefix)
    return {path: value for path, value in flat.items() if path[:len(key)] == key}


def is_true(found: Setting | None) -> Any:
    """True, False, or Unknown when the value cannot be known; None when not set."""
    if found is None:
        return None
    if is_unknown(found.value):
        return found.value
    if isinstance(found.value, bool):
        return found.value
    return str(found.value).strip().lower() not in {"false", "0", "no", "off"}


def dynamic_part(flat: Flat) -> Flat:
    return {path: value for path, value in flat.items() if path[0] in DYNAMIC_SECTIONS}
