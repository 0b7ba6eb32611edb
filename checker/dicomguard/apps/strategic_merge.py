"""Kubernetes strategic merge of one patch document onto one resource, for the simple cases
kustomize patches use: mappings merge key by key (`null` deletes), lists of mappings merge item
by item on their merge key (containers, ports, env, volumes and their mounts by name, else by
containerPort, port or mountPath), every other list and value is replaced. The merged document
keeps, for each value, the line of the document (base or patch) that wrote it.
"""

from __future__ import annotations

from typing import Any

from dicomguard.apps.located import Located, Path

MERGE_KEYS = ("name", "containerPort", "port", "mountPath", "ip", "topologyKey")
DIRECTIVE = "$patch"


def _copy_lines(source: dict[Path, int], prefix: Path, target: Path,
                into: dict[Path, int]) -> None:
    depth = len(prefix)
    for path, line in source.items():
        if path[:depth] == prefix:
            into[(*target, *path[depth:])] = line


def _merge_key(base: list[Any], patch: list[Any]) -> str | None:
    items = [*base, *patch]
    if not items or not all(isinstance(item, dict) for item in items):
        return None
    return next((key for key in MERGE_KEYS if all(key in item for item in patch)), None)


class _Merge:
    def __init__(self, base: Located, patch: Located) -> None:
        self.base, self.patch = base, patch
        self.lines: dict[Path, int] = {}

    def value(self, base: Any, patch: Any, base_path: Path, patch_path: Path,
              out: Path) -> Any:
        if isinstance(base, dict) and isinstance(patch, dict):
            return self.mapping(base, patch, base_path, patch_path, out)
        if isinstance(base, list) and isinstance(patch, list):
            key = _merge_key(base, patch)
            if key is not None:
                return self.keyed_list(base, patch, key, base_path, patch_path, out)
        _copy_lines(self.patch.lines, patch_path, out, self.lines)
        return patch

    def mapping(self, base: dict[Any, Any], patch: dict[Any, Any], base_path: Path,
                patch_path: Path, out: Path) -> dict[Any, Any]:
        if base_path in self.base.lines:
            self.lines[out] = self.base.lines[base_path]
        merged: dict[Any, Any] = {}
        for key, value in base.items():
            if key in patch:
                continue
            merged[key] = value
            _copy_lines(self.base.lines, (*base_path, key), (*out, key), self.lines)
        for key, value in patch.items():
            if value is None or key == DIRECTIVE:
                continue
            if key in base:
                merged[key] = self.value(base[key], value, (*base_path, key),
                                         (*patch_path, key), (*out, key))
            else:
                merged[key] = value
                _copy_lines(self.patch.lines, (*patch_path, key), (*out, key), self.lines)
        return merged

    def keyed_list(self, base: list[Any], patch: list[Any], key: str, base_path: Path,
                   patch_path: Path, out: Path) -> list[Any]:
        if base_path in self.base.lines:
            self.lines[out] = self.base.lines[base_path]
        patches = {item[key]: (index, item) for index, item in enumerate(patch)}
        merged: list[Any] = []
        for index, item in enumerate(base):
            found = patches.pop(item.get(key), None)
            target = (*out, len(merged))
            if found is None:
                merged.append(item)
                _copy_lines(self.base.lines, (*base_path, index), target, self.lines)
            elif found[1].get(DIRECTIVE) != "delete":
                merged.append(self.mapping(item, found[1], (*base_path, index),
                                           (*patch_path, found[0]), target))
        for index, item in patches.values():
            if item.get(DIRECTIVE) == "delete":
                continue
            _copy_lines(self.patch.lines, (*patch_path, index), (*out, len(merged)), self.lines)
            merged.append(item)
        return merged


def merged(base: Located, patch: Located) -> Located:
    """base with patch merged in; lines of both documents kept (they share one line space)."""
    merge = _Merge(base, patch)
    value = merge.value(base.value, patch.value, (), (), ())
    return Located(value, merge.lines, max(base.end_line, patch.end_line))
