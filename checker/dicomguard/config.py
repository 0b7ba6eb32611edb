"""User configuration: `.dicomguard.yaml` in the scanned root, or --config FILE.

A configuration inside a scanned tree (found there, or named with --config) comes from the
repository under review, which may be a stranger's pull request: it may choose which rules
report and how severe they are, never where data goes or what code runs. Those settings come only
from the command line, the environment, or a --config file outside every scanned root.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from dicomguard.facts import note
from dicomguard.model import Origin
from dicomguard.records import field, record
from dicomguard.shipped import shipped_text

CONFIG_NAMES = (".dicomguard.yaml", ".dicomguard.yml")

# Settings that choose a server, a token, a certificate authority, how long to wait, how much to
# read, or Rego code to run: a repository's configuration may not set them.
OPERATOR_ONLY_KEYS = ("engine", "opa_url", "opa_token_env", "opa_ca_bundle", "opa_timeout",
                      "policy_dirs", "max_file_size")


class ConfigError(Exception):
    """The configuration file is unreadable or invalid; the message names file and key."""


@record
class Configuration:
    """The settings in force, and report notes on what a repository's configuration set."""

    settings: dict[str, Any] = field(default_factory=dict)
    notes: list[dict[str, Any]] = field(default_factory=list)


def find_config(paths: list[str]) -> Path | None:
    """The .dicomguard.yaml of a scanned root, else of the repository's root (the nearest
    directory above the first path with a .git), else of the working directory."""
    from dicomguard.identity import project_root

    directories = [Path(path) if Path(path).is_dir() else Path(path).parent for path in paths]
    for directory in (*directories, project_root(paths), Path(".")):
        for name in CONFIG_NAMES:
            if (directory / name).is_file():
                return directory / name
    return None


def _scan_roots(paths: list[str]) -> list[Path]:
    directories = [Path(path) if Path(path).is_dir() else Path(path).parent for path in paths]
    return [*(d.absolute() for d in directories), *(d.resolve() for d in directories)]


def inside_scanned_tree(config: Path, paths: list[str]) -> bool:
    """Whether the file, as named or once its links are followed, lies in a scanned root."""
    candidates = (config.absolute(), config.resolve())
    return any(candidate.is_relative_to(root)
               for candidate in candidates for root in _scan_roots(paths))


def _resolves_inside(config: Path, paths: list[str]) -> bool:
    roots = [Path(path).resolve() if Path(path).is_dir() else Path(path).resolve().parent
             for path in paths]
    roots.append(config.parent.resolve())  # where it was found: a scanned root or the repository
    return any(config.resolve().is_relative_to(root) for root in roots)


def schema() -> dict[str, Any]:
    text = shipped_text("schemas/config.schema.json")
    document: dict[str, Any] = json.loads(text)
    return document


def load_config(explicit: str | None, paths: list[str]) -> Configuration:
    """The configuration named with --config, else the one found beside the scan (find_config).
    A found one is always the repository's, and so is a named one inside a scanned tree: then
    only its rule and port settings apply."""
    path = Path(explicit) if explicit else find_config(paths)
    if path is None:
        return Configuration()
    repository = explicit is None or inside_scanned_tree(path, paths)
    if repository and not _resolves_inside(path, paths):
        raise ConfigError(f"{path}: a link to a file outside the scanned tree; a repository's "
                          "configuration is read only from inside it")
    document = _read(path)
    validate(document, str(path))
    notes: list[dict[str, Any]] = []
    if repository:
        document, notes = _repository_settings(document, path)
    base = path.parent
    document["extra_ports"] = [
        {"protocol": "tcp", "service": f"configured port {entry['port']}", "severity": "high",
         **entry} for entry in document.get("extra_ports", [])
    ]
    document["policy_dirs"] = [str(base / d) for d in document.get("policy_dirs", [])]
    if "helm" in document:
        document["helm"] = {"values_files": {
            str(base / chart): [str(base / values) for values in files]
            for chart, files in document["helm"].get("values_files", {}).items()}}
    if "opa_ca_bundle" in document:
        document["opa_ca_bundle"] = str(base / document["opa_ca_bundle"])
    return Configuration(document, notes)


def _read(path: Path) -> Any:
    import yaml

    try:
        return yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError as error:
        raise ConfigError(f"{path}: cannot read: {error.strerror}") from error
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise ConfigError(f"{where}: not valid YAML: {getattr(error, 'problem', error)}") from error


def _repository_settings(document: dict[str, Any], path: Path
                         ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The settings a repository may choose, and a note for each key it may not, so a gate
    keeps running with the operator's engine and says what it left out."""
    lines = _key_lines(path)
    notes = [note(Origin(str(path), lines.get(key, 1), lines.get(key, 1)),
                  f"{key!r} ignored: a repository's configuration may not choose the engine, "
                  "OPA server, token, CA bundle, timeout or policy directories")
             for key in OPERATOR_ONLY_KEYS if key in document]
    applied = {key: value for key, value in document.items() if key not in OPERATOR_ONLY_KEYS}
    notes.append(note(Origin(str(path), 1, 1),
                      "repository configuration applied: " + (", ".join(applied) or "nothing")))
    return applied, notes


def _key_lines(path: Path) -> dict[str, int]:
    """Line of each top-level key, for notes that point at it."""
    import yaml

    node = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {str(key.value): key.start_mark.line + 1 for key, _ in node.value}


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
