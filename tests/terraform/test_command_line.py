"""The Terraform options of `dicomguard scan`, end to end: what a user passes as variables
decides the verdict, the way it would decide `terraform plan`."""

import json
from pathlib import Path

from tests.conftest import VARIABLE_CIDR_MODULE as MODULE
from tests.conftest import run_cli, scan_json


def exposures(report: dict) -> list[tuple[str, str]]:
    return [(finding["resource"], finding["confidence"]) for finding in report["findings"]
            if finding["rule_id"] == "DG101"]


def test_variables_from_files_the_command_line_and_the_environment(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(MODULE)
    code, report = scan_json(str(tmp_path))
    assert (code, exposures(report)) == (0, [])

    (tmp_path / "world.tfvars").write_text('dicom_cidr = "0.0.0.0/0"\n')
    code, report = scan_json(str(tmp_path), "--var-file", str(tmp_path / "world.tfvars"))
    assert (code, exposures(report)) == (1, [("aws_security_group.pacs", "confirmed")])

    code, report = scan_json(str(tmp_path), "--var-file", str(tmp_path / "world.tfvars"),
                             "--var", "dicom_cidr=192.168.0.0/16")
    assert (code, exposures(report)) == (0, [])

    environment = {"TF_VAR_dicom_cidr": "0.0.0.0/0"}
    without = run_cli("scan", "--format", "json", str(tmp_path), env=environment)
    assert exposures(json.loads(without.stdout)) == []
    with_env = run_cli("scan", "--format", "json", "--env-vars", str(tmp_path), env=environment)
    assert exposures(json.loads(with_env.stdout)) == [("aws_security_group.pacs", "confirmed")]


def test_a_root_without_a_value_for_the_source_is_unresolved(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(MODULE.replace('  default = "10.0.0.0/8"\n', ""))
    code, report = scan_json(str(tmp_path))
    assert exposures(report) == [("aws_security_group.pacs", "unresolved")]
    assert code == 0
    code, _ = scan_json(str(tmp_path), "--strict")
    assert code == 1


def test_a_syntax_error_exits_2_and_names_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(MODULE.replace('  name = "pacs"', '  name = '))
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "main.tf").write_text(MODULE.replace("10.0.0.0/8", "0.0.0.0/0"))
    code, report = scan_json(str(tmp_path))
    assert code == 2
    [error] = report["errors"]
    assert error["file"].endswith("main.tf") and "other" not in error["file"]
    assert error["line"] == 8
    assert exposures(report) == [("aws_security_group.pacs", "confirmed")]


def test_every_environment_calling_a_module_is_checked(tmp_path: Path) -> None:
    """Two roots call one module: the staging root's safe values must not hide prod's."""
    module = tmp_path / "modules" / "pacs"
    module.mkdir(parents=True)
    (module / "main.tf").write_text(MODULE.replace('  default = "10.0.0.0/8"\n', ""))
    for environment, cidr in [("a-staging", "10.0.0.0/8"), ("b-prod", "0.0.0.0/0")]:
        root = tmp_path / "envs" / environment
        root.mkdir(parents=True)
        (root / "main.tf").write_text(
            f'module "pacs" {{\n  source     = "../../modules/pacs"\n'
            f'  dicom_cidr = "{cidr}"\n}}\n')
    code, report = scan_json(str(tmp_path))
    [(resource, confidence)] = exposures(report)
    assert confidence == "confirmed"
    assert resource.endswith("envs/b-prod: module.pacs.aws_security_group.pacs")
    assert code == 1


def test_an_env_directory_of_terraform_is_scanned_and_a_virtualenv_is_not(
        tmp_path: Path) -> None:
    """env/prod is a common Terraform layout; a virtualenv (pyvenv.cfg and its interpreter) of
    any name is not."""
    insecure = MODULE.replace("10.0.0.0/8", "0.0.0.0/0")
    (tmp_path / "env" / "prod").mkdir(parents=True)
    (tmp_path / "env" / "prod" / "main.tf").write_text(insecure)
    (tmp_path / "tools" / "lib").mkdir(parents=True)
    (tmp_path / "tools" / "pyvenv.cfg").write_text("home = /usr/bin\n")
    (tmp_path / "tools" / "lib" / "main.tf").write_text(insecure)
    (tmp_path / "tools" / "bin").mkdir()
    (tmp_path / "tools" / "bin" / "python").symlink_to("/usr/bin/python3")
    code, report = scan_json(str(tmp_path))
    assert code == 1
    assert {finding["file"].split("/")[-3] for finding in report["findings"]} == {"env"}
