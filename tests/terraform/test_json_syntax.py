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
