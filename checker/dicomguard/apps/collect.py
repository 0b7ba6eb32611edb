"""Collect facts from Orthanc JSON, docker-compose files and Kubernetes manifests.

`analyse_text` is the pure entry point other families use for text they render themselves
(an Ansible template of orthanc.json or of a compose file).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from dicomguard.ansible.detect import is_role_payload
from dicomguard.apps.kubernetes_directory import ManifestDirectories
from dicomguard.apps.kustomize import Kustomized
from dicomguard.apps.located import STRUCTURE_ERRORS
from dicomguard.model import CollectResult, InputError, Origin, ScanError, SourceFile
from dicomguard.units import unit_budget, unit_error

KINDS = ("orthanc-json", "compose", "kubernetes", "pg-hba", "postgresql-conf")
DATABASE_KINDS = frozenset({"pg-hba", "postgresql-conf"})


def _parse(kind: str, text: str) -> Any:
    if kind == "orthanc-json":
        from dicomguard.apps import jsonc

        return jsonc.loads(text)
    from dicomguard import yamlpositions

    return yamlpositions.load_all(text)


def _orthanc_json(located: Any, file: str) -> CollectResult:
    from dicomguard.apps.orthanc import (
        OrthancConfig,
        orthanc_facts,
        settings_from_json,
        standalone_reach,
    )

    result = CollectResult()
    config = OrthancConfig()
    config.layer(settings_from_json(located, file))
    result.facts.services.extend(orthanc_facts(
        config, Origin(file, 1, located.end_line, ""), platform="orthanc",
        reach_of=standalone_reach))
    return result


def _analyse(kind: str, text: str, file: str, context: Any, line_offset: int,
             consumed: set[str], standalone: bool = False,
             beside: Sequence[Any] = ()) -> CollectResult:
    if kind not in KINDS:
        raise ValueError(f"unknown application config kind {kind!r}; one of {KINDS}")
    if kind in DATABASE_KINDS:
        from dicomguard.apps.databases import collect_file

        return collect_file(kind, "\n" * line_offset + text, file, standalone=standalone)
    result = CollectResult()
    try:
        parsed = _parse(kind, text)
    except Exception as error:  # one file's failure costs its own findings only
        failed = unit_error(file, error)
        line = failed.line + line_offset if failed.line else None
        result.errors.append(ScanError(file, line, failed.message))
        return result
    try:
        with unit_budget():
            return _facts(kind, parsed, file, context, line_offset, consumed, beside)
    except InputError as error:  # raised with lines of the shifted documents: already absolute
        result.errors.append(ScanError(file, error.line or 1 + line_offset, error.message))
    except STRUCTURE_ERRORS as error:
        result.errors.append(ScanError(
            file, None, f"unexpected structure, not analysed ({type(error).__name__}: {error})"))
    except Exception as error:  # one file's failure costs its own findings only
        result.errors.append(unit_error(file, error, 1 + line_offset))
    return result


def _facts(kind: str, parsed: Any, file: str, context: Any, line_offset: int,
           consumed: set[str], beside: Sequence[Any] = ()) -> CollectResult:
    if kind == "orthanc-json":
        return _orthanc_json(parsed.shifted(line_offset), file)
    result = CollectResult()
    documents = [document.shifted(line_offset) for document in parsed]
    if kind == "compose":
        from dicomguard.apps import compose

        for document in documents:
            found = compose.analyse(document, file, context, consumed)
            result.facts.extend(found.facts)
            result.errors.extend(found.errors)
        return result
    from dicomguard.apps import kubernetes

    found = kubernetes.analyse(documents, file, context, beside)
    result.facts.extend(found.facts)
    result.errors.extend(found.errors)
    return result


def analyse_text(kind: str, text: str, file: str, context: Any,
                 line_offset: int = 0) -> CollectResult:
    """Facts from one application config given as text.

    kind: one of KINDS. file is the path findings name; line 1 of
    text is reported as line 1 + line_offset. Bad input becomes a ScanError, never an exception.
    """
    return _analyse(kind, text, file, context, line_offset, set())


def left_to_ansible(path: str, text: str) -> bool:
    """A file a role deploys, or a Jinja file in any templates/ directory, is read by the
    Ansible family with the task that deploys it; read here too it would be reported twice, or
    fail to parse."""
    where = Path(path)
    if is_role_payload(where):
        return True
    return any(ancestor.name == "templates" for ancestor in where.parents) and (
        "{{" in text or "{%" in text)


def _included_compose_files(files: list[SourceFile], context: Any) -> set[Path]:
    """Compose files another scanned compose file includes: read with the including project."""
    from dicomguard.apps.compose_project import included_files

    texts = []
    for source in files:
        if source.kind == "compose":
            try:
                texts.append((source.path, source.read_text()))
            except (OSError, UnicodeDecodeError):
                continue  # reported when the file is analysed
    return included_files(texts, list(context.roots))


def collect(files: list[SourceFile], context: Any) -> CollectResult:
    from dicomguard.apps.helm import chart_directories, collect_chart, in_chart

    result = CollectResult()
    consumed: set[str] = set()  # Orthanc configs already read as mounted into a container
    # Compose and Kubernetes first: they say which Orthanc configs their containers mount.
    # Kustomizations before manifests: the manifests one builds on are read with it only.
    order = {"compose": 0, "kustomization": 1, "kubernetes": 2, "helm-chart": 2}
    ordered = sorted(files, key=lambda source: order.get(source.kind, 3))
    included = _included_compose_files(ordered, context)
    charts = chart_directories(ordered)
    manifests = ManifestDirectories(ordered)
    kustomized = Kustomized(ordered, context)
    for source in ordered:
        if source.kind == "helm-chart":
            found = collect_chart(source, charts, context)
        elif source.kind == "kustomization":
            found = kustomized.collect(source)
        else:
            found = None
        if found is not None:
            result.facts.extend(found.facts)
            result.errors.extend(found.errors)
            continue
        if (charts and in_chart(source.path, charts)) or kustomized.read(source):
            continue
        if source.kind in {"orthanc-json", "pg-hba"} and source.path in consumed:
            continue
        if source.kind == "compose" and Path(source.path).resolve() in included:
            continue
        try:
            text = source.read_text()
        except (OSError, UnicodeDecodeError) as error:
            result.errors.append(ScanError(source.path, None, f"cannot read: {error}"))
            continue
        if left_to_ansible(source.path, text):
            continue
        found = _analyse(source.kind, text, source.path, context, 0, consumed, standalone=True,
                         beside=manifests.stores_beside(source))
        result.facts.extend(found.facts)
        result.errors.extend(found.errors)
    return result
