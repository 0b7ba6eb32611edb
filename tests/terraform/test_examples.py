"""The shipped examples: each insecure one fails the gate, each secure one scans clean."""

from __future__ import annotations

import pytest

from tests.conftest import EXAMPLES, scan_json

TERRAFORM = EXAMPLES / "terraform"


@pytest.mark.parametrize(("example", "categories"), [
    ("insecure-pacs", {"exposed-dicom-port", "unencrypted-storage", "missing-authentication"}),
    ("azure-insecure-pacs",
     {"exposed-dicom-port", "unencrypted-transport", "missing-authentication"}),
    ("gcp-insecure-pacs", {"exposed-dicom-port", "missing-authentication"}),
    ("rules-from-variables-insecure", {"exposed-dicom-port"}),
    ("azure-paths-insecure", {"exposed-dicom-port"}),
    ("gcp-paths-insecure", {"exposed-dicom-port"}),
    ("gcp-backends-insecure", {"exposed-dicom-port"}),
])
def test_insecure_example_fails_with_every_category(example, categories):
    code, report = scan_json(str(TERRAFORM / example))
    assert code == 1
    assert not report["errors"]
    confirmed = {finding["category"] for finding in report["findings"]
                 if finding["confidence"] == "confirmed"}
    assert confirmed == categories


@pytest.mark.parametrize("example", ["secure-pacs", "azure-secure-pacs", "gcp-secure-pacs",
                                     "rules-from-variables-secure", "azure-paths-secure",
                                     "gcp-paths-secure", "gcp-backends-secure"])
def test_secure_example_scans_clean(example):
    code, report = scan_json("--strict", str(TERRAFORM / example))
    assert report["findings"] == [] and report["errors"] == []
    assert code == 0


def test_insecure_aws_example_points_at_what_must_change():
    _, report = scan_json(str(TERRAFORM / "insecure-pacs"))
    where = {(finding["rule_id"], finding["resource"]) for finding in report["findings"]}
    assert where == {
        ("DG101", "aws_security_group.orthanc"),
        ("DG101", "aws_security_group_rule.orthanc_web"),
        ("DG201", "aws_instance.orthanc"),
        ("DG201", "aws_ebs_volume.images"),
        ("DG201", "aws_db_instance.index"),
        ("DG305", "aws_db_instance.index"),
        ("DG302", "aws_s3_bucket_acl.archive"),
        ("DG302", "aws_s3_bucket_policy.archive"),
    }
