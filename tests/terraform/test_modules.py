"""Modules: https://developer.hashicorp.com/terraform/language/modules (inputs, outputs,
count/for_each on module blocks, nesting), and downloaded copies of remote modules."""

import json

from dicomguard.model import Unknown
from dicomguard.terraform.evaluated import Reference

SECURITY_GROUP_MODULE = '''
variable "port" {
  type = number
}
variable "cidrs" {
  type    = list(string)
  default = ["10.0.0.0/8"]
}
resource "aws_security_group" "this" {
  name = "pacs-${var.port}"
  dynamic "ingress" {
    for_each = var.cidrs
    content {
      from_port   = var.port
      to_port     = var.port
      cidr_blocks = [ingress.value]
    }
  }
}
output "id" {
  value = aws_security_group.this.id
}
output "name" {
  value = aws_security_group.this.name
}
'''


def test_a_local_module_is_evaluated_with_its_inputs_and_not_as_a_root(configuration) -> None:
    loaded = configuration({
        "modules/sg/main.tf": SECURITY_GROUP_MODULE,
        "live/main.tf": '''
module "pacs" {
  source = "../modules/sg"
  port   = "104"
  cidrs  = ["0.0.0.0/0"]
}
''',
    })
    assert loaded.errors == []
    [group] = loaded.resources
    assert group.address == "module.pacs.aws_security_group.this"
    assert group.module_address == "module.pacs"
    assert group.body.file == "modules/sg/main.tf"
    [ingress] = group.body.blocks_of("ingress")
    assert (ingress.attr("from_port"), ingress.attr("cidr_blocks")) == (104, ["0.0.0.0/0"])


def test_a_module_called_twice_is_evaluated_per_instance(configuration) -> None:
    loaded = configuration({
        "modules/sg/main.tf": SECURITY_GROUP_MODULE,
        "main.tf": '''
module "pacs" {
  source   = "./modules/sg"
  for_each = { eu = 104, us = 11112 }
  port     = each.value
}
module "gateway" {
  count  = 1
  source = "./modules/sg"
  port   = 4242
}
resource "test" "probe" {
  eu_name = module.pacs["eu"].name
  us_id   = module.pacs["us"].id
  gateway = module.gateway[0].name
}
''',
    })
    assert loaded.errors == []
    names = {r.address: r.body.attr("name") for r in loaded.resources if r.type != "test"}
    assert names == {
        'module.pacs["eu"].aws_security_group.this': "pacs-104",
        'module.pacs["us"].aws_security_group.this': "pacs-11112",
        "module.gateway[0].aws_security_group.this": "pacs-4242",
    }
    probe = loaded.by_address("test.probe").body
    assert probe.attr("eu_name") == "pacs-104"
    assert probe.attr("gateway") == "pacs-4242"
    reference = probe.attr("us_id")
    assert isinstance(reference, Reference)
    assert reference.address == 'module.pacs["us"].aws_security_group.this'


def test_nested_modules_pass_values_down_and_outputs_up(configuration) -> None:
    loaded = configuration({
        "modules/sg/main.tf": SECURITY_GROUP_MODULE,
        "modules/pacs/main.tf": '''
variable "dicom_port" {}
module "sg" {
  source = "../sg"
  port   = var.dicom_port
}
output "group_name" {
  value = module.sg.name
}
''',
        "main.tf": '''
module "pacs" {
  source     = "./modules/pacs"
  dicom_port = 104
}
resource "test" "probe" {
  value = module.pacs.group_name
}
''',
    })
    assert loaded.errors == []
    assert loaded.by_address("module.pacs.module.sg.aws_security_group.this") is not None
    assert loaded.by_address("test.probe").body.attr("value") == "pacs-104"


def test_a_module_input_not_given_and_without_default_is_unknown(configuration) -> None:
    loaded = configuration({"modules/sg/main.tf": SECURITY_GROUP_MODULE,
                            "main.tf": 'module "pacs" {\n  source = "./modules/sg"\n}\n'})
    [group] = loaded.resources
    assert isinstance(group.body.blocks_of("ingress")[0].attr("from_port"), Unknown)


def test_a_remote_module_not_downloaded_is_a_note_never_a_download(configuration) -> None:
    loaded = configuration({"main.tf": '''
module "vpc" {
  source  = "terraform-aws-modules/security-group/aws"
  version = "5.1.0"
}
'''})
    assert loaded.resources == []
    [note] = loaded.notes
    assert note["origin"]["address"] == "module.vpc"
    assert (note["origin"]["file"], note["origin"]["line"]) == ("main.tf", 2)
    assert "not downloaded" in note["message"]


def test_a_downloaded_remote_module_is_read_from_terraform_modules(configuration) -> None:
    manifest = {"Modules": [{"Key": "", "Source": "", "Dir": "."},
                            {"Key": "pacs", "Source": "registry.terraform.io/acme/sg/aws",
                             "Dir": ".terraform/modules/pacs"}]}
    loaded = configuration({
        "main.tf": 'module "pacs" {\n  source = "acme/sg/aws"\n  port   = 104\n}\n',
        ".terraform/modules/modules.json": json.dumps(manifest),
        ".terraform/modules/pacs/main.tf": SECURITY_GROUP_MODULE,
    })
    assert loaded.notes == []
    [group] = loaded.resources
    assert group.address == "module.pacs.aws_security_group.this"
    assert group.body.attr("name") == "pacs-104"


def test_a_module_calling_itself_is_an_error_and_evaluated_once(configuration) -> None:
    loaded = configuration({
        "main.tf": 'module "a" {\n  source = "./m"\n}\n',
        "m/main.tf": 'module "again" {\n  source = "./"\n}\n'
                     'resource "aws_instance" "i" {}\n',
    })
    assert [resource.address for resource in loaded.resources] == ["module.a.aws_instance.i"]
    [error] = loaded.errors
    assert (error.file, error.line) == ("m/main.tf", 1) and "module cycle" in error.message


