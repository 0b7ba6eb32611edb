"""The embedded engine loads the shipped plan of the built-in policies instead of compiling them
at every scan: only when the plan was compiled from exactly what the scan would compile, and
then with the findings the compiled policies give."""

from __future__ import annotations

import json
from pathlib import Path

from dicomguard.engines.embedded import EmbeddedEngine, import_regopy
from dicomguard.engines.prebuilt import COMPILED_FROM, compiled_from, shipped_plan
from dicomguard.policies import RULES_PACKAGE, load_policies
from dicomguard.shipped import shipped_text
from tests.conftest import EXAMPLES, library_report

QUERY = f"data.{RULES_PACKAGE}"
regopy = import_regopy()


def test_the_shipped_plan_is_compiled_from_the_built_in_policies_as_they_are() -> None:
    record = json.loads(shipped_text(COMPILED_FROM))
    current = compiled_from(load_policies(), QUERY, record["regopy"])
    assert record == current, "a built-in policy changed: run python tools/policy_bundle.py"


def test_the_shipped_plan_serves_only_the_built_in_policies_it_was_compiled_from(
        tmp_path: Path) -> None:
    record = json.loads(shipped_text(COMPILED_FROM))
    same_regopy = record["regopy"] == regopy.__version__
    assert (shipped_plan(regopy, load_policies(), QUERY) is not None) == same_regopy

    own = tmp_path / "own"
    own.mkdir()
    (own / "rule.rego").write_text(
        "# METADATA\n# title: Own rule\n# custom:\n#   id: ORG001\n#   severity: low\n"
        "#   category: exposed-dicom-port\n#   remediation: Fix it.\n"
        "package dicomguard.rules.own\n\ndeny contains {\"msg\": \"x\"} if false\n")
    assert shipped_plan(regopy, load_policies([str(own)]), QUERY) is None

    extended = load_policies()
    extended.data["dicomguard"]["catalogue"]["ports"].append(
        {"port": 4242, "protocol": "tcp", "service": "DICOM", "severity": "critical"})
    assert shipped_plan(regopy, extended, QUERY) is None

    assert shipped_plan(regopy, load_policies(), "data.dicomguard") is None


def _report(path: Path, engine: EmbeddedEngine) -> str:
    document = json.loads(library_report(path, engine))
    document["summary"].pop("duration_seconds", None)
    return json.dumps(document, sort_keys=True)


def test_the_shipped_plan_finds_what_the_compiled_policies_find() -> None:
    shipped, compiled = EmbeddedEngine(), EmbeddedEngine(prebuilt=False)
    examples = sorted(directory for directory in EXAMPLES.glob("*/*") if directory.is_dir())
    assert len(examples) > 40
    for example in examples:
        assert _report(example, shipped) == _report(example, compiled), example
