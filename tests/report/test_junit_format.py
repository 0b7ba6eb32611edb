"""JUnit XML as GitLab and Jenkins read it: one test case per rule and resource."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree

from dicomguard.model import Facts, ScanError
from dicomguard.report import RenderOptions, render


def _suite(report, **options) -> ElementTree.Element:
    root = ElementTree.fromstring(render(report, "junit", RenderOptions(**options)))
    assert root.tag == "testsuites"
    [suite] = root.findall("testsuite")
    assert suite.get("tests") == str(len(suite.findall("testcase")))
    return suite


def _cases(suite) -> dict[tuple[str, str], ElementTree.Element]:
    return {(case.get("classname"), case.get("name")): case for case in suite.iter("testcase")}


def test_one_case_per_rule_and_resource_failing_for_findings(pacs_facts, report_for):
    main, facts = pacs_facts
    suite = _suite(report_for(facts))
    cases = _cases(suite)
    exposed = cases[("DG101", "aws_security_group.pacs")]
    failure = exposed.find("failure")
    assert failure.get("message") == "aws_security_group.pacs admits 0.0.0.0/0 to 104 (DICOM)"
    assert failure.get("type") == "critical"
    assert f"{main}:1" in failure.text and "fix: Limit the source" in failure.text
    assert exposed.get("file") == str(main)
    assert cases[("DG201", "aws_ebs_volume.images")].find("failure") is not None
    # three unresolved DG101 findings on one rule resource make one case, passing unless strict
    unresolved = cases[("DG101", "aws_security_group_rule.modality")]
    assert unresolved.find("failure") is None
    assert "2762 (DICOM TLS)" in unresolved.find("system-out").text
    assert suite.get("failures") == "2"
    strict = _cases(_suite(report_for(facts), strict=True))
    assert strict[("DG101", "aws_security_group_rule.modality")].find("failure") is not None


def test_rules_without_findings_pass(pacs_facts, report_for):
    _, facts = pacs_facts
    cases = _cases(_suite(report_for(facts)))
    assert ("DG301", "Image service reachable without authentication: no findings") in cases
    assert ("DG201", "Images or their index stored unencrypted: no findings") not in cases


def test_suppressed_cases_are_skipped_with_the_reason(pacs_facts, report_for):
    _, facts = pacs_facts
    report = report_for(facts)
    volume = next(f for f in report.findings if f.rule_id == "DG201")
    volume.suppressed, volume.suppression_reason = True, "scratch data"
    suite = _suite(report)
    skipped = _cases(suite)[("DG201", "aws_ebs_volume.images")].find("skipped")
    assert skipped.get("message") == "suppressed: scratch data"
    assert suite.get("skipped") == "1"


def test_scan_errors_are_errors_and_text_is_escaped(report_for, user_policy):
    nasty = 'port <104> & "quotes" ]]> end'
    report = report_for(Facts(), errors=[ScanError("broken.tf", 3, "unclosed <block>")],
                        policy_dirs=(user_policy(message=nasty),))
    suite = _suite(report)
    assert suite.get("errors") == "1"
    error = _cases(suite)[("scan-error", "broken.tf:3")].find("error")
    assert error.get("message") == "unclosed <block>"
    failure = _cases(suite)[("USR1", "scan")].find("failure")
    assert failure.get("message") == nasty
    assert nasty in failure.text
