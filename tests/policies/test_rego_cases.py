"""Every Rego unit test beside the policies (`*_test.rego`, also run by `opa test`) passes on the
embedded engine too: one pytest case per Rego test.

regopy 1.5.2 crashes (SIGSEGV) when a rule evaluated under `with input as ...` calls any
function, which every rule test does. The cases therefore run with `input` read from a data
document instead (`with data.<doc> as ...` works), in a child process so that a crash of the
native engine fails the cases instead of killing the test run.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from dicomguard.policies import builtin_policy_dir, load_policies
from tests.conftest import PROJECT, need

_PACKAGE = re.compile(r"^package\s+([\w.]+)", re.MULTILINE)
_TEST_RULE = re.compile(r"^(test_\w+)\b", re.MULTILINE)
_INPUT = re.compile(r'"(?:\\.|[^"\\\n])*"|`[^`]*`|#[^\n]*|(?<![\w.])input\b')
INPUT_DOCUMENT = "data.dicomguard_test_input"


def rego_tests() -> list[tuple[str, str, str]]:
    """(test file, package, rule) for every test rule of the built-in policies."""
    cases = []
    root = builtin_policy_dir()
    for path in sorted(root.rglob("*_test.rego")):
        source = path.read_text(encoding="utf-8")
        package = _PACKAGE.search(source)
        assert package, f"{path}: no package"
        for name in dict.fromkeys(_TEST_RULE.findall(source)):
            cases.append((path.relative_to(root).as_posix(), package.group(1), name))
    return cases


def input_from_data(source: str) -> str:
    """The module with every reference to `input` (outside strings and comments) reading
    INPUT_DOCUMENT instead."""
    return _INPUT.sub(lambda match: INPUT_DOCUMENT if match.group() == "input"
                      else match.group(), source)


def run_cases(cases: list[tuple[str, str, str]]) -> dict[str, Any]:
    """Evaluate each test rule on the embedded engine: {"path::rule": passed, or the error}."""
    from dicomguard.engines.embedded import EmbeddedEngine

    engine = EmbeddedEngine()
    policies = load_policies()
    policies.modules = {path: input_from_data(source)
                        for path, source in policies.modules.items()}
    interpreter = engine.interpreter(policies)
    for path in sorted(builtin_policy_dir().rglob("*_test.rego")):
        interpreter.add_module(str(path), input_from_data(path.read_text(encoding="utf-8")))
    interpreter.set_input_term("{}")
    outcomes: dict[str, Any] = {}
    for package in dict.fromkeys(package for _, package, _ in cases):
        output = interpreter.query(f"data.{package}")
        text = str(output)
        values = json.loads(text)["expressions"][0] if output.ok() and text != "undefined" else {}
        for path, case_package, name in cases:
            if case_package == package:
                outcomes[f"{path}::{name}"] = values.get(name) is True if output.ok() else text
    return outcomes


@pytest.fixture(scope="module")
def outcomes() -> dict[str, Any]:
    need(importlib.util.find_spec("regopy") is not None, "regopy is not installed")
    environment = {**os.environ, "PYTHONPATH": str(PROJECT)}
    completed = subprocess.run([sys.executable, __file__], capture_output=True, text=True,
                               timeout=300, check=False, env=environment)
    assert completed.returncode == 0, (
        f"the embedded engine crashed running the Rego tests (exit {completed.returncode}):\n"
        f"{completed.stderr[-2000:]}")
    return json.loads(completed.stdout)


def test_every_rule_has_rego_tests() -> None:
    tested = {path.removesuffix("_test.rego") for path, _, _ in rego_tests()}
    root = builtin_policy_dir()
    rules = {Path(rule.path).relative_to(root).as_posix().removesuffix(".rego")
             for rule in load_policies().rules.values()}
    assert rules <= tested


def test_input_is_rewritten_outside_strings_and_comments_only() -> None:
    source = 'x := input.ingress # input\ny := "input" \nz := data.input\nw with input as {}'
    assert input_from_data(source) == (
        f'x := {INPUT_DOCUMENT}.ingress # input\ny := "input" \nz := data.input\n'
        f"w with {INPUT_DOCUMENT} as {{}}")


@pytest.mark.parametrize("case", [f"{path}::{name}" for path, _, name in rego_tests()])
def test_rego_case_passes_on_embedded_engine(outcomes: dict[str, Any], case: str) -> None:
    assert outcomes[case] is True, f"{case} fails on the embedded engine: {outcomes[case]}"


if __name__ == "__main__":
    sys.stdout.write(json.dumps(run_cases(rego_tests())))
