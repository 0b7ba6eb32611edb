"""The JSON syntax (https://developer.hashicorp.com/terraform/language/syntax/json)."""

from dicomguard.model import Unknown

MAIN_TF_JSON = '''{
  "variable": {
    "port": {"type": "number", "default": "104"},
    "cidr": {}
  },
  "locals": {"world": "0.0.0.0/0"},
  "resource": {
    "aws_security_group": {
      "pacs": {
        "name": "pacs-${var.port}",
        "ingress": [
          {
            "from_port": "${var.port}",
            "to_port": "${var.port}",
            "cidr_blocks": ["${local.world}", "${var.cidr}"]
          }
        ],
        "dynamic": {
          "egress": {
            "for_each": "${[80, 443]}",
            "content": {"from_port": "${egress.value}"}
          }
        }
      }
    }
  }
}
'''


def test_json_configuration_evaluates_like_native_syntax(configuration) -> None:
    loaded = configuration({"main.tf.json": MAIN_TF_JSON})
    assert loaded.errors == []
    [group] = loaded.resources
    assert group.address == "aws_security_group.pacs"
    assert group.body.attr("name") == "pacs-104"
    assert (group.body.file, group.body.line) == ("main.tf.json", 9)
    [ingress] = group.body.blocks_of("ingress")
    assert ingress.line == 12
    assert ingress.attr("from_port") == 104
    world, unknown = ingress.attr("cidr_blocks")
    assert world == "0.0.0.0/0"
    assert isinstance(unknown, Unknown)
    assert [block.attr("from_port") for block in group.body.blocks_of("egress")] == [80, 443]


def test_json_and_native_files_form_one_module(configuration) -> None:
    loaded = configuration({
        "variables.tf": 'variable "port" {\n  default = 4242\n}\n',
        "main.tf.json": '{"resource": {"aws_instance": {"a": {"tags": {"p": "${var.port}"}}}}}',
    })
    assert loaded.resources[0].body.attr("tags") == {"p": 4242}


def test_invalid_json_is_an_error_with_its_line(configuration) -> None:
    loaded = configuration({"main.tf.json": '{\n  "resource": {\n    "a": \n}\n'})
    [error] = loaded.errors
    assert (error.file, error.line) == ("main.tf.json", 4)


def test_json_nested_blocks_are_reported_once(tmp_path) -> None:
    """`"ingress": [{...}]` in JSON is read as nested blocks and as an attribute; an open port
    is still one finding, as in native syntax."""
    from tests.conftest import scan_json

    (tmp_path / "main.tf.json").write_text('''{"resource": {"aws_security_group": {"pacs": {
      "ingress": [{"from_port": 104, "to_port": 104, "protocol": "tcp",
                   "cidr_blocks": ["0.0.0.0/0"]}]}}}}''')
    code, report = scan_json(str(tmp_path))
    assert [(finding["rule_id"], finding["resource"]) for finding in report["findings"]] == [
        ("DG101", "aws_security_group.pacs")]
    assert code == 1


def test_json_type_argument_of_a_resource_is_a_string(tmp_path) -> None:
    """Only a variable's `type` is a type expression; a resource's `type` is a plain string."""
    from tests.conftest import scan_json

    (tmp_path / "main.tf.json").write_text('''{"resource": {"google_compute_disk": {"images": {
      "name": "images", "type": "pd-ssd", "zone": "europe-west1-b"}}},
      "variable": {"ports": {"type": "list(number)", "default": [104]}}}''')
    code, report = scan_json(str(tmp_path))
    assert report["errors"] == []
    assert code == 0


def test_json_mistake_inside_nested_blocks_is_one_error(tmp_path) -> None:
    from tests.conftest import scan_json

    (tmp_path / "main.tf.json").write_text('''{"resource": {"aws_instance": {"pacs": {
      "ami": "ami-123",
      "root_block_device": [
        {"encrypted": "${False}"}
      ]}}}}''')
    code, report = scan_json(str(tmp_path))
    assert [(error["line"], error["message"]) for error in report["errors"]] == [
        (4, "invalid reference 'False': a resource is named by its type and name (and a bool "
            "is written true or false)")]
    assert code == 2
