"""Compose's merge of one service definition over another (override files, `extends:`), with
the file and line that set every value, so that a finding points at the definition to change.

The rules are Compose's: mappings merge key by key; `command`, `entrypoint` and
`healthcheck.test` are replaced; `environment`, `labels` and `build.args` merge by variable
name; sequences are appended, then entries naming the same thing (a port, a mount target, a
secret's target, an env_file) keep only the last; a `!reset` tag removes a value and an
`!override` tag replaces it whole.
"""

from __future__ import annotations

import posixpath
from typing import Any

from dicomguard.apps.located import Located
from dicomguard.records import field, record

Where = tuple[str, int]  # (file, line)
REPLACED = frozenset({"command", "entrypoint"})
BY_NAME = frozenset({"environment", "labels", "annotations", "sysctls"})


@record
class ServiceDefinition:
    """A service as one or more files define it: its raw (not yet interpolated) settings and
    where each top-level key, list entry and variable was set."""

    value: dict[str, Any]
    where: dict[tuple[Any, ...], Where] = field(default_factory=dict)

    def line(self, *path: Any) -> Where | None:
        for cut in range(len(path), 0, -1):
            found = self.where.get(tuple(path[:cut]))
            if found is not None:
                return found
        return None


def _by_name(raw: Any) -> dict[str, Any]:
    """An environment (or labels) mapping from either of its forms, in order."""
    if isinstance(raw, dict):
        return {str(key): value for key, value in raw.items()}
    values: dict[str, Any] = {}
    for item in raw if isinstance(raw, list) else []:
        key, separator, value = str(item).partition("=")
        values[key] = value if separator else None
    return values


def _entry_key(key: str, entry: Any) -> str:
    """What two entries of a sequence must share to be the same entry (the later one wins)."""
    if key == "volumes":
        if isinstance(entry, dict):
            return str(entry.get("target"))
        pieces = str(entry).split(":")
        return pieces[1] if len(pieces) >= 2 else pieces[0]
    if key in {"secrets", "configs"}:
        default = "/run/secrets" if key == "secrets" else ""
        if isinstance(entry, dict):
            return str(entry.get("target") or f"{default}/{entry.get('source')}")
        return f"{default}/{entry}"
    if key == "ports" and isinstance(entry, dict):
        return (f"{entry.get('host_ip', '0.0.0.0')}:{entry.get('published')}:"
                f"{entry.get('target')}/{entry.get('protocol', 'tcp')}")
    if key == "env_file" and isinstance(entry, dict):
        return str(entry.get("path"))
    return str(entry)


def definition(located: Located, file: str, path: tuple[Any, ...]) -> ServiceDefinition:
    """The service at path of a parsed compose file, with the line of everything it sets."""
    value = located.value
    for part in path:
        value = value[part]
    result = ServiceDefinition(dict(value))
    for key, item in value.items():
        result.where[(key,)] = (file, located.line(*path, key))
        if key in BY_NAME and isinstance(item, dict | list):
            for index, name in enumerate(_by_name(item)):
                step = name if isinstance(item, dict) else index
                result.where[(key, name)] = (file, located.line(*path, key, step))
        elif isinstance(item, list):
            for index in range(len(item)):
                result.where[(key, index)] = (file, located.line(*path, key, index))
    return result


def tags_of(located: Located, path: tuple[Any, ...]) -> dict[str, str]:
    """The merge tags (!reset, !override) on the service's own keys."""
    depth = len(path) + 1
    return {tag_path[-1]: tag for tag_path, tag in located.tags.items()
            if len(tag_path) == depth and tag_path[:-1] == path}


def _merge_value(key: str, base: Any, over: Any) -> Any:
    if isinstance(base, dict) and isinstance(over, dict):
        merged = dict(base)
        for name, value in over.items():
            merged[name] = _merge_value(name, merged[name], value) if name in merged else value
        return merged
    if isinstance(base, list) and isinstance(over, list):
        return [*base, *over]
    return over


