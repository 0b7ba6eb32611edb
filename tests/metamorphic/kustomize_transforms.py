"""Kustomization rewrites that cannot change what `kustomize build` produces."""

from __future__ import annotations

import posixpath
from typing import Any

import yaml

from tests.metamorphic.tree import NotApplicable, Tree, Variant

KUSTOMIZATION_NAMES = {"kustomization.yaml", "kustomization.yml", "Kustomization"}


def inline_patches(tree: Tree) -> Variant:
    """Strategic-merge patches read from files written out in place under
    `patchesStrategicMerge`, as kustomize allows, and their files removed."""
    files = dict(tree)
    for name, text in tree.items():
        if posixpath.basename(name) not in KUSTOMIZATION_NAMES:
            continue
        spec = yaml.safe_load(text)
        if not isinstance(spec, dict):
            continue
        directory = posixpath.dirname(name)
        kept: list[Any] = []
        inline: list[str] = []
        for entry in spec.get("patches") or []:
            path = _patch_file(directory, entry)
            if path in files:
                inline.append(files.pop(path))
            else:
                kept.append(entry)
        if not inline:
            continue
        if kept:
            spec["patches"] = kept
        else:
            del spec["patches"]
        spec["patchesStrategicMerge"] = [*spec.get("patchesStrategicMerge", []), *inline]
        files[name] = yaml.safe_dump(spec, sort_keys=False, default_style=None)
    if files == tree:
        raise NotApplicable
    return Variant(files)


def _patch_file(directory: str, entry: Any) -> str | None:
    """The file of a patch entry that names nothing but its file (no target)."""
    if not isinstance(entry, dict) or set(entry) != {"path"}:
        return None
    return posixpath.normpath(posixpath.join(directory, str(entry["path"])))


TRANSFORMATIONS = {
    "kustomize-inline-patches": inline_patches,
}
