"""Which files are Terraform: by name, and plan JSON by content."""

from __future__ import annotations

from pathlib import Path

PLAN_MARKERS = ('"format_version"', '"terraform_version"')
SUFFIXES = (".tf", ".tf.json", ".tfvars", ".tfvars.json")


def named(path: Path) -> bool:
    """The name alone says the file is Terraform."""
    return path.name.endswith(SUFFIXES)


def classify(path: Path, head: str) -> str | None:
    name = path.name
    if name.endswith(".tf"):
        return "tf"
    if name.endswith(".tf.json"):
        return "tf-json"
    if name.endswith(".tfvars"):
        return "tfvars"
    if name.endswith(".tfvars.json"):
        return "tfvars-json"
    if name.endswith(".json") and head.lstrip().startswith("{") and all(
            marker in head for marker in PLAN_MARKERS):
        return "plan"
    return None
