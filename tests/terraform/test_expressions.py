"""Expression semantics, per https://developer.hashicorp.com/terraform/language/expressions."""

import pytest

from dicomguard.model import Unknown
from dicomguard.terraform.evaluated import Reference

UNKNOWN_CIDR = 'variable "cidr" {}\n'


@pytest.mark.parametrize(("expression", "expected"), [
    # Arithmetic and logical operators (expressions/operators)
    ("1 + 2 * 3", 7),
    ("(1 + 2) * 3", 9),
    ("7 / 2", 3.5),
    ("-7 % 3", -1),
    ('"100" + 4', 104),
    ("1 == 1 && 2 > 1", True),
    ('1 == "1"', False),
    ("!false || false", True),
    ("[1, 2] == [1, 2]", True),
    # Conditional expressions (expressions/conditionals)
    ('true ? "a" : "b"', "a"),
    ("2 > 3 ? 1 : 2", 2),
    # Strings and templates (expressions/strings)
    ('"port ${100 + 4}"', "port 104"),
    ('"${104}"', 104),
    ('"%{if true}on%{else}off%{endif}"', "on"),
    ('"%{for p in [104, 11112]}${p},%{endfor}"', "104,11112,"),
    ('"a %{~ if true ~} b %{~ endif}"', "ab"),
    # for expressions (expressions/for)
    ('[for p in [104, 80, 11112] : p if p != 80]', [104, 11112]),
    ('[for i, p in ["a", "b"] : "${i}=${p}"]', ["0=a", "1=b"]),
    ('{for k, v in {b = 2, a = 1} : v => k}', {"1": "a", "2": "b"}),
    ('{for p in ["x", "y", "x"] : p => p...}', {"x": ["x", "x"], "y": ["y"]}),
    # Splat expressions and indexing (expressions/splat, expressions/references)
    ('[{p = 1}, {p = 2}][*].p', [1, 2]),
    ('{a = [10, 20]}.a[1]', 20),
    ('{a = {b = "c"}}["a"].b', "c"),
    ("[5, 6].1", 6),
    ("null[*]", []),
])
def test_documented_semantics(value, expression: str, expected: object) -> None:
    assert value(expression) == expected


def test_heredocs_keep_lines_and_the_indented_form_strips_common_indentation(value) -> None:
    """expressions/strings#heredoc-strings"""
    assert value("<<EOT\n  a\n    b\nEOT\n") == "  a\n    b\n"
    assert value("<<-EOT\n    port ${104}\n      next\n    EOT\n") == "port 104\n  next\n"


def test_an_unknown_operand_gives_unknown_never_an_exception(value) -> None:
    for expression in ["var.cidr + 1", '"${var.cidr}/32"', "var.cidr == 1", "var.cidr ? 1 : 2",
                       "[for c in var.cidr : c]", "var.cidr[0]", "var.cidr.name",
                       "upper(var.cidr)", "var.cidr[*].x", "-var.cidr", "!var.cidr"]:
        result = value(expression, extra=UNKNOWN_CIDR)
        assert isinstance(result, Unknown), expression
        assert "var.cidr" in result.reason


def test_unknown_elements_stay_inside_known_collections(value) -> None:
    result = value('["10.0.0.0/8", var.cidr]', extra=UNKNOWN_CIDR)
    assert result[0] == "10.0.0.0/8"
    assert isinstance(result[1], Unknown)


def test_logical_operators_are_known_when_one_side_decides(value) -> None:
    assert value("false && var.cidr", extra=UNKNOWN_CIDR) is False
    assert value("var.cidr || true", extra=UNKNOWN_CIDR) is True
    assert isinstance(value("var.cidr && true", extra=UNKNOWN_CIDR), Unknown)


def test_a_malformed_expression_is_an_error_with_its_line(configuration) -> None:
    loaded = configuration({"main.tf": 'resource "aws_instance" "a" {\n  ami = "x"\n'
                                       '  name = upper("a", "b")\n  tags = True\n}\n'})
    body = loaded.resources[0].body
    assert isinstance(body.attr("name"), Unknown) and isinstance(body.attr("tags"), Unknown)
    assert [(error.file, error.line) for error in loaded.errors] == [
        ("main.tf", 3), ("main.tf", 4)]


def test_values_terraform_would_reject_give_a_note_with_the_line_and_an_unknown(
        configuration) -> None:
    """A library module evaluated on its own meets its placeholder defaults (nulls): what
    fails is unknown and noted, not an error that would fail the gate on good code."""
    loaded = configuration({"main.tf": '''
variable "subnet_name" {
  default = null
}
locals {
  ports = { dicom = 104 }
}
resource "test" "probe" {
  name = "${var.subnet_name}-x"
  bad  = local.ports.hl7
  good = try(local.ports.hl7, 2575)
  can  = can(local.ports.hl7)
}
'''})
    probe = loaded.by_address("test.probe").body
    assert loaded.errors == []
    assert sorted(note["origin"]["line"] for note in loaded.notes) == [9, 10]
    assert "null" in loaded.notes[0]["message"]
    assert isinstance(probe.attr("name"), Unknown)
    assert isinstance(probe.attr("bad"), Unknown)
    assert probe.attr("good") == 2575
    assert probe.attr("can") is False


def test_locals_refer_to_each_other_in_any_order(value) -> None:
    assert value("local.b", extra='locals {\n  b = local.a + 1\n  a = 103\n}\n') == 104


def test_a_local_that_refers_to_itself_is_unknown(configuration) -> None:
    loaded = configuration({"main.tf": 'locals {\n  a = local.a\n}\n'
                                       'resource "test" "probe" {\n  value = local.a\n}\n'})
    assert isinstance(loaded.by_address("test.probe").body.attr("value"), Unknown)


def test_path_and_workspace_references(value, tmp_path) -> None:
    assert value("terraform.workspace") == "default"
    assert value("path.module") == str(tmp_path.resolve())
    assert value('"${path.root}/x"') == f"{tmp_path.resolve()}/x"


def test_what_a_data_source_reads_is_unknown_but_names_it(configuration) -> None:
    loaded = configuration({"main.tf": 'data "aws_vpc" "main" {\n  id = "vpc-1"\n}\n'
                                       'resource "test" "probe" {\n'
                                       '  value = data.aws_vpc.main.cidr_block\n}\n'})
    result = loaded.by_address("test.probe").body.attr("value")
    assert isinstance(result, Reference)
    assert (result.address, result.attribute) == ("data.aws_vpc.main", "cidr_block")
    data = loaded.by_address("data.aws_vpc.main")
    assert (data.mode, data.body.attr("id")) == ("data", "vpc-1")
