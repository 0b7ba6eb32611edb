"""The same exposure, tcp 104 open to the internet, written in every source kind dicomguard
reads: each must report it the same way (exposed-dicom-port, port 104, confirmed)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.ansible.conftest import write_tree
from tests.conftest import PACS_TF, scan_json

AWS = PACS_TF.split("\n\n")[0]  # the security group open to 0.0.0.0/0 on 104
AWS_EVERY_PORT = """\
resource "aws_security_group" "pacs" {
  ingress {
    protocol    = "tcp"
    from_port   = -1
    to_port     = -1
    cidr_blocks = ["0.0.0.0/0"]
  }
}
"""
AZURE = """\
resource "azurerm_network_security_rule" "dicom" {
  name                        = "dicom"
  priority                    = 100
  direction                   = "Inbound"
  access                      = "Allow"
  protocol                    = "Tcp"
  source_port_range           = "*"
  destination_port_range      = "104"
  source_address_prefix       = "Internet"
  destination_address_prefix  = "*"
  resource_group_name         = "pacs"
  network_security_group_name = "pacs"
}
"""
GCP = """\
resource "google_compute_firewall" "dicom" {
  name    = "dicom"
  network = "default"
  allow {
    protocol = "tcp"
    ports    = ["104"]
  }
  source_ranges = ["0.0.0.0/0"]
}
"""


def playbook(module: str, args: str) -> dict[str, str]:
    body = "".join(f"        {line}\n" for line in args.strip("\n").splitlines())
    return {"site.yml": f"- hosts: all\n  tasks:\n    - name: open dicom\n      {module}:\n{body}"}


DICOM_SERVICE = """\
<?xml version="1.0" encoding="utf-8"?>
<service>
  <short>DICOM</short>
  <port protocol="tcp" port="104"/>
</service>
"""
NETFILTER = "*filter\n:INPUT DROP [0:0]\n-A INPUT -p tcp --dport 104 -j ACCEPT\nCOMMIT\n"
NFT = """\
table inet filter {
  chain input {
    type filter hook input priority 0; policy drop;
    tcp dport 104 accept
  }
}
"""
NFT_JSON = {"nftables": [
    {"metainfo": {"version": "1.0.6", "json_schema_version": 1}},
    {"table": {"family": "inet", "name": "filter", "handle": 1}},
    {"chain": {"family": "inet", "table": "filter", "name": "input", "handle": 1,
               "type": "filter", "hook": "input", "prio": 0, "policy": "drop"}},
    {"rule": {"family": "inet", "table": "filter", "chain": "input", "handle": 2, "expr": [
        {"match": {"op": "==", "left": {"payload": {"protocol": "tcp", "field": "dport"}},
                   "right": 104}},
        {"accept": None}]}},
]}
UFW_RULES = """\
*filter
:ufw-user-input - [0:0]
:ufw-user-output - [0:0]
:ufw-user-forward - [0:0]
### RULES ###

### tuple ### allow tcp 104 0.0.0.0/0 any 0.0.0.0/0 in
-A ufw-user-input -p tcp --dport 104 -j ACCEPT

### END RULES ###
COMMIT
"""
UFW_DEFAULT = 'IPV6=no\nDEFAULT_INPUT_POLICY="DROP"\nDEFAULT_FORWARD_POLICY="DROP"\n'
UFW_STATUS = """\
Status: active
Logging: on (low)
Default: deny (incoming), allow (outgoing), disabled (routed)
New profiles: skip

To                         Action      From
--                         ------      ----
104/tcp                    ALLOW IN    Anywhere
"""
ZONE = """\
<?xml version="1.0" encoding="utf-8"?>
<zone>
  <short>Public</short>
  <port protocol="tcp" port="104"/>
</zone>
"""
COMPOSE = """\
services:
  archive:
    image: jodogne/orthanc:1.12.4
    ports:
      - "104:4242"
"""
DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: archive
spec:
  selector:
    matchLabels:
      app: archive
  template:
    metadata:
      labels:
        app: archive
    spec:
      containers:
        - name: archive
          image: jodogne/orthanc:1.12.4
          ports:
            - name: dicom
              containerPort: 4242
"""
LOAD_BALANCER = DEPLOYMENT + """\
---
apiVersion: v1
kind: Service
metadata:
  name: archive
spec:
  type: LoadBalancer
  selector:
    app: archive
  ports:
    - name: dicom
      port: 104
      targetPort: dicom
"""
HOST_PORT = DEPLOYMENT.replace("containerPort: 4242", "containerPort: 4242\n"
                               "              hostPort: 104")

