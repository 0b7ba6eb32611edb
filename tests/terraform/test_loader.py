"""The loader's contract with the adapters: resources, nested blocks, attributes with lines,
values or explicit unknowns, syntax errors with file and line."""

from pathlib import Path

from dicomguard.model import Unknown
from dicomguard.terraform.evaluated import Reference

SECURITY_GROUP = '''\
resource "aws_security_group" "pacs" {
  name = "pacs"

  ingress {
    from_port   = 104
    to_port     = 104
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }

  egress {
    from_port = 0
    to_port   = 0
    protocol  = "-1"
  }
}
'''


def test_resources_keep_blocks_attributes_and_their_lines(configuration) -> None:
    loaded = configuration({"main.tf": SECURITY_GROUP})
    assert loaded.errors == []
    [group] = loaded.resources
    assert (group.address, group.type, group.name) == (
        "aws_security_group.pacs", "aws_security_group", "pacs")
    assert (group.body.file, group.body.line, group.body.end_line) == ("main.tf", 1, 16)
    [ingress] = group.body.blocks_of("ingress")
    assert (ingress.line, ingress.end_line) == (4, 9)
    assert ingress.attr("from_port") == 104
    assert ingress.attr("cidr_blocks") == ["0.0.0.0/0"]
    assert ingress.attributes["cidr_blocks"].line == 8
    assert group.body.blocks_of("egress")[0].attr("protocol") == "-1"


def test_literal_values_are_plain_python(value) -> None:
    assert value('{ a = 1.5, "b" = true, c = null, d = [1, "x"] }') == {
        "a": 1.5, "b": True, "c": None, "d": [1, "x"]}
    assert value('"tab\\there \\"quoted\\" $${not} %%{not}"') == 'tab\there "quoted" ${not} %{not}'


def test_a_null_attribute_is_as_if_it_were_not_set(configuration) -> None:
    """https://developer.hashicorp.com/terraform/language/expressions/types#null"""
    loaded = configuration({"main.tf": 'resource "aws_ebs_volume" "v" {\n encrypted = null\n}\n'})
    assert not loaded.resources[0].body.has("encrypted")


def test_a_variable_without_value_is_unknown_never_a_guess(value) -> None:
    result = value("var.cidr", extra='variable "cidr" {}\n')
    assert isinstance(result, Unknown)
    assert "var.cidr" in result.reason


def test_a_computed_attribute_of_another_resource_is_a_reference(configuration) -> None:
    loaded = configuration({"main.tf": SECURITY_GROUP + '''
resource "aws_security_group_rule" "dicom" {
  type              = "ingress"
  security_group_id = aws_security_group.pacs.id
  description       = aws_security_group.pacs.name
}
'''})
    rule = loaded.by_address("aws_security_group_rule.dicom")
    reference = rule.body.attr("security_group_id")
    assert isinstance(reference, Reference)
    assert (reference.address, reference.attribute) == ("aws_security_group.pacs", "id")
    assert rule.body.attr("description") == "pacs"


def test_a_syntax_error_names_file_and_line_and_other_files_still_load(configuration) -> None:
    loaded = configuration({
        "broken.tf": 'resource "aws_instance" "a" {\n  ami = \n  instance_type = "t3"\n}\n',
        "good.tf": SECURITY_GROUP,
    })
    [error] = loaded.errors
    assert error.file == "broken.tf"
    assert error.line == 2
    assert [resource.address for resource in loaded.resources] == ["aws_security_group.pacs"]


def test_an_unclosed_block_is_a_syntax_error(configuration) -> None:
    loaded = configuration({"main.tf": 'resource "aws_instance" "a" {\n  ami = "x"\n'})
    [error] = loaded.errors
    assert (error.file, error.line) == ("main.tf", 3)
    assert "missing" in error.message


def test_each_directory_is_its_own_module(configuration, tmp_path: Path) -> None:
    loaded = configuration({
        "a/main.tf": 'resource "aws_ebs_volume" "v" {\n  encrypted = true\n}\n',
        "b/main.tf": 'resource "aws_ebs_volume" "v" {\n  encrypted = false\n}\n',
    })
    assert loaded.errors == []
    assert sorted((resource.body.file, resource.body.attr("encrypted"))
                  for resource in loaded.resources) == [
        (str(Path("a/main.tf")), True), (str(Path("b/main.tf")), False)]


def test_references_to_what_a_fragment_does_not_declare_are_unknown_not_errors(
        configuration) -> None:
    loaded = configuration({"main.tf": '''
resource "aws_security_group_rule" "dicom" {
  security_group_id = aws_security_group.elsewhere.id
  from_port         = var.port
  cidr_blocks       = [local.world]
  ami               = data.aws_ami.base.id
}
'''})
    assert loaded.errors == []
    rule = loaded.resources[0].body
    reference = rule.attr("security_group_id")
    assert isinstance(reference, Reference)
    assert (reference.address, reference.attribute) == ("aws_security_group.elsewhere", "id")
    assert isinstance(rule.attr("from_port"), Unknown)
    assert isinstance(rule.attr("cidr_blocks")[0], Unknown)
    assert isinstance(rule.attr("ami"), Unknown)


