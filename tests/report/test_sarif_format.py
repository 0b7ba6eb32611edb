"""SARIF 2.1.0 for code scanning: valid, informative, and de-duplicable across runs."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from dicomguard.identity import identify
from dicomguard.model import Facts, ScanError
from dicomguard.report import RenderOptions, render
from dicomguard.report.sarif_format import FINGERPRINT_KEY


def fingerprint(finding) -> str:
    return identify(finding, Path.cwd()).fingerprint


@pytest.fixture(scope="module")
def sarif_schema(shared_dir):
    return json.loads((shared_dir / "schemas" / "sarif-schema-2.1.0.json").read_text())


def _sarif(report) -> dict:
    return json.loads(render(report, "sarif", RenderOptions()))


def test_validates_against_the_sarif_schema(pacs_facts, report_for, sarif_schema):
    main, facts = pacs_facts
    facts.notes.append({"origin": {"file": str(main), "line": 3, "end_line": 3, "address": ""},
                        "message": "remote module not followed"})
    report = report_for(facts, errors=[ScanError("broken.tf", 7, "unclosed block"),
                                       ScanError("binary.tf", None, "not UTF-8")])
    report.findings[0].suppressed = True
    report.findings[0].suppression_reason = "VPN only"
    jsonschema.validate(_sarif(report), sarif_schema)
    jsonschema.validate(_sarif(report_for(Facts())), sarif_schema)


def test_rules_carry_help_level_security_severity_and_category(pacs_facts, report_for):
    _, facts = pacs_facts
    run = _sarif(report_for(facts))["runs"][0]
    rules = {rule["id"]: rule for rule in run["tool"]["driver"]["rules"]}
    assert {"DG101", "DG201", "DG301", "DG302", "DG303"} <= set(rules)
    exposed = rules["DG101"]
    assert exposed["shortDescription"]["text"] == "DICOM or PACS port reachable from the internet"
    assert "Limit the source" in exposed["help"]["text"]
    assert "164.312(e)(1)" in exposed["help"]["markdown"]
    assert exposed["defaultConfiguration"]["level"] == "error"
    assert exposed["properties"]["security-severity"] == "9.5"
    assert exposed["properties"]["category"] == "exposed-dicom-port"
    assert rules["DG201"]["properties"]["security-severity"] == "8.0"


def test_results_point_at_the_region_with_level_from_severity(pacs_facts, report_for):
    main, facts = pacs_facts
    run = _sarif(report_for(facts))["runs"][0]
    by_message = {result["message"]["text"]: result for result in run["results"]}
    volume = by_message["aws_ebs_volume.images (block storage) is not encrypted at rest"]
    assert volume["ruleId"] == "DG201"
    assert run["tool"]["driver"]["rules"][volume["ruleIndex"]]["id"] == "DG201"
    assert volume["level"] == "error"
    physical = volume["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"]["uri"] == main.as_uri()
    assert physical["region"]["startLine"] == 11
    assert physical["region"]["endLine"] == 14
    assert volume["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == \
        "aws_ebs_volume.images"
    tls = [r for r in run["results"] if "2762" in r["message"]["text"]]
    assert tls[0]["level"] == "warning"
    assert tls[0]["properties"]["confidence"] == "unresolved"
    assert tls[0]["properties"]["ports"] == [2762]


def test_relative_paths_are_relative_to_the_source_root(pacs_facts, report_for, monkeypatch):
    main, facts = pacs_facts
    monkeypatch.chdir(main.parent)
    for fact in facts.all_facts():
        fact["origin"]["file"] = "main.tf"
        fact["id"] = fact["id"].replace(str(main), "main.tf")
    result = _sarif(report_for(facts))["runs"][0]["results"][0]
    location = result["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location == {"uri": "main.tf", "uriBaseId": "%SRCROOT%"}


def test_fingerprints_survive_moved_lines_but_tell_resources_apart(pacs_facts, report_for):
    _, facts = pacs_facts
    first = report_for(facts).findings[0]
    moved = report_for(facts).findings[0]
    moved.line, moved.end_line = first.line + 40, first.end_line + 40
    assert fingerprint(moved) == fingerprint(first)
    renamed = report_for(facts).findings[0]
    renamed.resource = "aws_security_group.viewer"
    assert fingerprint(renamed) != fingerprint(first)
    unlabelled = next(f for f in report_for(facts).findings if f.ports is None)
    unlabelled.message = "main.tf:12 (block storage) is not encrypted at rest"
    shifted = next(f for f in report_for(facts).findings if f.ports is None)
    shifted.message = "main.tf:30 (block storage) is not encrypted at rest"
    assert fingerprint(unlabelled) == fingerprint(shifted)
    fingerprints = [r["partialFingerprints"][FINGERPRINT_KEY]
                    for r in _sarif(report_for(facts))["runs"][0]["results"]]
    assert len(set(fingerprints)) == len(fingerprints)


def test_suppressed_findings_stay_with_their_justification(pacs_facts, report_for):
    _, facts = pacs_facts
    report = report_for(facts)
    report.findings[0].suppressed = True
    report.findings[0].suppression_reason = "VPN only, reviewed by SecOps"
    results = _sarif(report)["runs"][0]["results"]
    assert len(results) == len(report.findings)
    assert results[0]["suppressions"] == [{"kind": "inSource", "status": "accepted",
                                           "justification": "VPN only, reviewed by SecOps"}]
    assert all("suppressions" not in result for result in results[1:])


def test_scan_errors_are_tool_execution_notifications(report_for):
    report = report_for(Facts(), errors=[ScanError("broken.tf", 7, "unclosed block")])
    invocation = _sarif(report)["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    [notification] = invocation["toolExecutionNotifications"]
    assert notification["level"] == "error"
    assert notification["message"]["text"] == "unclosed block"
    region = notification["locations"][0]["physicalLocation"]["region"]
    assert region["startLine"] == 7


def test_a_finding_of_a_rule_missing_from_the_report_still_has_its_rule(report_for,
                                                                       user_policy):
    report = report_for(Facts(), policy_dirs=(user_policy(),))
    report.rules = [rule for rule in report.rules if rule.id != "USR1"]
    run = _sarif(report)["runs"][0]
    [result] = run["results"]
    rule = run["tool"]["driver"]["rules"][result["ruleIndex"]]
    assert rule["id"] == "USR1"
    assert rule["shortDescription"]["text"] == "Archive without authentication"


def test_built_in_rules_link_to_their_page_when_a_docs_url_is_given(pacs_facts, report_for,
                                                                    user_policy):
    _, facts = pacs_facts
    report = report_for(facts, policy_dirs=(user_policy(),))
    options = RenderOptions(docs_url="https://docs.example.org/dicomguard/rules/")
    run = json.loads(render(report, "sarif", options))["runs"][0]
    rules = {rule["id"]: rule for rule in run["tool"]["driver"]["rules"]}
    assert rules["DG101"]["helpUri"] == "https://docs.example.org/dicomguard/rules/DG101.md"
    assert "helpUri" not in rules["USR1"]  # a user's rule has no page of ours
    without_url = _sarif(report)["runs"][0]["tool"]["driver"]["rules"]
    assert all("helpUri" not in rule for rule in without_url)


def test_docs_url_on_the_command_line_must_be_absolute(tmp_path, cli):
    (tmp_path / "main.tf").write_text("")
    result = cli("scan", str(tmp_path), "--format", "sarif", "--docs-url", "docs/rules")
    assert result.returncode == 2
    assert "--docs-url 'docs/rules': must be an absolute" in result.stderr
    given = cli("scan", str(tmp_path), "--format", "sarif",
                env={"DICOMGUARD_DOCS_URL": "https://docs.example.org/rules"})
    rules = json.loads(given.stdout)["runs"][0]["tool"]["driver"]["rules"]
    assert rules[0]["helpUri"] == f"https://docs.example.org/rules/{rules[0]['id']}.md"


def test_automation_id_is_stable_for_the_same_input_and_names_the_scan(pacs_facts, report_for):
    _, facts = pacs_facts
    first = _sarif(report_for(facts))["runs"][0]["automationDetails"]["id"]
    assert first == _sarif(report_for(facts))["runs"][0]["automationDetails"]["id"]
    assert first.startswith("dicomguard/scan/")
    assert first != _sarif(report_for(Facts()))["runs"][0]["automationDetails"]["id"]
