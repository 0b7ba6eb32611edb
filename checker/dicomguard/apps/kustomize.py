"""Kustomizations resolved in Python, the way `kustomize build` would for the simple cases:
local `resources` (files, and directories holding a kustomization), strategic-merge `patches`
and `patchesStrategicMerge`, `configMapGenerator` and `secretGenerator` (files, literals, env
files) and `namespace`. The result is read as one set of Kubernetes manifests.

Nothing is fetched: a remote resource (a URL, a git address) is a note, and so are JSON 6902
patches and components, which are not applied. Every file read lies inside the scanned tree.
Findings point at the file and line that wrote the value: a base manifest, a patch, a file a
generator reads. A kustomization another scanned kustomization uses is read with it only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dicomguard.apps.detect import KUSTOMIZATIONS
from dicomguard.apps.helm_positions import Position
from dicomguard.apps.located import Located, dig
from dicomguard.apps.placed_files import within_roots
from dicomguard.apps.relocated import relocated
from dicomguard.apps.strategic_merge import merged
from dicomguard.facts import note
from dicomguard.model import CollectResult, InputError, Origin, ScanError, SourceFile
from dicomguard.records import field, record
from dicomguard.units import unit_budget, unit_error

DEEPEST = 20
MOST_BUILT = 500  # kustomizations one build may expand (a base used twice counts twice)
REMOTE_PREFIXES = ("http://", "https://", "git@", "ssh://", "github.com/", "gitlab.com/",
                   "bitbucket.org/")


def is_remote(reference: str) -> bool:
    return reference.startswith(REMOTE_PREFIXES) or "?ref=" in reference or "//" in reference


def kustomization_in(directory: Path) -> Path | None:
    return next((directory / name for name in sorted(KUSTOMIZATIONS)
                 if (directory / name).is_file()), None)


@record
class Build:
    """Files laid end to end in one line space, and what could not be followed."""

    roots: list[str]
    positions: dict[int, Position] = field(default_factory=dict)
    used: set[Path] = field(default_factory=set)  # every file read
    notes: list[tuple[str, str]] = field(default_factory=list)  # (file, message)
    next_line: int = 0
    built: int = 0
    # (kind, current name) -> the names a resource had before a namePrefix / nameSuffix
    former: dict[tuple[str, str], set[str]] = field(default_factory=dict)

    def read(self, path: Path, mentioned_in: Path) -> tuple[str, int]:
        """The text of a file of the build and the line offset it is placed at."""
        from dicomguard.discover import display_path
        from dicomguard.regular_files import read_regular_text

        if not within_roots(path, self.roots):
            raise InputError(f"{display_path(path)} lies outside the scanned tree; not read")
        try:
            text = read_regular_text(path)
        except (OSError, UnicodeDecodeError) as error:
            raise InputError(f"{display_path(path)} (named in {display_path(mentioned_in)}): "
                             f"cannot read: {error}") from None
        offset = self.next_line
        lines = text.count("\n") + 1
        for number in range(1, lines + 1):
            self.positions[offset + number] = Position(path.resolve(), number)
        self.next_line += lines + 1
        self.used.add(path.resolve())
        return text, offset

    def documents(self, path: Path, mentioned_in: Path) -> list[Located]:
        from dicomguard import yamlpositions
        from dicomguard.discover import display_path

        text, offset = self.read(path, mentioned_in)
        try:
            documents = yamlpositions.load_all(text)
        except InputError as error:
            where = f"{display_path(path)}:{error.line}" if error.line else display_path(path)
            raise InputError(f"{where}: {error.message}") from None
        return [document.shifted(offset) for document in documents
                if isinstance(document.value, dict)]


def _strings(value: Any) -> list[str]:
    return [str(item) for item in value] if isinstance(value, list) else []


def build(kustomization: Path, context: Build, depth: int = 0) -> list[Located]:
    """The resources a kustomization produces, in its build's line space."""
    context.built += 1
    if depth > DEEPEST or context.built > MOST_BUILT:
        raise InputError(f"kustomizations nested more than {DEEPEST} deep or built more than "
                         f"{MOST_BUILT} times (a cycle?); not read")
    [document] = context.documents(kustomization, kustomization)[:1] or [Located({})]
    spec = document.value
    directory = kustomization.parent
    resources: list[Located] = []
    for reference in [*_strings(spec.get("resources")), *_strings(spec.get("bases"))]:
        if is_remote(reference):
            context.notes.append((str(kustomization), f"remote resource {reference!r} not "
                                  "fetched: its manifests are not scanned"))
            continue
        target = directory / reference
        if target.is_dir():
            nested = kustomization_in(target)
            if nested is None:
                raise InputError(f"resource {reference!r} is a directory without a "
                                 "kustomization")
            resources += build(nested, context, depth + 1)
        else:
            resources += context.documents(target, kustomization)
    resources += _generated(spec, document, directory, context, kustomization)
    for patch in _patches(spec, document, directory, context, kustomization):
        resources = [_patched(resource, patch, context.former) for resource in resources]
    _transformed(resources, spec, document, context)
    for key in ("components", "patchesJson6902", "replacements"):
        if spec.get(key):
            context.notes.append((str(kustomization), f"{key} not applied: the resources are "
                                  "read without them"))
    namespace = spec.get("namespace")
    if isinstance(namespace, str) and namespace:
        for resource in resources:
            metadata = resource.value.setdefault("metadata", {})
            if isinstance(metadata, dict):
                metadata["namespace"] = namespace
    return resources