def test_a_capitalised_bool_is_an_invalid_reference_as_in_terraform(configuration) -> None:
    loaded = configuration({"main.tf": 'resource "aws_ebs_volume" "v" {\n  encrypted = True\n}\n'})
    assert isinstance(loaded.resources[0].body.attr("encrypted"), Unknown)
    [error] = loaded.errors
    assert (error.line, "invalid reference 'True'") == (2, error.message[:24])


def test_files_of_a_directory_that_clash_are_checked_one_by_one(configuration) -> None:
    """Sample directories (positive1.tf, negative1.tf...) declare the same resource in every
    file: Terraform would reject them as one module, so each is checked with the shared files."""
    volume = 'resource "aws_ebs_volume" "v" {{\n  encrypted = {}\n  size = var.size\n}}\n'
    loaded = configuration({
        "positive.tf": volume.format("false"),
        "negative.tf": volume.format("true"),
        "variables.tf": 'variable "size" {\n  default = 100\n}\n',
    })
    assert loaded.errors == []
    assert sorted((r.body.file, r.body.attr("encrypted"), r.body.attr("size"))
                  for r in loaded.resources) == [
        ("negative.tf", True, 100), ("positive.tf", False, 100)]
    [note] = loaded.notes
    assert "declare the same blocks" in note["message"]


def test_a_resource_declared_twice_in_one_file_is_checked_twice(configuration) -> None:
    loaded = configuration({"main.tf": 'resource "aws_ebs_volume" "v" {\n  encrypted = true\n}\n'
                                       'resource "aws_ebs_volume" "v" {\n  encrypted = false\n}\n'})
    assert [r.body.attr("encrypted") for r in loaded.resources] == [True, False]
    assert "declared twice" in loaded.notes[0]["message"]


def test_meta_arguments_that_name_things_are_not_evaluated(configuration) -> None:
    """lifecycle's ignore_changes and replace_triggered_by, depends_on and provider name
    attributes and resources; self is the resource being provisioned
    (https://developer.hashicorp.com/terraform/language/meta-arguments/lifecycle)."""
    loaded = configuration({"main.tf": '''
resource "aws_instance" "a" {
  provider   = aws.east
  depends_on = [aws_security_group.pacs]
  ami        = sensitive("ami-1")
  lifecycle {
    ignore_changes        = [tags, ami]
    replace_triggered_by  = [aws_security_group.pacs.id]
    create_before_destroy = true
  }
  provisioner "local-exec" {
    command = "echo ${self.private_ip}"
  }
}
'''})
    assert loaded.errors == []
    body = loaded.resources[0].body
    assert not body.has("depends_on") and not body.has("provider")
    assert body.attr("ami") == "ami-1"
    [lifecycle] = body.blocks_of("lifecycle")
    assert lifecycle.attributes.keys() == {"create_before_destroy"}
    assert isinstance(body.blocks_of("provisioner")[0].attr("command"), Unknown)


def test_a_body_is_evaluated_when_first_read_and_its_problems_reported_then(
        configuration) -> None:
    loaded = configuration({"main.tf": 'resource "aws_iam_role" "unread" {\n  name = True\n}\n'
                                       'resource "aws_ebs_volume" "v" {\n  size = 1\n}\n'})
    assert loaded.errors == []
    assert loaded.by_address("aws_ebs_volume.v").body.attr("size") == 1
    assert loaded.errors == []
    loaded.by_address("aws_iam_role.unread").body  # noqa: B018 - reading it evaluates it
    assert [error.line for error in loaded.errors] == [2]


def test_absurdly_nested_input_is_an_error_not_a_crash(configuration) -> None:
    deep = "[" * 5000 + "]" * 5000
    loaded = configuration({"main.tf": f'resource "a" "b" {{\n  x = {deep}\n}}\n',
                            "other.tf.json": "[" * 100000 + "]" * 100000,
                            "good.tf": 'resource "aws_ebs_volume" "v" {}\n'})
    assert sorted(error.file for error in loaded.errors) == ["main.tf", "other.tf.json"]
    assert [r.address for r in loaded.resources] == ["aws_ebs_volume.v"]


def test_comments_anywhere_inside_expressions_are_ignored(configuration) -> None:
    loaded = configuration({"main.tf": '''\
/*
 * header
 */
resource "aws_security_group_rule" "dicom" {
  type        = "ingress"
  from_port   = /* DICOM */ 104
  to_port     = 104 /* same */
  protocol    = "tcp"
  cidr_blocks = [
    "0.0.0.0/0", # the world
    /* partner */ "81.2.69.160/27",
  ]
  description = merge({}, /* arg */ { a = 1 /* after */ })
}
'''})
    assert loaded.errors == []
    [rule] = loaded.resources
    assert rule.body.attr("from_port") == 104
    assert rule.body.attr("to_port") == 104
    assert rule.body.attr("cidr_blocks") == ["0.0.0.0/0", "81.2.69.160/27"]
    assert rule.body.attr("description") == {"a": 1}
