"""The examples beside a rule (`exposed_dicom_port.examples.yaml` beside
`exposed_dicom_port.rego`): code the rule reports and near misses it does not, per source kind.

The rule's page shows them and the test suite scans every one (tests/policies/
test_rule_examples.py). Their shape is schemas/rule_examples.schema.json; they are never read as
policies or policy data.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema

from dicomguard.model import InputError
from dicomguard.policies import PolicyError, Rule
from dicomguard.records import record
from dicomguard.yamlpositions import load_all

EXAMPLES_SUFFIX = ".examples.yaml"
VERDICTS = ("bad", "good")


@record(frozen=True)
class Example:
    """One snippet: the files to scan, and for a bad one what its finding must show."""

    files: dict[str, str]
    note: str = ""
    expect: dict[str, Any] | None = None


@record(frozen=True)
class KindExamples:
    kind: str
    label: str
    bad: list[Example]
    good: list[Example]


@record(frozen=True)
class RuleExamples:
    rule_id: str
    path: Path
    kinds: list[KindExamples]  # in the schema's order of source kinds


@cache
def schema() -> dict[str, Any]:
    text = resources.files("dicomguard").joinpath("schemas/rule_examples.schema.json")
    return dict(json.loads(text.read_text(encoding="utf-8")))


def source_kinds() -> dict[str, str]:
    """Every source kind examples may name -> its label on the rule page, in page order."""
    kinds = schema()["$defs"]["kinds"]["properties"]
    return {kind: str(definition["title"]) for kind, definition in kinds.items()}


def platform_of(kind: str) -> str:
    """The `platform` of the facts (and findings) a source kind produces."""
    return kind.removeprefix("terraform-")


def examples_path(rule: Rule) -> Path:
    rego = Path(rule.path)
    return rego.with_name(rego.name.removesuffix(".rego") + EXAMPLES_SUFFIX)


def examples_of(rule: Rule) -> RuleExamples | None:
    """The examples beside the rule's policy file; None when it has none."""
    path = examples_path(rule)
    return load_examples(path, rule.id) if path.is_file() else None


def load_examples(path: Path, rule_id: str) -> RuleExamples:
    """Read and check one examples file; PolicyError names the file and line of a problem."""
    try:
        documents = load_all(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise PolicyError(f"{path}: cannot read: {error.strerror or error}") from error
    except UnicodeDecodeError as error:
        raise PolicyError(f"{path}: not UTF-8 text: {error.reason}") from error
    except InputError as error:
        where = f"{path}:{error.line}" if error.line else str(path)
        raise PolicyError(f"{where}: {error.message}") from error
    if len(documents) != 1:
        raise PolicyError(f"{path}: expected one YAML document, found {len(documents)}")
    document = documents[0]
    problem = jsonschema.exceptions.best_match(
        jsonschema.Draft202012Validator(schema()).iter_errors(document.value))
    if problem is not None:
        at = _problem_path(problem)
        location = "/".join(str(part) for part in at) or "the document"
        raise PolicyError(f"{path}:{document.line(*at)}: {location}: {problem.message}")
    (named, by_kind), = document.value.items()
    if named != rule_id:
        raise PolicyError(f"{path}:{document.line(named)}: names rule {named!r}, but the "
                          f"policy beside it is {rule_id}")
    labels = source_kinds()
    return RuleExamples(rule_id, path, [
        KindExamples(kind, label, *(_examples(by_kind[kind].get(verdict, []))
                                    for verdict in VERDICTS))
        for kind, label in labels.items() if kind in by_kind])


def _problem_path(problem: jsonschema.ValidationError) -> tuple[Any, ...]:
    """Where a schema violation is: for a key that is not allowed, the key itself."""
    where = tuple(problem.absolute_path)
    schema = problem.schema
    if (problem.validator == "additionalProperties" and isinstance(problem.instance, dict)
            and isinstance(schema, Mapping)):
        allowed = schema.get("properties", {})
        unexpected = [key for key in problem.instance if key not in allowed]
        if unexpected:
            return (*where, unexpected[0])
    return where


def _examples(entries: list[dict[str, Any]]) -> list[Example]:
    return [Example(files=dict(entry["files"]), note=entry.get("note", ""),
                    expect=entry.get("expect")) for entry in entries]
