"""The files Compose reads as one project, and every service of it as the merge of its
definitions: the files `COMPOSE_FILE` names in the project's `.env` (separated by
`COMPOSE_PATH_SEPARATOR`), otherwise the default file with the default override file beside it;
`extends:` (in the same file or another) and `include:` followed. Only files in the scanned tree
are read; what lies outside it is named, never read.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from dicomguard import yamlpositions
from dicomguard.apps.compose_merge import ServiceDefinition, definition, merge, rebased, tags_of
from dicomguard.apps.located import Located
from dicomguard.apps.placed_files import within_roots
from dicomguard.model import InputError
from dicomguard.records import field, record
from dicomguard.regular_files import read_regular_text

# Compose's own order of preference for the files it reads without -f.
DEFAULT_FILES = ("compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml")
DEFAULT_OVERRIDES = ("compose.override.yml", "compose.override.yaml",
                     "docker-compose.override.yml", "docker-compose.override.yaml")
MOST_EXTENDS = 20  # a longer chain of extends is taken for a cycle


@record
class ProjectService:
    """A service of the project: its merged definition and where it is first defined."""

    name: str
    service: ServiceDefinition
    file: str  # the file whose `services:` holds it
    line: int
    end_line: int
    base: Path  # directory relative paths are resolved against
    variables: dict[str, str] | None = None  # None: the project's own
    definitions: dict[str, Any] = field(default_factory=dict)  # top-level secrets, configs


@record
class Project:
    services: list[ProjectService] = field(default_factory=list)
    notes: list[tuple[str, int, str]] = field(default_factory=list)  # (file, line, message)
    errors: list[tuple[str, int, str]] = field(default_factory=list)  # what Compose rejects


def _dotenv_setting(directory: Path, name: str, roots: list[str]) -> str | None:
    from dicomguard.apps.compose import read_dotenv

    dotenv = directory / ".env"
    if not dotenv.is_file() or not within_roots(dotenv, roots):
        return None
    return read_dotenv(dotenv.read_text(encoding="utf-8", errors="replace")).get(name)


def project_files(file: Path, roots: list[str]) -> list[Path]:
    """The files of the project file belongs to, in the order Compose merges them; file is not
    among them when another project takes it in only as an override. [file] for a file read
    on its own."""
    directory = file.parent
    listed = _dotenv_setting(directory, "COMPOSE_FILE", roots)
    if listed:
        separator = _dotenv_setting(directory, "COMPOSE_PATH_SEPARATOR", roots) or os.pathsep
        named = [(directory / part.strip()) for part in listed.split(separator) if part.strip()]
        readable = [path for path in named if path.is_file() and within_roots(path, roots)]
        resolved = [path.resolve() for path in readable]
        if file.resolve() in resolved:
            return readable if resolved[0] == file.resolve() else []
        return [file]
    base = next((directory / name for name in DEFAULT_FILES
                 if (directory / name).is_file()), None)
    override = next((directory / name for name in DEFAULT_OVERRIDES
                     if (directory / name).is_file() and within_roots(directory / name, roots)),
                    None)
    if base is None or not within_roots(base, roots) or override is None:
        return [file]
    if file.name == base.name:
        return [file, override]
    return [] if file.name == override.name else [file]


def _load(path: Path) -> Located | None:
    try:
        documents = yamlpositions.load_all(read_regular_text(path), yamlpositions.COMPOSE)
    except (InputError, OSError, UnicodeDecodeError):
        return None  # reported when that file is scanned itself
    if documents and isinstance(documents[0].value, dict):
        return documents[0]
    return None


def _services(located: Located) -> dict[str, Any]:
    services = located.value.get("services")
    return services if isinstance(services, dict) else {}


class _Reader:
    """Reads the project's files once each, and follows extends between them."""

    def __init__(self, roots: list[str], project: Project) -> None:
        self.roots = roots
        self.project = project
        self.documents: dict[Path, Located | None] = {}

    def document(self, path: Path, first: Located | None = None) -> Located | None:
        key = path.resolve()
        if key not in self.documents:
            self.documents[key] = first if first is not None else _load(path)
        return self.documents[key]

    def note(self, file: str, line: int, message: str) -> None:
        self.project.notes.append((file, line, message))

    def resolved(self, file: Path, located: Located, name: str,
                 chain: tuple[tuple[Path, str], ...] = ()) -> ServiceDefinition:
        """The service as defined in file, with what it extends merged beneath it."""
        path = ("services", name)
        depth = len(chain)
        own = definition(located, str(file), path)
        extends = own.value.pop("extends", None)
        if extends is None:
            return own
        line = located.line(*path, "extends")
        if depth >= MOST_EXTENDS:
            self.note(str(file), line, f"service {name!r}: extends nests too deeply; not followed")
            return own
        target_name = extends if isinstance(extends, str) else (
            extends.get("service") if isinstance(extends, dict) else None)
        other = extends.get("file") if isinstance(extends, dict) else None
        target_file = file if other is None else file.parent / str(other)
        if not isinstance(target_name, str):
            self.note(str(file), line, f"service {name!r}: extends names no service")
            return own
        if not within_roots(target_file, self.roots) or not target_file.is_file():
            self.note(str(file), line, f"service {name!r} extends {target_name!r} from "
                      f"{other}, which is not in the scanned tree; not read")
            return own
        target_document = located if other is None else self.document(target_file)
        if target_document is None or target_name not in _services(target_document):
            self.note(str(file), line, f"service {name!r} extends {target_name!r}, which "
                      f"{other or 'this file'} does not define")
            return own
        step = (target_file.resolve(), target_name)
        if step in chain or step == (file.resolve(), name):
            self.project.errors.append((str(file), line, f"service {name!r}: extends "
                                        f"{target_name!r} in a cycle, which Compose rejects"))
            return own
        inherited = self.resolved(target_file, target_document, target_name,
                                  (*chain, (file.resolve(), name)))
        if target_file.parent.resolve() != file.parent.resolve():
            inherited = rebased(inherited, str(target_file.parent.resolve()))
        return merge(inherited, own, tags_of(located, path))


