"""Policies stay portable between the engines: the built-in policies call only built-ins both
regopy and OPA implement, and a policy needing more is refused by the embedded engine with a
message instead of silently matching nothing."""

from __future__ import annotations

import importlib.util
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from dicomguard.engines.portability import builtin_calls, opa_builtins
from dicomguard.policies import load_policies
from tests.conftest import need, run_cli

NET_POLICY = """\
# METADATA
# title: Source inside a range
# custom:
#   id: X901
#   severity: high
#   category: exposed-dicom-port
package dicomguard.rules.partner_range

# net.cidr_contains("10.0.0.0/8", x) in a comment is not a call
deny contains finding if {
	some fact in input.ingress
	some peer in fact.peers
	net.cidr_contains("0.0.0.0/1", peer.cidr)
	finding := {"fact": fact.id, "message": "net.cidr_contains( in a string is not a call"}
}
"""


def capabilities(opa_binary: str) -> dict[str, Any]:
    completed = subprocess.run([opa_binary, "capabilities", "--current"], capture_output=True,
                               text=True, check=True, timeout=60)
    return json.loads(completed.stdout)


def calls_in_ast(node: Any) -> set[str]:
    """Names of every function called in an OPA AST (`opa parse --format json`)."""
    found: set[str] = set()
    if isinstance(node, dict):
        terms = node.get("terms")
        if isinstance(terms, list) and terms and terms[0].get("type") == "ref":
            found.add(ref_name(terms[0]["value"]))
        if node.get("type") == "call":
            found.add(ref_name(node["value"][0]["value"]))
        for value in node.values():
            found |= calls_in_ast(value)
    elif isinstance(node, list):
        for value in node:
            found |= calls_in_ast(value)
    return found


def ref_name(parts: list[dict[str, Any]]) -> str:
    return ".".join(str(part["value"]) for part in parts)


def builtins_used_by_builtin_policies(opa_binary: str) -> set[str]:
    """The built-in functions OPA's own parser finds in the shipped policies, operators left
    out (both engines implement the operators)."""
    operators = {b["name"] for b in capabilities(opa_binary)["builtins"] if b.get("infix")}
    used: set[str] = set()
    for path in load_policies().modules:
        completed = subprocess.run([opa_binary, "parse", "--format", "json", path],
                                   capture_output=True, text=True, check=True, timeout=60)
        used |= calls_in_ast(json.loads(completed.stdout))
    return (used & opa_builtins()) - operators


def test_shipped_builtin_list_is_the_pinned_opa(opa_binary: str) -> None:
    assert opa_builtins() == {b["name"] for b in capabilities(opa_binary)["builtins"]}


def test_builtin_policies_call_only_builtins_regopy_implements(opa_binary: str) -> None:
    need(importlib.util.find_spec("regopy") is not None, "regopy is not installed")
    from dicomguard.engines.embedded import import_regopy

    interpreter = import_regopy().Interpreter()
    used = builtins_used_by_builtin_policies(opa_binary)
    assert used, "the parser found no built-in calls at all"
    assert sorted(name for name in used if not interpreter.is_builtin(name)) == []


def test_call_scanner_agrees_with_opa_parser(opa_binary: str) -> None:
    scanned = {name for source in load_policies().modules.values()
               for _, name in builtin_calls(source)}
    assert scanned == builtins_used_by_builtin_policies(opa_binary)


def test_calls_in_comments_and_strings_are_not_counted() -> None:
    assert builtin_calls(NET_POLICY) == [(13, "net.cidr_contains")]


def test_embedded_engine_refuses_a_policy_regopy_cannot_run(tmp_path: Path) -> None:
    need(importlib.util.find_spec("regopy") is not None, "regopy is not installed")
    policy_dir = tmp_path / "policies"
    policy_dir.mkdir()
    (policy_dir / "partner_range.rego").write_text(NET_POLICY, encoding="utf-8")
    (tmp_path / "scan").mkdir()
    result = run_cli("scan", "--format", "json", "--engine", "embedded",
                     "--policy", str(policy_dir), str(tmp_path / "scan"))
    assert result.returncode == 2
    assert f"{policy_dir / 'partner_range.rego'}:13: net.cidr_contains" in result.stderr
    assert "--engine opa" in result.stderr
    assert result.stdout == ""


@pytest.mark.slow
def test_the_same_policy_runs_on_opa(tmp_path: Path, opa_binary: str) -> None:
    from dicomguard.engines.opa_local import LocalOpaEngine

    (tmp_path / "partner_range.rego").write_text(NET_POLICY, encoding="utf-8")
    policies = load_policies([str(tmp_path)])
    facts_input = {"ingress": [{"id": "a", "peers": [{"cidr": "10.1.2.3/32"}]},
                               {"id": "b", "peers": [{"cidr": "192.168.1.0/24"}]}]}
    denials = LocalOpaEngine(opa_binary).evaluate(policies, facts_input)
    assert [entry["fact"] for entry in denials["dicomguard.rules.partner_range"]] == ["a"]