def _merge_build(base: Any, over: Any) -> Any:
    def as_mapping(raw: Any) -> Any:
        return {"context": raw} if isinstance(raw, str) else raw

    base, over = as_mapping(base), as_mapping(over)
    if isinstance(base, dict) and isinstance(over, dict):
        merged = _merge_value("build", base, over)
        if "args" in base and "args" in over:
            merged["args"] = {**_by_name(base["args"]), **_by_name(over["args"])}
        return merged
    return over


def merge(base: ServiceDefinition, over: ServiceDefinition,
          tags: dict[str, str] | None = None) -> ServiceDefinition:
    """over merged onto base as Compose merges an override file or an extending service."""
    value = dict(base.value)
    where = dict(base.where)
    for key, item in over.value.items():
        tag = (tags or {}).get(key)
        if tag == "!reset":
            value.pop(key, None)
            where = {path: at for path, at in where.items() if path[0] != key}
            continue
        if key not in value or tag == "!override" or key in REPLACED:
            where = {path: at for path, at in where.items() if path[0] != key}
            value[key] = item
            where.update({path: at for path, at in over.where.items() if path[0] == key})
            continue
        where[(key,)] = over.where.get((key,), where.get((key,), ("", 0)))
        if key in BY_NAME:
            value[key] = {**_by_name(value[key]), **_by_name(item)}
            where.update({path: at for path, at in over.where.items()
                          if path[0] == key and len(path) == 2})
        elif key == "build":
            value[key] = _merge_build(value[key], item)
        elif isinstance(value[key], list) and isinstance(item, list):
            value[key], entry_where = _unique_entries(key, base, over)
            where = {path: at for path, at in where.items()
                     if path[0] != key or len(path) == 1}
            where.update(entry_where)
        else:
            value[key] = _merge_value(key, value[key], item)
    return ServiceDefinition(value, where)


def _unique_entries(key: str, base: ServiceDefinition, over: ServiceDefinition
                    ) -> tuple[list[Any], dict[tuple[Any, ...], Where]]:
    """base's entries then over's, an entry naming what an earlier one names replacing it."""
    entries: list[Any] = []
    places: list[Where] = []
    positions: dict[str, int] = {}
    for source in (base, over):
        for index, entry in enumerate(source.value[key]):
            at = source.where.get((key, index), source.where.get((key,), ("", 0)))
            identity = _entry_key(key, entry)
            if identity in positions:
                entries[positions[identity]] = entry
                places[positions[identity]] = at
            else:
                positions[identity] = len(entries)
                entries.append(entry)
                places.append(at)
    return entries, {(key, index): at for index, at in enumerate(places)}


def rebased(service: ServiceDefinition, directory: str) -> ServiceDefinition:
    """A service read from a file in another directory, its relative host paths (build
    context, env_file, bind mounts) made absolute as Compose resolves them."""
    def absolute(path: Any) -> Any:
        if isinstance(path, str) and path.startswith("."):
            return posixpath.normpath(posixpath.join(directory, path))
        return path

    value = dict(service.value)
    build = value.get("build")
    if isinstance(build, str):
        value["build"] = absolute(build)
    elif isinstance(build, dict) and "context" in build:
        value["build"] = {**build, "context": absolute(build["context"])}
    env_file = value.get("env_file")
    if isinstance(env_file, str):
        value["env_file"] = absolute(env_file)
    elif isinstance(env_file, list):
        value["env_file"] = [{**entry, "path": absolute(entry.get("path"))}
                             if isinstance(entry, dict) else absolute(entry)
                             for entry in env_file]
    volumes = value.get("volumes")
    if isinstance(volumes, list):
        value["volumes"] = [_rebased_volume(volume, absolute) for volume in volumes]
    return ServiceDefinition(value, dict(service.where))


def _rebased_volume(volume: Any, absolute: Any) -> Any:
    if isinstance(volume, dict) and "source" in volume:
        return {**volume, "source": absolute(volume["source"])}
    if isinstance(volume, str) and ":" in volume:
        source, _, rest = volume.partition(":")
        return f"{absolute(source)}:{rest}"
    return volume