def _patches(spec: dict[str, Any], document: Located, directory: Path, context: Build,
             kustomization: Path) -> list[tuple[Located, dict[str, Any]]]:
    """(patch document, target selector) of every strategic-merge patch."""
    from dicomguard import yamlpositions

    found: list[tuple[Located, dict[str, Any]]] = []
    for index, entry in enumerate(_strings(spec.get("patchesStrategicMerge"))):
        written = _inline_patch(entry, document.line("patchesStrategicMerge", index))
        found += [(patch, {}) for patch in
                  written or context.documents(directory / entry, kustomization)]
    for index, entry in enumerate(spec.get("patches") or []):
        if not isinstance(entry, dict):
            continue
        target: dict[str, Any] = entry["target"] if isinstance(entry.get("target"), dict) \
            else {}
        if isinstance(entry.get("path"), str):
            patches = context.documents(directory / entry["path"], kustomization)
        elif isinstance(entry.get("patch"), str):
            offset = document.line("patches", index, "patch")
            patches = [patch.shifted(offset) for patch in yamlpositions.load_all(entry["patch"])]
        else:
            continue
        for patch in patches:
            if isinstance(patch.value, dict):
                found.append((patch, target))
            else:
                context.notes.append((str(kustomization), f"patch {index + 1} is a JSON 6902 "
                                      "patch: not applied"))
    return found


def _inline_patch(entry: str, offset: int) -> list[Located]:
    """The patch an entry of `patchesStrategicMerge` writes out in place (kustomize reads an
    entry as a resource before taking it for a file name); [] for a file name."""
    from dicomguard import yamlpositions

    if "\n" not in entry and not entry.lstrip().startswith("{"):
        return []
    return [document.shifted(offset) for document in yamlpositions.load_all(entry)
            if isinstance(document.value, dict)]


def _matches(resource: dict[str, Any], patch: dict[str, Any], target: dict[str, Any],
             former: dict[tuple[str, str], set[str]]) -> bool:
    """Whether a patch applies to resource, named as it is now or as a base named it."""
    kind = target.get("kind") or patch.get("kind")
    name = target.get("name") or dig(patch, "metadata", "name")
    current = dig(resource, "metadata", "name")
    return (kind is None or resource.get("kind") == kind) and (
        name is None or current == name
        or name in former.get((str(resource.get("kind")), str(current)), set()))


def _patched(resource: Located, patch: tuple[Located, dict[str, Any]],
             former: dict[tuple[str, str], set[str]]) -> Located:
    document, target = patch
    if not _matches(resource.value, document.value, target, former):
        return resource
    result = merged(resource, document)
    name = dig(resource.value, "metadata", "name")
    if isinstance(result.value.get("metadata"), dict) and name is not None:
        result.value["metadata"]["name"] = name  # a patch naming the base's name renames nothing
    return result


def _transformed(resources: list[Located], spec: dict[str, Any], document: Located,
                 context: Build) -> None:
    """This level's namePrefix / nameSuffix, labels and images, applied in place."""
    from dicomguard.apps import kustomize_transformers as transformers

    prefix, suffix = spec.get("namePrefix"), spec.get("nameSuffix")
    transformers.renamed(resources, prefix if isinstance(prefix, str) else "",
                         suffix if isinstance(suffix, str) else "", context.former)
    common = spec.get("commonLabels")
    if isinstance(common, dict):
        transformers.labelled(resources, {str(key): str(value) for key, value in
                                          common.items()}, selectors=True, templates=True)
    for entry in spec.get("labels") or []:
        if isinstance(entry, dict) and isinstance(entry.get("pairs"), dict):
            selectors = entry.get("includeSelectors") is True
            transformers.labelled(
                resources, {str(key): str(value) for key, value in entry["pairs"].items()},
                selectors=selectors,
                templates=selectors or entry.get("includeTemplates") is True)
    images = spec.get("images")
    if isinstance(images, list):
        transformers.with_images(resources, images,
                                 lambda index: document.line("images", index))


