"""Files a compose service places inside its container (bind mounts, `secrets:`, `configs:`,
files its Dockerfile copies) and which of them Orthanc reads as its configuration.

Orthanc reads the files or directories named on its command line; the Orthanc images run it
on /etc/orthanc unless the service's `command:` names other paths (jodogne images, and images
built on one). A directory is read for its `*.json` files.
"""

from __future__ import annotations

import posixpath
from pathlib import Path
from typing import Any

from dicomguard.apps.located import Located
from dicomguard.knowledge.images import orthanc_config_dirs, orthanc_family
from dicomguard.model import InputError, ScanError, is_unknown
from dicomguard.records import record
from dicomguard.regular_files import read_regular_text

ORTHANC_CONFIG_DIR = "/etc/orthanc"
SECRETS_DIR = "/run/secrets"


@record(frozen=True)
class PlacedFile:
    """A host file or directory visible at container_path; host None: not in the scanned tree
    (a named volume, an external secret), described by what."""

    container_path: str
    host: Path | None
    what: str


@record
class OrthancConfigFiles:
    files: list[tuple[Located, str]]
    unreadable: list[str]
    errors: list[ScanError]


def within_roots(path: Path, roots: list[str]) -> bool:
    resolved = path.resolve()
    return any(resolved.is_relative_to(Path(root).resolve()) for root in roots or ["."])


def _host_path(source: str, base: Path) -> Path:
    return Path(source) if source.startswith("/") else (base / source).resolve()


def mounted_files(service: dict[str, Any], base: Path) -> list[PlacedFile]:
    """Bind mounts of host paths (named volumes are placed with no host file)."""
    placed = []
    for volume in service.get("volumes") or []:
        if isinstance(volume, dict):
            source, target = volume.get("source"), volume.get("target")
        elif isinstance(volume, str):
            pieces = volume.split(":")
            source, target = (pieces[0], pieces[1]) if len(pieces) >= 2 else (None, pieces[0])
        else:
            continue
        if not isinstance(target, str):
            continue
        if isinstance(source, str) and source.startswith((".", "/", "~")):
            placed.append(PlacedFile(target, _host_path(source, base), source))
        else:
            placed.append(PlacedFile(target, None, f"volume {source or target!r}"))
    return placed


def _definition_files(kind: str, references: Any, definitions: Any, base: Path,
                      default_dir: str) -> list[PlacedFile]:
    placed = []
    for reference in references if isinstance(references, list) else []:
        if isinstance(reference, dict):
            name, target = reference.get("source"), reference.get("target")
        else:
            name, target = reference, None
        if not isinstance(name, str):
            continue
        target = target if isinstance(target, str) and target else name
        container_path = target if target.startswith("/") else posixpath.join(default_dir, target)
        definition = definitions.get(name) if isinstance(definitions, dict) else None
        source = definition.get("file") if isinstance(definition, dict) else None
        if isinstance(source, str):
            placed.append(PlacedFile(container_path, _host_path(source, base), source))
        else:
            placed.append(PlacedFile(container_path, None, f"{kind} {name!r}"))
    return placed


def secret_and_config_files(service: dict[str, Any], project: dict[str, Any], base: Path
                            ) -> list[PlacedFile]:
    """Files of the service's `secrets:` (in /run/secrets unless a target says otherwise) and
    `configs:` (at /<name> by default), from the project's top-level `file:` sources."""
    return [*_definition_files("secret", service.get("secrets"), project.get("secrets"), base,
                               SECRETS_DIR),
            *_definition_files("config", service.get("configs"), project.get("configs"), base,
                               "/")]


def orthanc_config_paths(image: Any, command: Any) -> list[str]:
    """Where Orthanc looks for its configuration: the paths a `command:` gives an image whose
    entry point is Orthanc itself (the jodogne images), else the image's own directories."""
    if command is None or is_unknown(command) or not isinstance(image, str) or \
            orthanc_family(image) != "jodogne":
        return list(orthanc_config_dirs(image))
    words = command.split() if isinstance(command, str) else command
    paths = [word for word in words if isinstance(word, str) and word.startswith("/")]
    return [posixpath.normpath(path) for path in paths] or [ORTHANC_CONFIG_DIR]


def read_by_orthanc(container_path: str, config_paths: list[str]) -> bool:
    """Whether Orthanc reads what lies at container_path (a file, or a directory's JSON).
    Beside /etc/orthanc, only JSON files count: /run/secrets also holds passwords."""
    path = posixpath.normpath(container_path)
    for config in config_paths:
        if path == config:
            return True
        if path.startswith(config.rstrip("/") + "/"):
            return config == ORTHANC_CONFIG_DIR or path.endswith(".json")
    return False


def _config_rank(item: PlacedFile, config_paths: list[str]) -> int:
    """Files are merged in the order of their directories (later ones win)."""
    path = posixpath.normpath(item.container_path)
    return next((index for index, config in enumerate(config_paths)
                 if path == config or path.startswith(config.rstrip("/") + "/")),
                len(config_paths))


def orthanc_config_files(placed: list[PlacedFile], config_paths: list[str],
                         roots: list[str]) -> OrthancConfigFiles:
    """The Orthanc configuration files among what is placed in the container, read from the
    scanned tree; what lies outside it is named as unreadable."""
    from dicomguard.apps import jsonc
    from dicomguard.discover import display_path

    found = OrthancConfigFiles([], [], [])
    for item in sorted(placed, key=lambda item: _config_rank(item, config_paths)):
        if not read_by_orthanc(item.container_path, config_paths):
            continue
        if item.host is None or not within_roots(item.host, roots) or not item.host.exists():
            found.unreadable.append(f"{item.what} placed at {item.container_path}")
            continue
        if item.host.is_dir():
            candidates = sorted(item.host.glob("*.json"))
        elif item.container_path.endswith(".json") or posixpath.normpath(
                item.container_path) in config_paths:
            candidates = [item.host]
        else:
            continue
        for candidate in candidates:
            shown = display_path(candidate)
            try:
                found.files.append((jsonc.loads(read_regular_text(candidate)), shown))
            except InputError as error:
                found.errors.append(ScanError(shown, error.line, error.message))
                found.unreadable.append(shown)
            except (OSError, UnicodeDecodeError) as error:
                found.errors.append(ScanError(shown, None, f"cannot read: {error}"))
                found.unreadable.append(shown)
    return found
