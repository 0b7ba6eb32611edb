"""Terraform: load and evaluate the configuration, then adapt its resources to facts."""

from __future__ import annotations

from dicomguard.model import CollectResult, SourceFile
from dicomguard.sources import ScanContext


def collect(files: list[SourceFile], context: ScanContext) -> CollectResult:
    from dicomguard.terraform.adapters import adapt
    from dicomguard.terraform.configuration import load

    configuration = load(files, context)
    facts, errors = adapt(configuration)
    facts.notes.extend(configuration.notes)
    return CollectResult(facts=facts, errors=[*configuration.errors, *errors])
