"""Reading the files a project refers to: parsed once, confined to the scanned tree, errors
recorded once per file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dicomguard.ansible.loader import load_yaml
from dicomguard.ansible.vault import encrypted_file_mark, is_vault_encrypted
from dicomguard.discover import display_path
from dicomguard.model import ScanError
from dicomguard.units import unit_error

YAML_SUFFIXES = (".yml", ".yaml", ".json", "")


class Documents:
    def __init__(self, roots: list[str]) -> None:
        self.roots = [Path(root).resolve() for root in roots]
        self.errors: list[ScanError] = []
        self._yaml: dict[Path, Any] = {}
        self._text: dict[Path, str | None] = {}
        self._inside: dict[str, bool] = {}
        self._resolved: dict[str, Path] = {}
        self._vars: dict[str, dict[str, Any]] = {}
        self._cfg: dict[str, dict[str, list[Path]]] = {}
        self.reached: set[Path] = set()
        self.notes: list[tuple[str, int, str]] = []  # (file, line, what could not be followed)

    def resolve(self, path: Path) -> Path:
        """path.resolve(), remembered per directory: a file costs one lstat, not one per
        component of its path."""
        key = str(path)
        if key not in self._resolved:
            parent = path.parent
            if parent == path or path.name in ("", ".", "..") or path.is_symlink():
                self._resolved[key] = path.resolve()
            else:
                self._resolved[key] = self.resolve(parent) / path.name
        return self._resolved[key]

    def inside(self, path: Path) -> bool:
        key = str(path)
        if key not in self._inside:
            resolved = self.resolve(path)
            self._inside[key] = any(
                resolved == root or root in resolved.parents or
                (root.is_file() and resolved.parent == root.parent) for root in self.roots)
        return self._inside[key]

    def text(self, path: Path) -> str | None:
        """A file's text; None (and an error, unless it is simply absent) when unreadable."""
        path = self.resolve(path)
        if path not in self._text:
            self._text[path] = None
            if self.inside(path) and path.is_file():
                try:
                    self._text[path] = path.read_text(encoding="utf-8")
                except (OSError, UnicodeDecodeError) as error:
                    self.errors.append(ScanError(display_path(path), None,
                                                 f"cannot read: {error}"))
        return self._text[path]

    def yaml(self, path: Path) -> Any:
        """A YAML file's document; None when absent, empty or broken (the error is recorded)."""
        path = self.resolve(path)
        if path in self._yaml:
            return self._yaml[path]
        self._yaml[path] = None
        text = self.text(path)
        if text is None:
            return None
        self.reached.add(path)
        try:
            self._yaml[path] = load_yaml(text)
        except Exception as error:  # one file's failure costs its own findings only
            self.errors.append(unit_error(display_path(path), error))
        return self._yaml[path]

    def vars_file(self, path: Path) -> dict[str, Any]:
        """A variables file, or every file of a variables directory (in name order). The same
        mapping is returned each time: callers layer it, never change it."""
        key = str(path)
        if key not in self._vars:
            self._vars[key] = self._read_vars(path)
        return self._vars[key]

    def _read_vars(self, path: Path) -> dict[str, Any]:
        merged: dict[str, Any] = {}
        for candidate in vars_candidates(path):
            if is_vault_encrypted(self.text(candidate) or ""):
                shown = display_path(candidate)
                merged.update(encrypted_file_mark(shown))
                self.notes.append((shown, 1, "encrypted with Ansible Vault (never decrypted): "
                                             "the variables it defines are unknown"))
                continue
            document = self.yaml(candidate)
            if isinstance(document, dict):
                merged.update(document)
            elif document is not None:
                self.errors.append(ScanError(display_path(candidate), getattr(document, "line", 1),
                                             "a variables file must hold a mapping"))
        return merged

    def ansible_cfg(self, directory: Path) -> dict[str, list[Path]]:
        """`roles_path` and `inventory` of the ansible.cfg in a project directory, as paths."""
        key = str(directory)
        if key not in self._cfg:
            self._cfg[key] = {}
            text = self.text(directory / "ansible.cfg")
            if text is not None:
                self._cfg[key] = _cfg_paths(text, directory)
        return self._cfg[key]


def _cfg_paths(text: str, directory: Path) -> dict[str, list[Path]]:
    import configparser

    parser = configparser.RawConfigParser(strict=False, inline_comment_prefixes=(";", "#"))
    try:
        parser.read_string(text)
    except configparser.Error:
        return {}
    found: dict[str, list[Path]] = {}
    for option in ("roles_path", "inventory", "collections_path", "collections_paths"):
        value = parser.get("defaults", option, fallback=None)
        if value:
            found[option] = [directory / part.strip() for part in
                             value.replace(",", ":").split(":")
                             if part.strip() and not part.strip().startswith(("~", "$"))]
    return found


def vars_candidates(path: Path) -> list[Path]:
    """group_vars/web, group_vars/web.yml, group_vars/web/*.yml ..."""
    found = [path.with_name(path.name + suffix) for suffix in YAML_SUFFIXES
             if path.with_name(path.name + suffix).is_file()]
    if path.is_dir():
        found.extend(sorted(child for child in path.rglob("*")
                            if child.is_file() and child.suffix in (".yml", ".yaml", ".json")))
    return found


def find_file(name: str, search: list[Path]) -> Path | None:
    """The first existing file named `name` in the search directories (Ansible's search path)."""
    for directory in search:
        candidate = directory / name
        if candidate.is_file():
            return candidate
    return None
