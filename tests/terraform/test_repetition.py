"""count, for_each and dynamic blocks:
https://developer.hashicorp.com/terraform/language/meta-arguments/count,
https://developer.hashicorp.com/terraform/language/meta-arguments/for_each,
https://developer.hashicorp.com/terraform/language/expressions/dynamic-blocks."""

from dicomguard.model import Unknown


def addresses(loaded) -> list[str]:
    return [resource.address for resource in loaded.resources]


def test_count_makes_indexed_instances_with_count_index(configuration) -> None:
    loaded = configuration({"main.tf": '''
resource "aws_security_group_rule" "dicom" {
  count     = 2
  from_port = 104 + count.index
}
'''})
    assert addresses(loaded) == ["aws_security_group_rule.dicom[0]",
                                 "aws_security_group_rule.dicom[1]"]
    assert [r.body.attr("from_port") for r in loaded.resources] == [104, 105]
    assert not loaded.resources[0].body.has("count")


def test_count_zero_yields_nothing(configuration) -> None:
    loaded = configuration({"main.tf": 'variable "on" {\n  default = false\n}\n'
                                       'resource "aws_instance" "a" {\n'
                                       '  count = var.on ? 1 : 0\n}\n'})
    assert loaded.resources == []


def test_for_each_over_a_map_and_a_set(configuration) -> None:
    loaded = configuration({"main.tf": '''
resource "aws_security_group_rule" "by_map" {
  for_each  = { dicom = 104, orthanc = 4242 }
  from_port = each.value
  description = each.key
}
resource "aws_security_group_rule" "by_set" {
  for_each  = toset(["11112", "104"])
  from_port = each.value
}
'''})
    assert addresses(loaded) == [
        'aws_security_group_rule.by_map["dicom"]', 'aws_security_group_rule.by_map["orthanc"]',
        'aws_security_group_rule.by_set["104"]', 'aws_security_group_rule.by_set["11112"]']
    assert loaded.resources[1].body.attr("from_port") == 4242
    assert loaded.resources[1].body.attr("description") == "orthanc"


def test_an_unknown_count_still_yields_one_unresolved_instance(configuration) -> None:
    loaded = configuration({"main.tf": 'variable "n" {}\nresource "aws_instance" "a" {\n'
                                       '  count = var.n\n  ami = "ami-${count.index}"\n}\n'})
    [resource] = loaded.resources
    assert resource.address == "aws_instance.a[*]"
    assert isinstance(resource.body.attr("ami"), Unknown)


def test_instances_refer_to_each_other_by_index_and_splat(configuration) -> None:
    loaded = configuration({"main.tf": '''
resource "aws_security_group" "g" {
  count = 2
  name  = "g${count.index}"
}
resource "test" "probe" {
  second = aws_security_group.g[1].name
  names  = aws_security_group.g[*].name
  ids    = aws_security_group.g[*].id
  many   = length(aws_security_group.g)
}
'''})
    probe = loaded.by_address("test.probe").body
    assert probe.attr("second") == "g1"
    assert probe.attr("names") == ["g0", "g1"]
    assert [reference.address for reference in probe.attr("ids")] == [
        "aws_security_group.g[0]", "aws_security_group.g[1]"]
    assert probe.attr("many") == 2


def test_dynamic_blocks_expand_with_custom_iterators_and_nesting(configuration) -> None:
    loaded = configuration({"main.tf": '''
locals {
  rules = [
    { port = 104, cidrs = ["0.0.0.0/0"] },
    { port = 4242, cidrs = ["10.0.0.0/8", "192.168.0.0/16"] },
  ]
}
resource "aws_security_group" "pacs" {
  dynamic "ingress" {
    for_each = local.rules
    iterator = rule
    content {
      from_port   = rule.value.port
      to_port     = rule.value.port
      description = "rule ${rule.key}"
      dynamic "source" {
        for_each = rule.value.cidrs
        content {
          cidr = source.value
        }
      }
    }
  }
}
'''})
    assert loaded.errors == []
    ingress = loaded.resources[0].body.blocks_of("ingress")
    assert [block.attr("from_port") for block in ingress] == [104, 4242]
    assert ingress[1].attr("description") == "rule 1"
    assert ingress[1].attributes["from_port"].line == 13
    assert [s.attr("cidr") for s in ingress[1].blocks_of("source")] == [
        "10.0.0.0/8", "192.168.0.0/16"]


