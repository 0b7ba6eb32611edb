"""Module adapters: what each task means for ingress, storage and access."""

from __future__ import annotations

import pytest

from tests.ansible.helpers import ports_of, sources_of


def one_task(project, module: str, args: str):
    body = "".join(f"    {line}\n" for line in args.strip("\n").splitlines())
    return project({"tasks.yml": f"- name: t\n  {module}:\n{body}"})


@pytest.mark.parametrize(("module", "args", "ports", "sources"), [
    ("ansible.posix.firewalld", "port: 104/tcp\nstate: enabled", [[104, 104]], ["0.0.0.0/0"]),
    ("firewalld", "port: 4242/tcp\nzone: external\nstate: enabled", [[4242, 4242]],
     ["0.0.0.0/0"]),
    ("firewalld", "service: https\nstate: enabled", [[443, 443]], ["0.0.0.0/0"]),
    ("firewalld", "rich_rule: rule family=ipv4 source address=10.1.0.0/16 port port=104 "
     "protocol=tcp accept\nstate: enabled", [[104, 104]], ["10.1.0.0/16"]),
    ("firewalld", "rich_rule: rule family=ipv4 port port=104 protocol=tcp accept\n"
     "state: enabled", [[104, 104]], ["0.0.0.0/0"]),
    ("community.general.ufw", "rule: allow\nport: '104'\nproto: tcp", [[104, 104]], ["any"]),
    ("ufw", "rule: allow\nport: '104'\nfrom_ip: 192.168.10.0/24", [[104, 104]],
     ["192.168.10.0/24"]),
    ("ufw", "default: allow\ndirection: incoming", [[0, 65535]], ["0.0.0.0/0"]),
    ("ansible.builtin.iptables", "chain: INPUT\nprotocol: tcp\ndestination_ports: ['104', "
     "'11112']\njump: ACCEPT", [[104, 104], [11112, 11112]], ["0.0.0.0/0"]),
    ("amazon.aws.ec2_security_group", "name: pacs\ndescription: x\nrules:\n  - proto: tcp\n"
     "    ports: ['104', '4242-4243']\n    cidr_ip: 0.0.0.0/0", [[104, 104], [4242, 4243]],
     ["0.0.0.0/0"]),
    ("amazon.aws.ec2_security_group", "name: pacs\ndescription: x\nrules:\n  - proto: -1\n"
     "    cidr_ipv6: ::/0", [[0, 65535]], ["::/0"]),
    ("azure.azcollection.azure_rm_securitygroup", "name: nsg\nresource_group: rg\nrules:\n"
     "  - name: everything\n    priority: 100", [[0, 65535]], ["*"]),
    ("google.cloud.gcp_compute_firewall", "name: fw\nallowed:\n  - ip_protocol: tcp\n"
     "    ports: ['104']", [[104, 104]], ["0.0.0.0/0"]),
    ("community.docker.docker_container", "name: pacs\nimage: orthancteam/orthanc\n"
     "published_ports: ['4242:4242', '10.0.0.5:8042:8042']", [[4242, 4242], [8042, 8042]],
     ["0.0.0.0/0", "10.0.0.5"]),
    ("docker_container", "name: pacs\nimage: jodogne/orthanc\nnetwork_mode: host",
     [[4242, 4242], [8042, 8042]], ["0.0.0.0/0"]),
])
def test_network_modules_become_ingress(project, module: str, args: str, ports: list,
                                        sources: list) -> None:
    result = one_task(project, module, args)
    assert not result.errors
    assert ports_of(result) == ports
    assert sorted(set(sources_of(result))) == sorted(set(sources))


@pytest.mark.parametrize(("module", "args"), [
    ("firewalld", "port: 104/tcp\nstate: disabled"),
    ("firewalld", "port: 104/tcp\nzone: drop\nstate: enabled"),
    ("firewalld", "source: 10.0.0.0/8\nzone: internal\nstate: enabled"),
    ("ufw", "rule: deny\nport: '104'"),
    ("ufw", "rule: allow\nport: '104'\ndelete: true"),
    ("iptables", "chain: INPUT\ndestination_port: '104'\njump: DROP"),
    ("iptables", "chain: OUTPUT\ndestination_port: '104'\njump: ACCEPT"),
    ("docker_container", "name: pacs\nimage: orthancteam/orthanc\n"
     "published_ports: ['127.0.0.1:8042:8042']"),
    ("gcp_compute_firewall", "name: fw\ndisabled: true\nallowed: [{ip_protocol: tcp}]"),
    ("azure_rm_securitygroup", "name: nsg\nrules:\n  - name: deny\n    access: Deny"),
])
def test_what_admits_nothing_is_no_ingress(project, module: str, args: str) -> None:
    assert one_task(project, module, args).facts.ingress == []


