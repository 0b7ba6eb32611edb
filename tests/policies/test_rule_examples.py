"""Every rule has examples beside it (`<policy>.examples.yaml`), and each does what it says when
scanned through the command line: a bad snippet is reported by its rule, from its source kind,
where `expect` says; its good near miss is not reported by that rule. One case per snippet."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from dicomguard.policies import builtin_policy_dir, load_policies
from dicomguard.rule_examples import (
    EXAMPLES_SUFFIX,
    examples_of,
    examples_path,
    platform_of,
    schema,
    source_kinds,
)
from tests.conftest import EXAMPLES, scan_json
from tests.policies.rule_example_cases import ExampleCase, example_cases, write_snippet


def shown(finding: dict[str, Any]) -> str:
    return (f"{finding['rule_id']} {finding['platform']} {finding['file']}:{finding['line']} "
            f"ports={finding.get('ports')} {finding['severity']} {finding['confidence']}: "
            f"{finding['message']}")


def matches(finding: dict[str, Any], expect: dict[str, Any]) -> bool:
    actual = {**finding, "file": os.path.normpath(finding["file"])}
    return all(actual.get(key) == (os.path.normpath(value) if key == "file" else value)
               for key, value in expect.items())


@pytest.mark.parametrize("case", list(example_cases()), ids=lambda case: case.name)
def test_example(tmp_path: Path, case: ExampleCase) -> None:
    rule_id, kind, verdict, example = case.rule_id, case.kind, case.verdict, case.example
    write_snippet(example, tmp_path)
    _, report = scan_json(".", "--engine", "embedded", cwd=tmp_path)
    assert report["errors"] == [], "the snippet must be readable"
    of_rule = [finding for finding in report["findings"] if finding["rule_id"] == rule_id]
    everything = "\n".join(map(shown, report["findings"])) or "no findings"
    if verdict == "good":
        assert of_rule == [], f"{rule_id} reports the near miss:\n{everything}"
        return
    from_kind = [finding for finding in of_rule if finding["platform"] == platform_of(kind)]
    assert from_kind, f"{rule_id} does not report the snippet from {kind}:\n{everything}"
    if example.expect:
        assert any(matches(finding, example.expect) for finding in from_kind), (
            f"no {rule_id} finding has {example.expect}:\n{everything}")


def test_every_rule_has_examples_that_match_the_schema() -> None:
    validator = jsonschema.Draft202012Validator(schema())
    for rule in load_policies().rules.values():
        path = examples_path(rule)
        assert path.is_file(), f"{rule.id}: add {path.name} beside {Path(rule.path).name}"
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        validator.validate(document)
        assert list(document) == [rule.id], f"{path.name} must name {rule.id}"
        examples = examples_of(rule)
        assert examples and any(kind.bad for kind in examples.kinds), (
            f"{rule.id}: no snippet shows what the rule reports")


def test_every_examples_file_names_the_rule_beside_it() -> None:
    rules = {Path(rule.path).name: rule.id for rule in load_policies().rules.values()}
    for path in builtin_policy_dir().rglob(f"*{EXAMPLES_SUFFIX}"):
        rego = path.name.removesuffix(EXAMPLES_SUFFIX) + ".rego"
        assert rego in rules, f"{path.name}: no rule {rego} beside it"
        assert list(yaml.safe_load(path.read_text(encoding="utf-8"))) == [rules[rego]]


def kind_of(platform: str) -> str:
    return next(kind for kind in source_kinds()
                if platform_of(kind) == platform.replace("ip6tables", "iptables"))


def test_examples_show_every_source_that_reports_the_rule(shared_dir: Path) -> None:
    """Each (rule, source kind) seen reporting in the project's examples or the corpus has a
    bad snippet of that kind beside the rule."""
    _, report = scan_json(str(EXAMPLES), str(shared_dir / "corpus"), "--engine", "embedded")
    seen = {(finding["rule_id"], kind_of(finding["platform"])) for finding in report["findings"]}
    shown = {(rule.id, kind.kind) for rule in load_policies().rules.values()
             for kind in getattr(examples_of(rule), "kinds", []) if kind.bad}
    assert sorted(seen - shown) == []
