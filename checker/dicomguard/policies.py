"""Loading Rego policies: built-in and user directories, their METADATA, and the catalogue."""

from __future__ import annotations

import json
import re
from importlib import import_module
from pathlib import Path
from typing import Any

from dicomguard.policy_metadata import metadata_block, stored_metadata
from dicomguard.records import field, record
from dicomguard.severity import SEVERITIES

RULES_PACKAGE = "dicomguard.rules"
CATEGORIES = ("exposed-dicom-port", "unencrypted-storage", "missing-authentication",
              "unencrypted-transport")

_PACKAGE_LINE = re.compile(r"^package\s+([\w.]+)", re.MULTILINE)


class PolicyError(Exception):
    """A policy file that cannot be used; message names the file."""


@record
class Rule:
    """One policy rule and what users read about it."""

    id: str
    package: str
    title: str
    description: str
    severity: str
    category: str
    remediation: str
    references: list[str]
    path: str


@record
class PolicySet:
    """Every Rego module to load, the rules they define and the data they read."""

    modules: dict[str, str] = field(default_factory=dict)  # path -> source
    rules: dict[str, Rule] = field(default_factory=dict)  # package -> rule
    data: dict[str, Any] = field(default_factory=dict)

    def rule_by_id(self, rule_id: str) -> Rule | None:
        """The rule with this id, in any letter case (dg101 is DG101)."""
        for rule in self.rules.values():
            if rule.id.casefold() == rule_id.casefold():
                return rule
        return None

    def rule_ids(self, given: list[str], source: str) -> list[str]:
        """Each given id as the rules spell it; an unknown id is an error naming `source`
        (an option or a configuration key), with the closest known id."""
        known = sorted(rule.id for rule in self.rules.values())
        resolved = []
        for rule_id in given:
            rule = self.rule_by_id(str(rule_id))
            if rule is None:
                from difflib import get_close_matches

                close = get_close_matches(str(rule_id).upper(), known, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                raise PolicyError(f"{source}: unknown rule {rule_id!r}{hint}; known rules: "
                                  f"{', '.join(known)}")
            resolved.append(rule.id)
        return resolved

    def catalogue(self) -> list[dict[str, Any]]:
        return list(self.data.get("dicomguard", {}).get("catalogue", {}).get("ports", []))


def builtin_policy_dir() -> Path:
    package = import_module("dicomguard.builtin_policies")
    return Path(str(package.__file__)).parent


def parse_metadata(source: str, path: str) -> dict[str, Any] | None:
    """The YAML of the first `# METADATA` comment block, as OPA reads it."""
    block = metadata_block(source)
    if block is None:
        return None
    stored = stored_metadata(block)
    if stored is not None:
        return stored
    import yaml

    try:
        loaded = yaml.safe_load(block)
    except yaml.YAMLError as error:
        raise PolicyError(f"{path}: METADATA is not valid YAML: {error}") from error
    return loaded if isinstance(loaded, dict) else None


def rule_from_module(source: str, path: str) -> Rule | None:
    """The rule a module under `dicomguard.rules` defines; None for helper modules."""
    match = _PACKAGE_LINE.search(source)
    if not match:
        raise PolicyError(f"{path}: no package declaration")
    package = match.group(1)
    if not package.startswith(RULES_PACKAGE + "."):
        return None
    metadata = parse_metadata(source, path)
    if metadata is None:
        raise PolicyError(f"{path}: a rule needs a # METADATA block with custom.id")
    custom = metadata.get("custom") or {}
    missing = [key for key in ("id", "severity", "category") if not custom.get(key)]
    if missing:
        raise PolicyError(f"{path}: METADATA custom is missing {', '.join(missing)}")
    if custom["severity"] not in SEVERITIES:
        raise PolicyError(f"{path}: severity {custom['severity']!r} is not one of {SEVERITIES}")
    return Rule(
        id=str(custom["id"]),
        package=package,
        title=str(metadata.get("title", custom["id"])),
        description=str(metadata.get("description", "")).strip(),
        severity=custom["severity"],
        category=str(custom["category"]),
        remediation=str(custom.get("remediation", "")).strip(),
        references=[str(ref) for ref in custom.get("references") or []],
        path=path,
    )


def _merge(into: dict[str, Any], extra: dict[str, Any]) -> None:
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = value


def load_policies(extra_dirs: list[str] | tuple[str, ...] = (),
                  include_builtin: bool = True) -> PolicySet:
    """Read built-in and user policy directories. Test modules are left out."""
    policy_set = PolicySet()
    directories = [builtin_policy_dir()] if include_builtin else []
    directories += [Path(directory) for directory in extra_dirs]
    for directory in directories:
        if not directory.is_dir():
            raise PolicyError(f"{directory}: policy directory not found")
        for path in sorted(directory.rglob("*.rego")):
            if path.name.endswith("_test.rego"):
                continue
            source = path.read_text(encoding="utf-8")
            policy_set.modules[str(path)] = source
            rule = rule_from_module(source, str(path))
            if rule is None:
                continue
            other = policy_set.rule_by_id(rule.id)
            if other is not None and other.package != rule.package:
                raise PolicyError(f"{path}: rule id {rule.id} is already used by {other.path}")
            policy_set.rules[rule.package] = rule
        for path in sorted(directory.rglob("data.json")):
            try:
                _merge(policy_set.data, json.loads(path.read_text(encoding="utf-8")))
            except json.JSONDecodeError as error:
                raise PolicyError(f"{path}:{error.lineno}: invalid JSON: {error.msg}") from error
    return policy_set