def test_a_firewalld_zone_bound_on_the_host_is_unknown_not_safe(project) -> None:
    result = one_task(project, "firewalld", "port: 104/tcp\nzone: internal\nstate: enabled")
    [fact] = result.facts.ingress
    assert fact["peers"][0]["scope"] == "unknown"


def test_a_random_host_port_is_unknown(project) -> None:
    result = one_task(project, "docker_container", "name: x\nimage: y\npublished_ports: ['104']")
    [fact] = result.facts.ingress
    assert fact["ports"] is None and fact["peers"][0]["scope"] == "internet"


@pytest.mark.parametrize(("module", "args", "encrypted"), [
    ("amazon.aws.ec2_vol", "volume_size: 5", False),
    ("ec2_vol", "volume_size: 5\nencrypted: 'True'", True),
    ("ec2_vol", "volume_size: 5\nencrypted: '{{ lookup(\"env\", \"ENC\") }}'", None),
    ("amazon.aws.s3_bucket", "name: b\nencryption: none", False),
    ("s3_bucket", "name: b", True),
    ("s3_bucket", "name: b\nencryption: aws:kms", True),
    ("amazon.aws.rds_instance", "db_instance_identifier: pacs-index", False),
    ("rds_instance", "db_instance_identifier: pacs-index\nstorage_encrypted: true", True),
    ("google.cloud.gcp_compute_disk", "name: d", True),
])
def test_storage_encryption(project, module: str, args: str, encrypted: bool | None) -> None:
    [fact] = one_task(project, module, args).facts.storage
    assert fact["encrypted"] is encrypted


@pytest.mark.parametrize(("module", "args", "public"), [
    ("amazon.aws.aws_s3", "bucket: b\nmode: create\npermission: public-read", True),
    ("aws_s3", "bucket: b\nmode: create\npermission: private", False),
    ("s3_bucket", "name: b\nacl: public-read-write", True),
    ("s3_bucket", "name: b\npolicy: '{\"Statement\": [{\"Effect\": \"Allow\", "
     "\"Principal\": \"*\", \"Action\": \"s3:GetObject\"}]}'", True),
    ("s3_bucket", "name: b\npolicy: '{\"Statement\": [{\"Effect\": \"Allow\", "
     "\"Principal\": \"*\", \"Action\": \"s3:GetObject\", \"Condition\": {\"StringEquals\": "
     "{\"aws:SourceVpce\": \"vpce-1a2b3c4d\"}}}]}'", False),
    ("s3_bucket", "name: b\npolicy: '{\"Statement\": [{\"Effect\": \"Allow\", "
     "\"NotPrincipal\": {\"AWS\": \"arn:aws:iam::111122223333:root\"}, "
     "\"Action\": \"s3:GetObject\"}]}'", True),
    ("azure_rm_storageblob", "container: c\npublic_access: container", True),
    ("google.cloud.gcp_storage_bucket", "name: b\ndefault_object_acl:\n  entity: allUsers",
     True),
    ("gcp_storage_bucket", "name: b\nacl:\n  entity: group-x@example.org", False),
])
def test_public_access(project, module: str, args: str, public: bool) -> None:
    grants = one_task(project, module, args).facts.grants
    assert [grant["public"] for grant in grants] == [public]


def test_omit_drops_an_argument_and_module_defaults_apply(project) -> None:
    result = one_task(project, "ufw", "rule: allow\nport: '104'\nfrom_ip: '{{ src | "
                      "default(omit) }}'")
    assert sources_of(result) == ["any"]


def test_the_trusted_zone_admits_everything_from_its_sources(project) -> None:
    result = one_task(project, "firewalld", "source: 0.0.0.0/0\nzone: trusted\nstate: enabled")
    assert ports_of(result) == [[0, 65535]]
    assert sources_of(result) == ["0.0.0.0/0"]


@pytest.mark.parametrize(("args", "reach"), [
    ("db_instance_identifier: d\npublicly_accessible: true", "internet"),
    ("db_instance_identifier: d", "network"),
    ("db_instance_identifier: d\npublicly_accessible: '{{ lookup(\"env\", \"P\") }}'",
     "unknown"),
])
def test_a_database_endpoint_and_who_reaches_it(project, args: str, reach: str) -> None:
    [endpoint] = one_task(project, "amazon.aws.rds_instance", args).facts.services
    assert (endpoint["kind"], endpoint["reach"]) == ("database", reach)


