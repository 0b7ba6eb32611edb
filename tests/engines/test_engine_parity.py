"""Both engines give identical findings: the OPA server (policies pushed, or preloaded from the
bundle) and the local opa binary agree with the embedded engine on every example, on every
snippet beside every rule (where every rule fires), on every sample of the shared corpus, and on
hand-built facts with unknown values and configured ports."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from dicomguard.engines import make_engine
from dicomguard.policies import load_policies
from tests.conftest import EXAMPLES, SHARED, run_cli
from tests.engines.sample_facts import every_rule_firing
from tests.policies.rule_example_cases import example_cases, write_snippet

OPA_ENGINES = ("local", "server", "bundle")


def engine_arguments(engine: str, opa_url: str, bundle_url: str) -> list[str]:
    if engine == "local":
        return ["--engine", "opa"]
    if engine == "server":
        return ["--engine", "opa", "--opa-url", opa_url]
    if engine == "bundle":
        return ["--engine", "opa", "--opa-url", bundle_url, "--opa-preloaded"]
    return ["--engine", "embedded"]


def comparable(finding: dict[str, Any]) -> tuple[Any, ...]:
    return (finding["rule_id"], os.path.normpath(finding["file"]), finding["line"],
            finding["end_line"], finding["resource"], finding.get("ports"),
            finding["severity"], finding["confidence"], finding["message"])


class Scans:
    """One scan per (target, engine), run on first use and kept for the session."""

    def __init__(self, opa_binary: str, opa_url: str, bundle_url: str) -> None:
        self.environment = {"DICOMGUARD_OPA_BINARY": opa_binary}
        self.opa_url = opa_url
        self.bundle_url = bundle_url
        self.results: dict[tuple[str, str], tuple[int, dict[str, Any], str]] = {}

    def scan(self, target: Path, engine: str, cwd: Path) -> tuple[int, dict[str, Any], str]:
        key = (str(target), engine)
        if key not in self.results:
            result = run_cli("scan", "--format", "json",
                             *engine_arguments(engine, self.opa_url, self.bundle_url),
                             str(target), cwd=cwd, env=self.environment)
            assert result.stdout, f"{engine} on {target}: {result.stderr}"
            self.results[key] = (result.returncode, json.loads(result.stdout), result.stderr)
        return self.results[key]


@pytest.fixture(scope="session")
def scans(opa_binary: str, opa_url: str, bundle_url: str) -> Scans:
    return Scans(opa_binary, opa_url, bundle_url)


def assert_same(scans: Scans, target: Path, engine: str, cwd: Path,
                only_file: str | None = None) -> None:
    expected_code, expected, _ = scans.scan(target, "embedded", cwd)
    code, report, stderr = scans.scan(target, engine, cwd)

    def selected(document: dict[str, Any]) -> list[tuple[Any, ...]]:
        return sorted(comparable(finding) for finding in document["findings"]
                      if only_file is None or os.path.normpath(finding["file"]) == only_file)

    assert selected(report) == selected(expected)
    if only_file is None:
        assert code == expected_code, stderr
        assert report["errors"] == expected["errors"]


def example_targets() -> list[Path]:
    """Each example: a directory examples/<family>/<name>, scanned as users are told to."""
    return sorted(path for path in EXAMPLES.glob("*/*")
                  if path.is_dir() and not path.name.startswith("."))


@pytest.mark.slow
@pytest.mark.parametrize("engine", OPA_ENGINES)
@pytest.mark.parametrize("example", example_targets(),
                         ids=lambda path: path.relative_to(EXAMPLES).as_posix())
def test_examples_give_the_same_findings(scans: Scans, example: Path, engine: str) -> None:
    assert_same(scans, example.relative_to(EXAMPLES.parent), engine, EXAMPLES.parent)


@pytest.fixture(scope="module")
def rule_examples(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every snippet beside every rule, each in its own directory of one tree."""
    root = tmp_path_factory.mktemp("rule-examples") / "snippets"
    for case in example_cases():
        write_snippet(case.example, root / case.name)
    return root


@pytest.mark.slow
@pytest.mark.parametrize("engine", OPA_ENGINES)
def test_rule_examples_give_the_same_findings(scans: Scans, rule_examples: Path,
                                              engine: str) -> None:
    """A new rule's examples are all it needs for this comparison to cover it."""
    assert_same(scans, Path(rule_examples.name), engine, rule_examples.parent)
    _, report, _ = scans.scan(Path(rule_examples.name), "embedded", rule_examples.parent)
    fired = {finding["rule_id"] for finding in report["findings"]}
    assert fired == {rule.id for rule in load_policies().rules.values()}, (
        "a rule never fires: give it a bad snippet in its .examples.yaml")
    assert {finding["confidence"] for finding in report["findings"]} == {
        "confirmed", "unresolved"}


def corpus_samples() -> list[str]:
    samples: list[str] = []
    for manifest in sorted((SHARED / "corpus").glob("*/MANIFEST.json")):
        entries = json.loads(manifest.read_text(encoding="utf-8"))
        samples += [os.path.normpath(entry["path"]) for entry in entries]
    return sorted(set(samples))


@pytest.mark.slow
@pytest.mark.parametrize("engine", OPA_ENGINES)
def test_whole_corpus_gives_the_same_findings_and_errors(
        scans: Scans, shared_dir: Path, engine: str) -> None:
    assert_same(scans, Path("."), engine, shared_dir / "corpus")


@pytest.mark.slow
@pytest.mark.parametrize("engine", OPA_ENGINES)
@pytest.mark.parametrize("sample", corpus_samples())
def test_each_corpus_sample_gives_the_same_findings(
        scans: Scans, shared_dir: Path, sample: str, engine: str) -> None:
    assert_same(scans, Path("."), engine, shared_dir / "corpus", only_file=sample)


def normalised(denials: dict[str, list[Any]]) -> dict[str, list[str]]:
    return {package: sorted(json.dumps(entry, sort_keys=True) for entry in entries)
            for package, entries in denials.items()}


@pytest.mark.slow
@pytest.mark.parametrize("engine", OPA_ENGINES)
def test_engines_agree_on_hand_built_facts(opa_binary: str, opa_url: str, bundle_url: str,
                                           engine: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DICOMGUARD_OPA_BINARY", opa_binary)
    policies = load_policies()
    facts_input = every_rule_firing()
    expected = normalised(make_engine("embedded").evaluate(policies, facts_input))
    options: dict[str, dict[str, Any]] = {
        "local": {}, "server": {"opa_url": opa_url},
        "bundle": {"opa_url": bundle_url, "opa_preloaded": True}}
    denials = normalised(make_engine("opa", **options[engine]).evaluate(policies, facts_input))
    assert denials == expected
    confidences = {json.loads(entry)["confidence"] for entries in expected.values()
                   for entry in entries}
    assert confidences == {"confirmed", "unresolved"}
