"""Terraform: load and evaluate the configuration, then adapt its resources to facts."""

from __future__ import annotations

from dicomguard.model import CollectResult, SourceFile
from dicomguard.sources import ScanContext


def collect(files: list[SourceFile], context: ScanContext) -> CollectResult:
    from dicomguard.terraform.adapters import adapt
    from dicomguard.terraform.configuration import load

    configuration = load(files, context)
    facts, errors = adapt(configuration)
    adapted_notes = len(facts.notes)
    facts.notes.extend(configuration.notes)
    sections = configuration.sections
    formed_errors, formed_notes = sections.modules_formed
    return CollectResult(facts=facts, errors=[*configuration.errors, *errors],
                         error_sections=[sections.files_read, formed_errors,
                                         len(configuration.errors)],
                         note_sections=[adapted_notes, adapted_notes + formed_notes])