def test_host_networking_of_an_image_that_is_no_pacs_exposes_no_dicom_port(project) -> None:
    result = one_task(project, "docker_container",
                      "name: agent\nimage: zabbix/zabbix-agent:latest\nnetwork_mode: host")
    assert result.facts.ingress == []
    result = one_task(project, "docker_container",
                      "name: x\nimage: '{{ lookup(\"env\", \"IMAGE\") }}'\nnetwork_mode: host")
    [fact] = result.facts.ingress
    assert fact["ports"] is None


ZONE_RULE = ("- name: dicom in the modality zone\n  ansible.posix.firewalld:\n"
             "    port: 104/tcp\n    zone: internal\n    state: enabled\n")


def test_a_zone_bound_to_sources_admits_those_sources(project) -> None:
    result = project({"tasks.yml": (
        "- name: modalities into the internal zone\n  ansible.posix.firewalld:\n"
        "    source: 10.20.1.0/24\n    zone: internal\n    state: enabled\n" + ZONE_RULE)})
    [fact] = result.facts.ingress
    assert [(peer.get("cidr"), peer["scope"]) for peer in fact["peers"]] == [
        ("10.20.1.0/24", "private")]
    assert fact["unknown"] == []


def test_a_zone_bound_to_the_internet_or_an_interface_is_not_private(project) -> None:
    result = project({"tasks.yml": (
        "- name: everyone into the internal zone\n  ansible.posix.firewalld:\n"
        "    source: 0.0.0.0/0\n    zone: internal\n    state: enabled\n" + ZONE_RULE)})
    [fact] = result.facts.ingress
    assert [peer["scope"] for peer in fact["peers"]] == ["internet"]
    result = project({"tasks.yml": (
        "- name: eth0 into the internal zone\n  ansible.posix.firewalld:\n"
        "    interface: eth0\n    zone: internal\n    state: enabled\n" + ZONE_RULE)})
    [fact] = result.facts.ingress
    assert [peer["scope"] for peer in fact["peers"]] == ["unknown"]


def test_a_remapped_port_exposes_the_service_behind_it_as_in_compose(tmp_path) -> None:
    """'11113:4242' makes Orthanc's DICOM listener reachable from the internet on another
    port: the same line in a compose file and in a docker_container task gives one verdict."""
    from tests.conftest import scan_json

    (tmp_path / "compose.yaml").write_text(
        "services:\n  pacs:\n    image: orthancteam/orthanc\n    ports: ['11113:4242']\n")
    (tmp_path / "site.yml").write_text(
        "- hosts: all\n  tasks:\n    - name: pacs\n      community.docker.docker_container:\n"
        "        name: pacs\n        image: orthancteam/orthanc\n"
        "        published_ports: ['11113:4242']\n")
    _, report = scan_json(str(tmp_path), "--rule", "DG101")
    verdicts = {(finding["platform"], finding["confidence"], tuple(finding["ports"]))
                for finding in report["findings"]}
    assert verdicts == {("compose", "confirmed", (4242,)), ("ansible", "confirmed", (4242,))}


def test_a_ufw_application_profile_opens_the_ports_its_package_ships(tmp_path) -> None:
    """`ufw: name: OpenSSH` opens 22/tcp, as `ufw status` shows it: no DICOM port, so no
    finding (an unknown profile stays unresolved)."""
    from tests.conftest import scan_json

    (tmp_path / "site.yml").write_text(
        "- hosts: all\n  tasks:\n    - name: ssh\n      community.general.ufw:\n"
        "        rule: allow\n        name: OpenSSH\n"
        "    - name: own\n      community.general.ufw:\n        rule: allow\n"
        "        name: Our PACS\n")
    _, report = scan_json(str(tmp_path), "--rule", "DG101")
    assert {finding["resource"] for finding in report["findings"]} == {"own"}
    assert {finding["confidence"] for finding in report["findings"]} == {"unresolved"}


def test_iptables_ports_are_read_as_iptables_reads_them(tmp_path) -> None:
    """A service name inside a comma list is a port, as in an iptables-save file."""
    from tests.conftest import scan_json

    (tmp_path / "site.yml").write_text(
        "- hosts: all\n  tasks:\n    - name: ipt\n      ansible.builtin.iptables:\n"
        "        chain: INPUT\n        protocol: tcp\n        destination_ports: ['4242,dicom']\n"
        "        jump: ACCEPT\n")
    _, report = scan_json(str(tmp_path), "--rule", "DG101")
    assert {(finding["confidence"], tuple(finding["ports"])) for finding in report["findings"]} \
        == {("confirmed", (104, 4242))}