def _generated(spec: dict[str, Any], document: Located, directory: Path, context: Build,
               kustomization: Path) -> list[Located]:
    """ConfigMaps and Secrets of configMapGenerator and secretGenerator. kustomize adds a hash
    to their names and to every reference; references are followed by the plain name."""
    found = []
    for key, kind in (("configMapGenerator", "ConfigMap"), ("secretGenerator", "Secret")):
        for index, entry in enumerate(spec.get(key) or []):
            if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
                continue
            at = document.line(key, index)
            data: dict[str, Any] = {}
            lines: dict[tuple[Any, ...], int] = {}
            field_name = "stringData" if kind == "Secret" else "data"
            for literal in _strings(entry.get("literals")):
                name, _, value = literal.partition("=")
                data[name] = value
                lines[(field_name, name)] = document.line(key, index, "literals")
            for file_entry in _strings(entry.get("files")):
                name, _, path = file_entry.rpartition("=")
                path = path or file_entry
                text, offset = context.read(directory / path, kustomization)
                data[name or Path(path).name] = text
                lines[(field_name, name or Path(path).name)] = offset  # the text starts after
            for env_file in _strings(entry.get("envs")):
                text, offset = context.read(directory / env_file, kustomization)
                for number, line in enumerate(text.splitlines(), start=1):
                    if "=" in line and not line.lstrip().startswith("#"):
                        name, _, value = line.partition("=")
                        data[name.strip()] = value
                        lines[(field_name, name.strip())] = offset + number
            metadata: dict[str, Any] = {"name": entry["name"]}
            if isinstance(entry.get("namespace"), str):
                metadata["namespace"] = entry["namespace"]
            lines.update({(): at, ("kind",): at, ("metadata",): at, ("metadata", "name"): at,
                          (field_name,): at})
            found.append(Located({"apiVersion": "v1", "kind": kind, "metadata": metadata,
                                  field_name: data}, lines, at))
    return found


class Kustomized:
    """The scanned kustomizations: which to build (those no other one builds on) and the files
    their builds read (not read again on their own)."""

    def __init__(self, files: list[SourceFile], context: Any) -> None:
        self.context = context
        self.roots = list(context.roots)
        self.nested: set[Path] = set()
        self.read_files: set[Path] = set()
        for source in files:
            if source.kind != "kustomization":
                continue
            trial = Build(self.roots)
            try:
                with unit_budget():
                    build(Path(source.path), trial)
            except Exception:  # reported when it is built on its own
                continue
            self.nested |= {path for path in trial.used if path.name in KUSTOMIZATIONS
                            and path != Path(source.path).resolve()}
            self.read_files |= trial.used

    def collect(self, source: SourceFile) -> CollectResult:
        if Path(source.path).resolve() in self.nested:
            return CollectResult()
        return collect_kustomization(source, self.context)

    def read(self, source: SourceFile) -> bool:
        """Whether a kustomization's build reads the file."""
        return Path(source.path).resolve() in self.read_files


def collect_kustomization(source: SourceFile, context: Any) -> CollectResult:
    """Facts of one kustomization's build."""
    from dicomguard.apps import kubernetes
    from dicomguard.discover import display_path

    result = CollectResult()
    state = Build(list(context.roots))
    rendered_name = f"{source.path} (built)"
    found = CollectResult()
    try:
        with unit_budget():
            resources = build(Path(source.path), state)
            found = kubernetes.analyse(resources, rendered_name, context)
    except Exception as error:  # one kustomization's failure costs its own findings only
        failed = unit_error(source.path, error)
        result.errors.append(ScanError(source.path, None, failed.message))
        return result
    for file, message in state.notes:
        result.facts.notes.append(note(Origin(display_path(Path(file)), 1, 1), message))
    moved = relocated(found, rendered_name, state.positions,
                      Position(Path(source.path), 1), result.errors,
                      unit=f"kustomization={display_path(Path(source.path).parent)}",
                      builder=Path(source.path).absolute().parent)
    result.facts.extend(moved.facts)
    return result
