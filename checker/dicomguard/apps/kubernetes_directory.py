"""The Kubernetes manifests of one directory are applied together (`kubectl apply -f DIR`, a
kustomization): a pod mounts or reads ConfigMaps and Secrets written in the files beside its own.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dicomguard.model import SourceFile


class ManifestDirectories:
    """The ConfigMaps and Secrets of each directory's manifests, read once, on first need."""

    def __init__(self, files: list[SourceFile]) -> None:
        self.by_directory: dict[Path, list[SourceFile]] = {}
        for source in files:
            if source.kind == "kubernetes":
                self.by_directory.setdefault(Path(source.path).resolve().parent,
                                             []).append(source)
        self.stores: dict[str, list[Any]] = {}

    def stores_beside(self, source: SourceFile) -> list[Any]:
        """ConfigMaps and Secrets of the other manifests in source's directory."""
        if source.kind != "kubernetes":
            return []
        neighbours = self.by_directory.get(Path(source.path).resolve().parent, [])
        return [store for other in neighbours if other.path != source.path
                for store in self._stores_of(other)]

    def _stores_of(self, source: SourceFile) -> list[Any]:
        if source.path not in self.stores:
            self.stores[source.path] = _read_stores(source)
        return self.stores[source.path]


def _read_stores(source: SourceFile) -> list[Any]:
    """A file's ConfigMaps and Secrets; none when it cannot be read (its own analysis says
    why)."""
    from dicomguard import yamlpositions
    from dicomguard.apps.kubernetes import config_stores

    try:
        return config_stores(yamlpositions.load_all(source.read_text()), source.path)
    except Exception:  # reported when the file itself is analysed
        return []
