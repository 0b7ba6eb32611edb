"""The facts document and the JSON report match the JSON Schemas shipped in the package."""

from __future__ import annotations

import json
from importlib import resources

import jsonschema
import pytest

from dicomguard.facts import grant, ingress, note, peer, port_range, service, storage
from dicomguard.model import Facts, Origin, ScanError, Unknown
from dicomguard.report import RenderOptions, render
from dicomguard.scan import policy_input
from tests.conftest import EXAMPLES, need


def _schema(name: str) -> dict:
    text = resources.files("dicomguard").joinpath(f"schemas/{name}").read_text()
    schema = json.loads(text)
    jsonschema.Draft202012Validator.check_schema(schema)
    return schema


@pytest.fixture(scope="module")
def facts_schema() -> dict:
    return _schema("facts.schema.json")


@pytest.fixture(scope="module")
def report_schema() -> dict:
    return _schema("report.schema.json")


def _every_kind_of_fact(file: str) -> Facts:
    unknown = Unknown("var.cidr is not set")
    return Facts(
        ingress=[
            ingress(Origin(file, 1, 5, "aws_security_group.a"), platform="aws",
                    mechanism="security_group", protocol="-1", ports=[port_range(0, 0)],
                    peers=[peer("::/0"), peer("sg-123", tag=True), peer(unknown)]),
            ingress(Origin(file, 6, 6, ""), platform="iptables", mechanism="iptables",
                    protocol=Unknown("protocol from a variable"), ports=Unknown("port unknown"),
                    peers=[peer("203.0.113.0/24")], path="INPUT -> DICOM"),
        ],
        storage=[storage(Origin(file, 7, 9, "aws_db_instance.index"), platform="aws",
                         kind="database", encrypted=Unknown("storage_encrypted from a module"),
                         detail="RDS")],
        services=[service(Origin(file, 10, 20, "orthanc"), platform="orthanc",
                          product="orthanc", reach="internet", authentication=False, tls="true",
                          listeners=[{"port": 8042, "protocol": "tcp", "address": "0.0.0.0"}],
                          weak_credentials=[{"user": "orthanc",
                                             "reason": "the vendor default password"}])],
        grants=[grant(Origin(file, 21, 24, "aws_s3_bucket_acl.archive"), platform="aws",
                      resource="aws_s3_bucket.archive", principal="AllUsers", public=True)],
        notes=[note(Origin(file, 25, 25, "module.remote"), "remote module not followed")],
    )


def test_facts_from_every_builder_match_the_schema(facts_schema, pacs_facts):
    main, facts = pacs_facts
    facts.extend(_every_kind_of_fact(str(main)))
    document = policy_input(facts, {"extra_ports": [
        {"port": 5000, "protocol": "tcp", "service": "viewer", "severity": "high"}]})
    jsonschema.validate(json.loads(json.dumps(document)), facts_schema)


def test_the_facts_schema_rejects_a_malformed_fact(facts_schema, pacs_facts):
    _, facts = pacs_facts
    document = policy_input(facts, {})
    document["ingress"][0]["ports"] = [[104]]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, facts_schema)
    document = policy_input(facts, {})
    document["storage"][0]["encrypted"] = "no"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, facts_schema)


def test_json_report_matches_the_schema(report_schema, pacs_facts, report_for):
    main, facts = pacs_facts
    facts.extend(_every_kind_of_fact(str(main)))
    report = report_for(facts, errors=[ScanError("broken.tf", 7, "unclosed block"),
                                       ScanError("binary.tf", None, "not UTF-8")])
    report.findings[0].suppressed = True
    report.findings[0].suppression_reason = "VPN only"
    document = json.loads(render(report, "json", RenderOptions()))
    jsonschema.validate(document, report_schema)
    exposed = next(f for f in document["findings"] if f["rule_id"] == "DG101")
    assert exposed["ports"] == [104]
    assert exposed["suppressed"] is True and exposed["suppression_reason"] == "VPN only"
    assert document["summary"]["suppressed"] == 1
    assert {"rule_id", "category", "severity", "confidence", "file", "line", "end_line",
            "resource", "message", "remediation", "suppressed"} <= set(exposed)


def test_a_real_scan_and_its_facts_dump_match_the_schemas(tmp_path, report_schema,
                                                          facts_schema, user_policy, cli):
    dump = tmp_path / "facts.json"
    result = cli("scan", str(tmp_path), "--format", "json", "--policy",
                     user_policy(confidence="unresolved"), "--dump-facts", str(dump))
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    jsonschema.validate(document, report_schema)
    assert document["findings"][0]["confidence"] == "unresolved"
    jsonschema.validate(json.loads(dump.read_text()), facts_schema)


def _scan_with_facts(cli, tmp_path, target) -> tuple[dict, dict]:
    dump = tmp_path / "facts.json"
    result = cli("scan", str(target), "--format", "json", "--dump-facts", str(dump))
    assert result.returncode in (0, 1, 2), result.stderr
    return json.loads(result.stdout), json.loads(dump.read_text())


def test_every_example_scans_to_documents_matching_the_schemas(cli, tmp_path, report_schema,
                                                               facts_schema):
    examples = sorted(path for path in EXAMPLES.glob("*/*") if path.is_dir())
    need(bool(examples), "examples/ holds no example yet")
    for example in examples:
        report, facts = _scan_with_facts(cli, tmp_path, example)
        jsonschema.validate(report, report_schema)
        jsonschema.validate(facts, facts_schema)


def test_the_corpus_scans_to_documents_matching_the_schemas(cli, tmp_path, shared_dir,
                                                            report_schema, facts_schema):
    report, facts = _scan_with_facts(cli, tmp_path, shared_dir / "corpus")
    jsonschema.validate(report, report_schema)
    jsonschema.validate(facts, facts_schema)
    assert facts["ingress"] or facts["services"], "the corpus gave no facts at all"
