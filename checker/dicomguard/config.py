"""User configuration: `.dicomguard.yaml` in the scanned root, or --config FILE."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

CONFIG_NAMES = (".dicomguard.yaml", ".dicomguard.yml")


class ConfigError(Exception):
    """The configuration file is unreadable or invalid; the message names file and key."""


def find_config(paths: list[str]) -> Path | None:
    for path in paths:
        directory = Path(path) if Path(path).is_dir() else Path(path).parent
        for name in CONFIG_NAMES:
            if (directory / name).is_file():
                return directory / name
    return None


def schema() -> dict[str, Any]:
    text = resources.files("dicomguard").joinpath("schemas/config.schema.json").read_text()
    return json.loads(text)


def load_config(explicit: str | None, paths: list[str]) -> dict[str, Any]:
    path = Path(explicit) if explicit else find_config(paths)
    if path is None:
        return {}
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError as error:
        raise ConfigError(f"{path}: cannot read: {error.strerror}") from error
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise ConfigError(f"{where}: not valid YAML: {getattr(error, 'problem', error)}") from error
    validate(document, str(path))
    base = path.parent
    document["extra_ports"] = [
        {"protocol": "tcp", "service": f"configured port {entry['port']}", "severity": "high",
         **entry} for entry in document.get("extra_ports", [])
    ]
    document["policy_dirs"] = [str(base / d) for d in document.get("policy_dirs", [])]
    if "opa_ca_bundle" in document:
        document["opa_ca_bundle"] = str(base / document["opa_ca_bundle"])
    return document


def validate(document: Any, where: str) -> None:
    import jsonschema

    validator = jsonschema.Draft202012Validator(schema())
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        key = ".".join(str(part) for part in first.absolute_path) or "(top level)"
        raise ConfigError(f"{where}: {key}: {_explain(first)}")


def _explain(error: Any) -> str:
    """The validator's message, with the known keys and a likely spelling for unknown ones."""
    known = error.schema.get("properties") if error.validator == "additionalProperties" else None
    if not known or not isinstance(error.instance, dict):
        return str(error.message)
    from difflib import get_close_matches

    parts = []
    for name in sorted(set(map(str, error.instance)) - set(known)):
        close = get_close_matches(name, list(known), n=1)
        parts.append(f"unknown key {name!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
    return f"{'; '.join(parts)}; known keys: {', '.join(known)}"