SOURCES: dict[str, dict[str, str]] = {
    "terraform aws security group": {"main.tf": AWS},
    "terraform azure network security rule": {"main.tf": AZURE},
    "terraform gcp firewall": {"main.tf": GCP},
    "ansible ufw": playbook("community.general.ufw", "rule: allow\nport: '104'\nproto: tcp"),
    "ansible ufw service name": playbook("community.general.ufw",
                                         "rule: allow\nport: dicom\nproto: tcp"),
    "ansible ufw port list": playbook("community.general.ufw",
                                      "rule: allow\nport: '11112,104'\nproto: tcp"),
    "ansible ufw port range": playbook("community.general.ufw",
                                       "rule: allow\nport: '100:110'\nproto: tcp"),
    "ansible firewalld port": playbook("ansible.posix.firewalld",
                                       "port: 104/tcp\nstate: enabled\npermanent: true"),
    # firewalld ships no dicom service: the repository defines it.
    "ansible firewalld service the repository defines": {
        **playbook("ansible.posix.firewalld", "service: dicom\nstate: enabled"),
        "etc/firewalld/services/dicom.xml": DICOM_SERVICE},
    "ansible iptables": playbook("ansible.builtin.iptables", "chain: INPUT\nprotocol: tcp\n"
                                 "destination_port: '104'\njump: ACCEPT"),
    "ansible iptables service name": playbook("ansible.builtin.iptables",
                                              "chain: INPUT\nprotocol: tcp\n"
                                              "destination_port: dicom\njump: ACCEPT"),
    "ansible security group": playbook("amazon.aws.ec2_security_group",
                                       "name: pacs\ndescription: pacs\nrules:\n  - proto: tcp\n"
                                       "    ports: ['104']\n    cidr_ip: 0.0.0.0/0"),
    # AWS refuses TCP with port -1; both forms read it as every port (docs/decisions.md).
    "terraform aws security group tcp port -1": {"main.tf": AWS_EVERY_PORT},
    "ansible security group tcp port -1": playbook(
        "amazon.aws.ec2_security_group",
        "name: pacs\ndescription: pacs\nrules:\n  - proto: tcp\n    from_port: -1\n"
        "    to_port: -1\n    cidr_ip: 0.0.0.0/0"),
    "ansible azure security group": playbook(
        "azure.azcollection.azure_rm_securitygroup",
        "name: nsg\nresource_group: rg\nrules:\n  - name: dicom\n    protocol: Tcp\n"
        "    destination_port_range: 104\n    source_address_prefix: Internet\n"
        "    priority: 100"),
    "ansible gcp firewall": playbook("google.cloud.gcp_compute_firewall",
                                     "name: fw\nallowed:\n  - ip_protocol: tcp\n"
                                     "    ports: ['104']\nsource_ranges: ['0.0.0.0/0']"),
    "ansible docker container": playbook("community.docker.docker_container",
                                         "name: archive\nimage: jodogne/orthanc:1.12.4\n"
                                         "published_ports: ['104:4242']"),
    "iptables-save": {"rules.v4": NETFILTER},
    "iptables-save with a service name": {"rules.v4": NETFILTER.replace("104", "dicom")},
    "ip6tables-save": {"rules.v6": NETFILTER},
    "nftables": {"nftables.conf": NFT},
    "nftables with a service name": {"nftables.conf": NFT.replace("104", "dicom")},
    "nftables json": {"ruleset.json": json.dumps(NFT_JSON)},
    "ufw user.rules": {"etc/ufw/user.rules": UFW_RULES, "etc/default/ufw": UFW_DEFAULT},
    "ufw status": {"ufw-status.txt": UFW_STATUS},
    "firewalld zone": {"etc/firewalld/zones/public.xml": ZONE},
    "firewalld zone with a service the repository defines": {
        "etc/firewalld/zones/public.xml": ZONE.replace(
            '<port protocol="tcp" port="104"/>', '<service name="dicom"/>'),
        "etc/firewalld/services/dicom.xml": DICOM_SERVICE},
    "docker compose": {"docker-compose.yml": COMPOSE},
    "kubernetes load balancer": {"archive.yaml": LOAD_BALANCER},
}
# A hostPort opens the port on the node's addresses; whether those face the internet is decided
# outside the manifest (the node's network), so the same rule is rightly unresolved there.
REACH_DECIDED_ELSEWHERE = {"kubernetes host port": {"archive.yaml": HOST_PORT}}


@pytest.mark.parametrize(("files", "confidence"), [
    *((files, "confirmed") for files in SOURCES.values()),
    *((files, "unresolved") for files in REACH_DECIDED_ELSEWHERE.values())],
    ids=[*SOURCES, *REACH_DECIDED_ELSEWHERE])
def test_tcp_104_open_to_the_internet_is_reported_the_same_in_every_source(
        tmp_path: Path, files: dict[str, str], confidence: str) -> None:
    write_tree(tmp_path, files)
    code, report = scan_json(str(tmp_path))
    assert not report["errors"], report["errors"]
    exposures = [finding for finding in report["findings"]
                 if finding["category"] == "exposed-dicom-port" and 104 in finding["ports"]]
    assert exposures, [(f["category"], f["ports"], f["confidence"]) for f in report["findings"]]
    assert {finding["confidence"] for finding in exposures} == {confidence}, exposures
    if confidence == "confirmed":
        assert code == 1  # the gate fails
