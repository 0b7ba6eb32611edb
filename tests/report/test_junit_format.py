"""JUnit XML as GitLab and Jenkins read it: one test case per file and resource, valid against
the JUnit schema Jenkins publishes."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest
import xmlschema

from dicomguard.model import Facts, ScanError
from dicomguard.report import RenderOptions, render

JENKINS_SCHEMA = Path(__file__).parent / "data" / "jenkins-junit.xsd"


@pytest.fixture(scope="module")
def jenkins_schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(JENKINS_SCHEMA)


def _suite(report, **options) -> ElementTree.Element:
    root = ElementTree.fromstring(render(report, "junit", RenderOptions(**options)))
    assert root.tag == "testsuites"
    [suite] = root.findall("testsuite")
    assert suite.get("tests") == str(len(suite.findall("testcase")))
    return suite


def _cases(suite) -> dict[tuple[str, str], ElementTree.Element]:
    return {(case.get("classname"), case.get("name")): case for case in suite.iter("testcase")}


def test_one_case_per_file_and_resource_failing_for_findings(pacs_facts, report_for):
    main, facts = pacs_facts
    suite = _suite(report_for(facts))
    cases = _cases(suite)
    exposed = cases[(main.as_posix(), "aws_security_group.pacs")]
    failure = exposed.find("failure")
    assert failure.get("message") == "aws_security_group.pacs admits 0.0.0.0/0 to 104 (DICOM)"
    assert failure.get("type") == "critical"
    assert f"{main.as_posix()}:1" in failure.text and "fix: Limit the source" in failure.text
    assert cases[(main.as_posix(), "aws_ebs_volume.images")].find("failure") is not None
    # three unresolved DG101 findings on one resource make one case, passing unless strict
    unresolved = cases[(main.as_posix(), "aws_security_group_rule.modality")]
    assert unresolved.find("failure") is None
    assert "2762 (DICOM TLS)" in unresolved.find("system-out").text
    assert suite.get("failures") == "2"
    strict = _cases(_suite(report_for(facts), strict=True))
    assert strict[(main.as_posix(), "aws_security_group_rule.modality")].find("failure") \
        is not None


def test_rules_without_findings_pass(pacs_facts, report_for):
    _, facts = pacs_facts
    cases = _cases(_suite(report_for(facts)))
    assert ("DG301", "Image service reachable without authentication: no findings") in cases
    assert ("DG201", "Images or their index stored unencrypted: no findings") not in cases


def test_suppressed_cases_are_skipped_with_the_reason(pacs_facts, report_for, jenkins_schema):
    main, facts = pacs_facts
    report = report_for(facts)
    volume = next(f for f in report.findings if f.rule_id == "DG201")
    volume.suppressed, volume.suppression_reason = True, "scratch data"
    jenkins_schema.validate(render(report, "junit", RenderOptions()))
    suite = _suite(report)
    skipped = _cases(suite)[(main.as_posix(), "aws_ebs_volume.images")].find("skipped")
    assert skipped.text == "suppressed: scratch data"
    assert suite.get("skipped") == "1"


def test_scan_errors_are_errors_and_text_is_escaped(report_for, user_policy, jenkins_schema):
    nasty = 'port <104> & "quotes" ]]> end'
    report = report_for(Facts(), errors=[ScanError("broken.tf", 3, "unclosed <block>")],
                        policy_dirs=(user_policy(message=nasty),))
    jenkins_schema.validate(render(report, "junit", RenderOptions()))
    suite = _suite(report)
    assert suite.get("errors") == "1"
    error = _cases(suite)[("scan-error", "broken.tf:3")].find("error")
    assert error.get("message") == "unclosed <block>"
    failure = _cases(suite)[("dicomguard", "scan")].find("failure")
    assert failure.get("message") == nasty
    assert nasty in failure.text


COMPOSE = """\
services:
  archive:
    image: orthancteam/orthanc:24.1.2
    ports:
      - "104:4242"
      - "8042:8042"
    environment:
      ORTHANC__AUTHENTICATION_ENABLED: "false"
"""


def test_two_files_with_one_resource_address_are_two_valid_cases(cli, tmp_path,
                                                                   jenkins_schema):
    (tmp_path / ".git").mkdir()
    for site in ("radiology", "cardiology"):
        (tmp_path / site).mkdir()
        (tmp_path / site / "docker-compose.yml").write_text(COMPOSE, encoding="utf-8")
    result = cli("scan", str(tmp_path), "--format", "junit")
    assert result.returncode == 1, result.stderr
    jenkins_schema.validate(result.stdout)
    cases = _cases(ElementTree.fromstring(result.stdout).find("testsuite"))
    for site in ("radiology", "cardiology"):
        case = cases[(f"{site}/docker-compose.yml", "services.archive")]
        failure = case.find("failure")
        # the first finding by line is a high one; the case's type is its worst, critical
        assert failure.text.startswith("HIGH")
        assert failure.get("type") == "critical"
        assert "DG101" in failure.text and "DG301" in failure.text
