"""No fact is lost: things written at one place (a dynamic block's expansions, the ports of a
one-line list, the objects of a list attribute) are distinct facts, whatever their order, and two
different facts with one id are an error, never a silent merge."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dicomguard import facts
from dicomguard.model import Facts, Origin
from dicomguard.scan import unique_facts
from tests.conftest import scan_json

OPEN = '{ port = 11112, cidr = ["0.0.0.0/0"] }'
CLOSED = '{ port = 443, cidr = ["10.0.0.0/8"] }'

AWS_DYNAMIC = """\
resource "aws_security_group" "pacs" {{
  name = "pacs"
  dynamic "ingress" {{
    for_each = [{first}, {second}]
    content {{
      from_port   = ingress.value.port
      to_port     = ingress.value.port
      protocol    = "tcp"
      cidr_blocks = ingress.value.cidr
    }}
  }}
}}
"""

AZURE_DYNAMIC = """\
resource "azurerm_network_security_group" "pacs" {{
  name                = "pacs"
  location            = "westeurope"
  resource_group_name = "rg"
  dynamic "security_rule" {{
    for_each = {{ a = {first}, b = {second} }}
    content {{
      name                       = security_rule.key
      priority                   = security_rule.value.priority
      direction                  = "Inbound"
      access                     = "Allow"
      protocol                   = "Tcp"
      source_port_range          = "*"
      destination_port_range     = security_rule.value.port
      source_address_prefix      = security_rule.value.source
      destination_address_prefix = "*"
    }}
  }}
}}
"""
AZURE_OPEN = '{ port = "104", source = "*", priority = 110 }'
AZURE_CLOSED = '{ port = "443", source = "10.0.0.0/8", priority = 100 }'

LIST_ATTRIBUTE = """\
resource "aws_security_group" "pacs" {{
  name    = "pacs"
  ingress = [{first}, {second}]
}}
"""
LIST_OPEN = ('{ from_port = 104, to_port = 104, protocol = "tcp", cidr_blocks = ["0.0.0.0/0"], '
             'ipv6_cidr_blocks = [], prefix_list_ids = [], security_groups = [], self = false, '
             'description = "" }')
LIST_CLOSED = LIST_OPEN.replace("104", "443").replace("0.0.0.0/0", "10.0.0.0/8")


def _exposed_ports(report: dict) -> set[int]:
    return {port for finding in report["findings"] if finding["category"] == "exposed-dicom-port"
            and finding["confidence"] == "confirmed" for port in finding.get("ports", [])}


def _scan_file(tmp_path: Path, name: str, text: str) -> tuple[int, dict]:
    (tmp_path / name).write_text(text)
    return scan_json(str(tmp_path))


@pytest.mark.parametrize("template,open_item,closed_item,port", [
    pytest.param(AWS_DYNAMIC, OPEN, CLOSED, 11112, id="aws-dynamic-ingress"),
    pytest.param(AZURE_DYNAMIC, AZURE_OPEN, AZURE_CLOSED, 104, id="azure-dynamic-security-rule"),
    pytest.param(LIST_ATTRIBUTE, LIST_OPEN, LIST_CLOSED, 104, id="ingress-list-on-one-line"),
])
@pytest.mark.parametrize("exposed_first", [True, False], ids=["exposed-first", "exposed-last"])
def test_every_item_written_at_one_place_is_judged(tmp_path, template, open_item, closed_item,
                                                   port, exposed_first):
    first, second = (open_item, closed_item) if exposed_first else (closed_item, open_item)
    code, report = _scan_file(tmp_path, "main.tf", template.format(first=first, second=second))
    assert code == 1, report
    assert _exposed_ports(report) == {port}
    assert report["errors"] == []


@pytest.mark.parametrize("ports", [
    '["4242:4242", "8042:8042"]', '["8042:8042", "4242:4242"]',
])
def test_every_port_of_a_one_line_compose_list_is_judged(tmp_path, ports):
    code, report = _scan_file(tmp_path, "docker-compose.yml", (
        "services:\n  orthanc:\n    image: orthancteam/orthanc\n"
        f"    ports: {ports}\n"))
    assert code == 1
    assert _exposed_ports(report) == {4242, 8042}


def test_every_host_port_of_a_one_line_kubernetes_list_is_judged(tmp_path):
    manifest = """\
apiVersion: v1
kind: Pod
metadata: {name: pacs}
spec:
  containers:
    - name: pacs
      image: orthancteam/orthanc
      ports: [{containerPort: 4242, hostPort: 4242}, {containerPort: 8042, hostPort: 8042}]
"""
    dump = tmp_path / "facts.json"
    (tmp_path / "pod.yaml").write_text(manifest)
    scan_json(str(tmp_path), "--dump-facts", str(dump))
    ingress = json.loads(dump.read_text())["ingress"]
    host_ports = sorted(fact["ports"][0][0] for fact in ingress if fact["mechanism"] == "hostPort")
    assert host_ports == [4242, 8042]


def test_plan_json_keeps_every_object_of_a_nested_list(tmp_path):
    rules = [{"from_port": port, "to_port": port, "protocol": "tcp", "cidr_blocks": [cidr],
              "ipv6_cidr_blocks": [], "prefix_list_ids": [], "security_groups": [],
              "self": False, "description": ""}
             for port, cidr in ((443, "10.0.0.0/8"), (104, "0.0.0.0/0"))]
    plan = {"format_version": "1.2", "terraform_version": "1.9.0", "planned_values": {
        "root_module": {"resources": [{
            "address": "aws_security_group.pacs", "mode": "managed",
            "type": "aws_security_group", "name": "pacs",
            "values": {"name": "pacs", "ingress": rules}}]}},
        "resource_changes": [], "configuration": {}}
    code, report = _scan_file(tmp_path, "plan.json", json.dumps(plan))
    assert code == 1, report
    assert _exposed_ports(report) == {104}


def _rule(port: int, source: str, key: str = "") -> dict:
    origin = Origin("main.tf", 3, 11, "aws_security_group.pacs", key)
    return facts.ingress(origin, platform="aws", mechanism="security_group", protocol="tcp",
                         ports=[facts.port_range(port)], peers=[facts.peer(source)])


def test_identical_facts_merge_and_distinct_keys_keep_facts_apart():
    document = Facts(ingress=[_rule(104, "0.0.0.0/0", "ingress[0]"),
                              _rule(104, "0.0.0.0/0", "ingress[0]"),
                              _rule(443, "10.0.0.0/8", "ingress[1]")])
    unique, errors = unique_facts(document)
    assert errors == []
    assert [fact["ports"] for fact in unique.ingress] == [[[104, 104]], [[443, 443]]]


def test_two_different_facts_with_one_id_are_an_error_and_both_are_judged(report_for):
    clashing = Facts(ingress=[_rule(443, "10.0.0.0/8"), _rule(104, "0.0.0.0/0")])
    report = report_for(clashing)
    assert [finding.rule_id for finding in report.findings] == ["DG101"]
    assert len(report.errors) == 1
    error = report.errors[0]
    assert (error.file, error.line) == ("main.tf", 3)
    assert "please report" in error.message
    assert len({fact["id"] for fact in report.facts.ingress}) == 2