def test_a_null_input_for_a_non_nullable_variable_takes_the_default(configuration) -> None:
    """https://developer.hashicorp.com/terraform/language/values/variables#disallowing-null-input-values"""
    loaded = configuration({
        "m/main.tf": 'variable "create" {\n  type = bool\n  default = true\n  nullable = false\n}\n'
                     'variable "name" {\n  default = "x"\n}\n'
                     'resource "test" "probe" {\n  create = var.create\n  name = var.name\n}\n',
        "main.tf": 'module "m" {\n  source = "./m"\n  create = null\n  name = null\n}\n',
    })
    body = loaded.resources[0].body
    assert body.attr("create") is True
    assert not body.has("name")  # nullable by default: null stays null


def test_one_module_called_from_two_roots_gives_resources_that_tell_them_apart(
        configuration) -> None:
    """envs/prod and envs/staging both call modules/sg: the same file, line and Terraform
    address, so each root's modules are named with the root's directory."""
    call = 'module "pacs" {{\n  source = "../../modules/sg"\n  port = {}\n}}\n'
    loaded = configuration({
        "modules/sg/main.tf": SECURITY_GROUP_MODULE,
        "envs/prod/main.tf": call.format(104),
        "envs/staging/main.tf": call.format(11112),
    })
    assert sorted((r.address, r.body.attr("name")) for r in loaded.resources) == [
        ("envs/prod: module.pacs.aws_security_group.this", "pacs-104"),
        ("envs/staging: module.pacs.aws_security_group.this", "pacs-11112")]
    assert all(r.module_address.endswith(": module.pacs") for r in loaded.resources)


def test_a_single_root_keeps_terraform_addresses(configuration) -> None:
    loaded = configuration({"modules/sg/main.tf": SECURITY_GROUP_MODULE,
                            "main.tf": 'module "pacs" {\n  source = "./modules/sg"\n'
                                       '  port = 104\n}\n'})
    assert [r.address for r in loaded.resources] == ["module.pacs.aws_security_group.this"]


OPEN_GROUP = '''
resource "aws_security_group" "{name}" {{
  ingress {{
    from_port   = {port}
    to_port     = {port}
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }}
}}
'''


def test_a_module_that_calls_its_own_directory_is_an_error_and_its_resources_are_checked(
        configuration) -> None:
    loaded = configuration({"main.tf": 'module "m" {\n  source = "./"\n}\n'
                            + OPEN_GROUP.format(name="pacs", port=104)})
    assert [resource.address for resource in loaded.resources] == ["aws_security_group.pacs"]
    [error] = loaded.errors
    assert (error.file, error.line) == ("main.tf", 1)
    assert "module cycle" in error.message and "'./'" in error.message


def test_two_modules_calling_each_other_are_errors_naming_the_calls(configuration) -> None:
    loaded = configuration({
        "a/main.tf": 'module "b" {\n  source = "../b"\n}\n' + OPEN_GROUP.format(name="a",
                                                                                port=104),
        "b/main.tf": 'module "a" {\n  source = "../a"\n}\n' + OPEN_GROUP.format(name="b",
                                                                                port=4242),
    })
    assert sorted(resource.address for resource in loaded.resources) == [
        "aws_security_group.a", "aws_security_group.b"]
    messages = sorted(f"{error.file}:{error.line}: {error.message}" for error in loaded.errors)
    assert len(messages) == 2
    assert messages[0].startswith("a/main.tf:1: module 'b'") and "a/main.tf -> b/main.tf" in \
        messages[0]
    assert messages[1].startswith("b/main.tf:1: module 'a'") and "b/main.tf -> a/main.tf" in \
        messages[1]


def test_a_module_cycle_below_a_root_is_reported_and_the_root_still_evaluated(
        configuration) -> None:
    loaded = configuration({
        "live/main.tf": 'module "a" {\n  source = "../a"\n}\n',
        "a/main.tf": 'module "b" {\n  source = "../b"\n}\n' + OPEN_GROUP.format(name="a",
                                                                                port=104),
        "b/main.tf": 'module "a" {\n  source = "../a"\n}\n',
    })
    addresses = [resource.address for resource in loaded.resources]
    assert any(address.endswith("module.a.aws_security_group.a") for address in addresses)
    assert any("module cycle" in error.message for error in loaded.errors)


def test_an_account_setting_in_one_root_module_does_not_hide_another_roots_findings(
        tmp_path) -> None:
    """Two root modules are two deployments: encryption by default turned on in one says
    nothing about the volumes the other creates."""
    from tests.conftest import scan_json

    (tmp_path / "secure").mkdir()
    (tmp_path / "secure" / "main.tf").write_text(
        'resource "aws_ebs_encryption_by_default" "on" {\n  enabled = true\n}\n'
        'resource "aws_ebs_volume" "images" {\n  availability_zone = "eu-west-1a"\n'
        '  size = 500\n}\n', encoding="utf-8")
    (tmp_path / "insecure").mkdir()
    (tmp_path / "insecure" / "main.tf").write_text(
        'resource "aws_ebs_volume" "images" {\n  availability_zone = "eu-west-1a"\n'
        '  size = 500\n}\n', encoding="utf-8")
    _, together = scan_json(str(tmp_path))
    _, alone = scan_json(str(tmp_path / "insecure"))
    assert [finding["rule_id"] for finding in alone["findings"]] == ["DG201"]
    assert [(finding["rule_id"], finding["file"].split("/")[-2])
            for finding in together["findings"]] == [("DG201", "insecure")]
