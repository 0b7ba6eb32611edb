"""Variable values by Terraform's precedence
(https://developer.hashicorp.com/terraform/language/values/variables#variable-definition-precedence)
and type conversion (https://developer.hashicorp.com/terraform/language/expressions/type-constraints)."""

from pathlib import Path

import pytest

from dicomguard.model import Unknown

DECLARATION = 'variable "port" {\n  type    = number\n  default = 1\n}\n'


def port(configuration, files: dict[str, str], **context: object) -> object:
    main = DECLARATION + 'resource "test" "probe" {\n  value = var.port\n}\n'
    loaded = configuration({"main.tf": main, **files}, **context)
    assert loaded.errors == []
    return loaded.by_address("test.probe").body.attr("value")


def test_the_default_applies_when_nothing_sets_a_variable(configuration) -> None:
    assert port(configuration, {}) == 1


def test_terraform_tfvars_overrides_the_default(configuration) -> None:
    assert port(configuration, {"terraform.tfvars": "port = 2\n"}) == 2


def test_tfvars_json_comes_after_tfvars(configuration) -> None:
    assert port(configuration, {"terraform.tfvars": "port = 2\n",
                                "terraform.tfvars.json": '{"port": 3}'}) == 3


def test_auto_tfvars_come_after_terraform_tfvars_in_lexical_order(configuration) -> None:
    assert port(configuration, {"terraform.tfvars": "port = 2\n",
                                "b.auto.tfvars": "port = 5\n",
                                "a.auto.tfvars.json": '{"port": 4}'}) == 5


def test_other_tfvars_files_are_read_only_when_given(configuration, tmp_path: Path) -> None:
    files = {"terraform.tfvars": "port = 2\n", "prod.tfvars": "port = 104\n"}
    assert port(configuration, files) == 2
    assert port(configuration, files, terraform_var_files=[str(tmp_path / "prod.tfvars")]) == 104


def test_var_on_the_command_line_wins(configuration, tmp_path: Path) -> None:
    files = {"prod.tfvars": "port = 104\n", "x.auto.tfvars": "port = 3\n"}
    assert port(configuration, files, terraform_var_files=[str(tmp_path / "prod.tfvars")],
                terraform_vars={"port": "11112"}) == 11112


def test_environment_variables_only_when_asked(configuration, monkeypatch) -> None:
    monkeypatch.setenv("TF_VAR_port", "4242")
    assert port(configuration, {}) == 1
    assert port(configuration, {}, terraform_env_vars=True) == 4242
    assert port(configuration, {"terraform.tfvars": "port = 2\n"}, terraform_env_vars=True) == 2


@pytest.mark.parametrize(("constraint", "given", "expected"), [
    ("number", '"104"', 104),
    ("string", "104", "104"),
    ("bool", '"true"', True),
    ("list(number)", '["104", 11112]', [104, 11112]),
    ("set(string)", '["b", "a", "b"]', ["a", "b"]),
    ("map(number)", '{ dicom = "104" }', {"dicom": 104}),
    ("object({ port = number, cidr = optional(string, \"10.0.0.0/8\") })", '{ port = "104" }',
     {"port": 104, "cidr": "10.0.0.0/8"}),
    ("tuple([string, number])", '["a", "1"]', ["a", 1]),
])
def test_type_constraints_convert_values(configuration, constraint: str, given: str,
                                         expected: object) -> None:
    main = (f'variable "v" {{\n  type = {constraint}\n}}\n'
            'resource "test" "probe" {\n  value = var.v\n}\n')
    loaded = configuration({"main.tf": main, "terraform.tfvars": f"v = {given}\n"})
    assert loaded.errors == []
    assert loaded.by_address("test.probe").body.attr("value") == expected


def test_a_value_of_the_wrong_type_is_an_error_and_unknown(configuration) -> None:
    loaded = configuration({"main.tf": DECLARATION + 'resource "test" "probe" {\n'
                                                     '  value = var.port\n}\n',
                            "terraform.tfvars": 'port = "dicom"\n'})
    assert isinstance(loaded.by_address("test.probe").body.attr("value"), Unknown)
    [error] = loaded.errors
    assert (error.file, error.line) == ("main.tf", 1)


def test_a_list_given_on_the_command_line_is_read_as_hcl(configuration) -> None:
    main = ('variable "cidrs" {\n  type = list(string)\n}\n'
            'resource "test" "probe" {\n  value = var.cidrs\n}\n')
    loaded = configuration({"main.tf": main}, terraform_vars={"cidrs": '["0.0.0.0/0"]'})
    assert loaded.by_address("test.probe").body.attr("value") == ["0.0.0.0/0"]


def test_a_tfvars_file_with_a_syntax_error_is_an_error(configuration) -> None:
    loaded = configuration({"main.tf": DECLARATION, "terraform.tfvars": "port = \n"})
    [error] = loaded.errors
    assert error.file == "terraform.tfvars"


@pytest.mark.parametrize(("constraint", "default", "rules"), [
    ("map", '{ dicom = { port = 104, cidr = "0.0.0.0/0" } }', "values(var.rules)"),
    ('"map"', '{ dicom = { port = 104, cidr = "0.0.0.0/0" } }', "values(var.rules)"),
    ("list", '[{ port = 104, cidr = "0.0.0.0/0" }]', "var.rules"),
    ('"list"', '[{ port = 104, cidr = "0.0.0.0/0" }]', "var.rules"),
])
def test_legacy_map_and_list_types_accept_objects_as_terraform_does(scan_tf, constraint: str,
                                                                    default: str,
                                                                    rules: str) -> None:
    result = scan_tf(f'''
        variable "rules" {{
          type    = {constraint}
          default = {default}
        }}

        resource "aws_security_group" "pacs" {{
          ingress = [for rule in {rules} : {{
            from_port        = rule.port
            to_port          = rule.port
            protocol         = "tcp"
            cidr_blocks      = [rule.cidr]
            ipv6_cidr_blocks = []
            description      = ""
            prefix_list_ids  = []
            security_groups  = []
            self             = false
          }}]
        }}
    ''')
    assert result.errors == []
    assert result.resources("DG101") == {"aws_security_group.pacs"}
