from pathlib import Path

from dicomguard.terraform.detect import classify


def test_terraform_files_are_recognised_by_name() -> None:
    assert classify(Path("main.tf"), "") == "tf"
    assert classify(Path("main.tf.json"), "{}") == "tf-json"
    assert classify(Path("terraform.tfvars"), "") == "tfvars"
    assert classify(Path("prod.auto.tfvars.json"), "{}") == "tfvars-json"


def test_a_plan_is_recognised_by_its_content_whatever_its_name() -> None:
    head = '{"format_version":"1.2","terraform_version":"1.9.5","planned_values":{}}'
    assert classify(Path("tfplan.json"), head) == "plan"
    assert classify(Path("package.json"), '{"name": "x", "version": "1"}') is None


def test_other_files_are_not_claimed() -> None:
    assert classify(Path("main.tf.bak"), "") is None
    assert classify(Path("README.md"), "resource") is None