def test_a_dynamic_block_over_an_unknown_collection_is_one_unknown_block(configuration) -> None:
    loaded = configuration({"main.tf": '''
variable "rules" {}
resource "aws_security_group" "pacs" {
  dynamic "ingress" {
    for_each = var.rules
    content {
      from_port = ingress.value.port
      protocol  = "tcp"
    }
  }
}
'''})
    [ingress] = loaded.resources[0].body.blocks_of("ingress")
    assert isinstance(ingress.attr("from_port"), Unknown)
    assert ingress.attr("protocol") == "tcp"


def test_a_dynamic_block_over_an_empty_list_yields_no_block(configuration) -> None:
    loaded = configuration({"main.tf": 'resource "aws_security_group" "g" {\n'
                                       '  dynamic "ingress" {\n    for_each = []\n'
                                       '    content {\n      from_port = 1\n    }\n  }\n}\n'})
    assert loaded.resources[0].body.blocks_of("ingress") == []


def test_an_instance_that_may_not_exist_reports_no_errors(configuration) -> None:
    """With an unknown count the instance may not exist, so what would fail in it is unknown,
    not an error (Terraform evaluates a resource's arguments only for instances it creates)."""
    loaded = configuration({"main.tf": '''
variable "n" {}
resource "aws_route_table" "private" {
  count = var.n
}
resource "aws_route_table_association" "a" {
  count          = var.n
  route_table_id = element(coalescelist([], []), count.index)
}
'''})
    assert loaded.errors == []
    association = loaded.by_address("aws_route_table_association.a[*]")
    assert isinstance(association.body.attr("route_table_id"), Unknown)


def test_a_nested_conditional_groups_to_the_right(value) -> None:
    """`a ? b : c ? d : e` is `a ? b : (c ? d : e)`."""
    assert value("false ? 1 : false ? 2 : 3") == 3
    assert value("true ? 1 : false ? 2 : 3") == 1
    assert value("(\n  # why\n  false ? 1 : 2\n)") == 2


def test_iterating_a_set_gives_each_element_as_key_and_value(configuration, value) -> None:
    """expressions/dynamic-blocks: for a set, the key is the same as the value."""
    assert value('[for k, v in toset(["b", "a", "b"]) : "${k}=${v}"]') == ["a=a", "b=b"]
    assert value('[for i, v in ["b", "a"] : "${i}=${v}"]') == ["0=b", "1=a"]
    loaded = configuration({"main.tf": '''
resource "aws_security_group" "pacs" {
  dynamic "ingress" {
    for_each = toset(["10.0.0.0/8", "0.0.0.0/0"])
    content {
      description = ingress.key
      cidr_blocks = [ingress.value]
    }
  }
}
'''})
    ingress = loaded.resources[0].body.blocks_of("ingress")
    assert [(b.attr("description"), b.attr("cidr_blocks")) for b in ingress] == [
        ("0.0.0.0/0", ["0.0.0.0/0"]), ("10.0.0.0/8", ["10.0.0.0/8"])]


def test_a_dynamic_block_over_something_not_a_collection_is_noted_and_unknown(
        configuration) -> None:
    loaded = configuration({"main.tf": 'resource "aws_security_group" "g" {\n'
                                       '  dynamic "ingress" {\n    for_each = "all"\n'
                                       '    content {\n      from_port = ingress.value\n'
                                       '    }\n  }\n}\n'})
    [ingress] = loaded.resources[0].body.blocks_of("ingress")
    assert isinstance(ingress.attr("from_port"), Unknown)
    assert loaded.errors == []
    assert "cannot be expanded" in loaded.notes[0]["message"]