def _included(reader: _Reader, file: Path, located: Located) -> list[ProjectService]:
    """Services of the projects file includes (Compose 2.20+), each read with its own
    variables: the include's env_file, else the .env of its project directory."""
    from dicomguard.apps.compose import read_dotenv

    found: list[ProjectService] = []
    entries = located.value.get("include")
    for index, entry in enumerate(entries if isinstance(entries, list) else []):
        line = located.line("include", index)
        paths = entry.get("path") if isinstance(entry, dict) else entry
        paths = paths if isinstance(paths, list) else [paths]
        if not paths or not all(isinstance(path, str) for path in paths):
            reader.note(str(file), line, "an include whose path cannot be known; not read")
            continue
        members = [file.parent / path for path in paths]
        outside = [str(path) for path in members
                   if not within_roots(path, reader.roots) or not path.is_file()]
        if outside:
            reader.note(str(file), line, f"included {', '.join(outside)} is not in the "
                        "scanned tree; not read")
            continue
        directory = file.parent / entry["project_directory"] if isinstance(entry, dict) and \
            isinstance(entry.get("project_directory"), str) else members[0].parent
        env_files = entry.get("env_file") if isinstance(entry, dict) else None
        env_paths = [directory / ".env"] if env_files is None else [
            file.parent / str(path) for path in
            (env_files if isinstance(env_files, list) else [env_files])]
        variables: dict[str, str] = {}
        for env_path in env_paths:
            if env_path.is_file() and within_roots(env_path, reader.roots):
                variables.update(read_dotenv(env_path.read_text(encoding="utf-8",
                                                                errors="replace")))
        for service in _merged(reader, members):
            service.variables = variables
            found.append(service)
    return found


def _merged(reader: _Reader, files: list[Path], first: Located | None = None
            ) -> list[ProjectService]:
    """Every service of files merged in order, the first definition naming where it lives."""
    services: dict[str, ProjectService] = {}
    for position, path in enumerate(files):
        located = reader.document(path, first if position == 0 else None)
        if located is None:
            continue
        if position == 0:
            for service in _included(reader, path, located):
                services.setdefault(service.name, service)
        definitions = {key: located.value.get(key) for key in ("secrets", "configs")}
        for name, raw in _services(located).items():
            if not isinstance(raw, dict):
                continue
            resolved = reader.resolved(path, located, name)
            known = services.get(name)
            if known is None:
                services[name] = ProjectService(
                    name, resolved, str(path), located.line("services", name),
                    _end_line(located, ("services", name)), files[0].parent,
                    definitions={key: value for key, value in definitions.items() if value})
                continue
            known.service = merge(known.service, resolved,
                                  tags_of(located, ("services", name)))
            for key, value in definitions.items():
                if isinstance(value, dict):
                    known.definitions[key] = {**known.definitions.get(key, {}), **value}
    return list(services.values())


def _end_line(located: Located, path: tuple[Any, ...]) -> int:
    depth = len(path)
    return max((line for key, line in located.lines.items() if key[:depth] == path),
               default=located.line(*path))


def load_project(file: Path, located: Located, roots: list[str]) -> Project | None:
    """The project file is the first file of, with every service merged; None when another
    file of the scanned tree owns it (an override file, a later file of COMPOSE_FILE)."""
    files = project_files(file, roots)
    if not files:
        owner = _owner(file, roots)
        if owner is not None and _load(owner) is not None:
            return None
        files = [file]
    project = Project()
    reader = _Reader(roots, project)
    project.services = _merged(reader, files, located)
    return project


def _owner(file: Path, roots: list[str]) -> Path | None:
    """The first file of the project that takes file in as an override."""
    directory = file.parent
    for candidate in (*DEFAULT_FILES, *sorted(path.name for path in directory.glob("*.y*ml"))):
        path = directory / candidate
        if path.is_file() and path.resolve() != file.resolve() and \
                file.resolve() in [member.resolve() for member in project_files(path, roots)]:
            return path
    return None


def included_files(compose_files: list[tuple[str, str]], roots: list[str]) -> set[Path]:
    """The files that compose files (path, text) include: their services are read with the
    including project, never on their own."""
    included: set[Path] = set()
    for file, text in compose_files:
        if "include" not in text:
            continue
        try:
            documents = yamlpositions.load_all(text, yamlpositions.COMPOSE)
        except InputError:
            continue  # reported when that file is analysed
        entries = documents[0].value.get("include") if documents and isinstance(
            documents[0].value, dict) else None
        for entry in entries if isinstance(entries, list) else []:
            paths = entry.get("path") if isinstance(entry, dict) else entry
            for path in paths if isinstance(paths, list) else [paths]:
                if isinstance(path, str):
                    included.add((Path(file).parent / path).resolve())
    return included
