"""Collect facts from Orthanc JSON, docker-compose files and Kubernetes manifests.

`analyse_text` is the pure entry point other families use for text they render themselves
(an Ansible template of orthanc.json or of a compose file).
"""

from __future__ import annotations

from typing import Any

from dicomguard.model import CollectResult, InputError, Origin, ScanError, SourceFile

KINDS = ("orthanc-json", "compose", "kubernetes")


def _parse(kind: str, text: str) -> Any:
    if kind == "orthanc-json":
        from dicomguard.apps import jsonc

        return jsonc.loads(text)
    from dicomguard.apps import yamlpos

    return yamlpos.load_all(text)


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
             consumed: set[str]) -> CollectResult:
    if kind not in KINDS:
        raise ValueError(f"unknown application config kind {kind!r}; one of {KINDS}")
    result = CollectResult()
    try:
        parsed = _parse(kind, text)
    except InputError as error:
        line = error.line + line_offset if error.line else None
        result.errors.append(ScanError(file, line, error.message))
        return result
    if kind == "orthanc-json":
        try:
            return _orthanc_json(parsed.shifted(line_offset), file)
        except InputError as error:
            result.errors.append(ScanError(file, (error.line or 1) + line_offset,
                                           error.message))
            return result
    documents = [document.shifted(line_offset) for document in parsed]
    if kind == "compose":
        from dicomguard.apps import compose

        for document in documents:
            found = compose.analyse(document, file, context, consumed)
            result.facts.extend(found.facts)
            result.errors.extend(found.errors)
        return result
    from dicomguard.apps import kubernetes

    found = kubernetes.analyse(documents, file, context)
    result.facts.extend(found.facts)
    result.errors.extend(found.errors)
    return result


def analyse_text(kind: str, text: str, file: str, context: Any,
                 line_offset: int = 0) -> CollectResult:
    """Facts from one application config given as text.

    kind: "orthanc-json", "compose" or "kubernetes". file is the path findings name; line 1 of
    text is reported as line 1 + line_offset. Bad input becomes a ScanError, never an exception.
    """
    return _analyse(kind, text, file, context, line_offset, set())


def collect(files: list[SourceFile], context: Any) -> CollectResult:
    result = CollectResult()
    consumed: set[str] = set()  # Orthanc configs already read as mounted into a container
    # Compose and Kubernetes first: they say which Orthanc configs their containers mount.
    order = {"compose": 0, "kubernetes": 1, "orthanc-json": 2}
    ordered = sorted(files, key=lambda source: order[source.kind])
    for source in ordered:
        if source.kind == "orthanc-json" and source.path in consumed:
            continue
        try:
            text = source.read_text()
        except (OSError, UnicodeDecodeError) as error:
            result.errors.append(ScanError(source.path, None, f"cannot read: {error}"))
            continue
        found = _analyse(source.kind, text, source.path, context, 0, consumed)
        result.facts.extend(found.facts)
        result.errors.extend(found.errors)
    return result
