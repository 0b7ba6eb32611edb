package dicomguard.rules.exposed_dicom_port_test

import data.dicomguard.rules.exposed_dicom_port

rule(protocol, ports, peers) := {
	"id": "main.tf:3:aws_security_group.pacs",
	"origin": {"file": "main.tf", "line": 3, "end_line": 9, "address": "aws_security_group.pacs"},
	"platform": "aws",
	"mechanism": "aws_security_group",
	"protocol": protocol,
	"ports": ports,
	"peers": peers,
	"path": "",
	"unknown": [],
}

world := [{"cidr": "0.0.0.0/0", "scope": "internet"}]

office := [{"cidr": "10.20.0.0/16", "scope": "private"}]

test_dicom_port_open_to_the_world if {
	findings := exposed_dicom_port.deny with input as {"ingress": [rule("tcp", [[104, 104]], world)]}
	count(findings) == 1
	some finding in findings
	finding.ports == [104]
	finding.severity == "critical"
	finding.confidence == "confirmed"
	contains(finding.message, "0.0.0.0/0")
}

test_all_protocols_all_ports_groups_ports_by_severity if {
	findings := exposed_dicom_port.deny with input as {"ingress": [rule("all", [[0, 65535]], world)]}
	{finding.severity | some finding in findings} == {"critical", "high", "medium"}
	some critical in findings
	critical.severity == "critical"
	critical.ports == [104, 4242, 8042, 11112]
}

test_private_source_is_not_exposure if {
	count(exposed_dicom_port.deny) == 0 with input as {"ingress": [rule("tcp", [[104, 104]], office)]}
}

test_other_ports_are_not_dicom if {
	count(exposed_dicom_port.deny) == 0 with input as {"ingress": [rule("tcp", [[22, 22], [443, 443]], world)]}
}

test_udp_does_not_reach_tcp_dicom if {
	count(exposed_dicom_port.deny) == 0 with input as {"ingress": [rule("udp", [[104, 104]], world)]}
}

test_unknown_ports_are_unresolved if {
	findings := exposed_dicom_port.deny with input as {"ingress": [rule("tcp", null, world)]}
	count(findings) > 0
	every finding in findings {
		finding.confidence == "unresolved"
	}
}

test_unknown_source_is_unresolved if {
	peers := [{"source": null, "scope": "unknown", "reason": "var.cidr has no value"}]
	findings := exposed_dicom_port.deny with input as {"ingress": [rule("tcp", [[104, 104]], peers)]}
	some finding in findings
	finding.confidence == "unresolved"
}

test_configured_extra_port if {
	extra := [{"port": 8080, "protocol": "tcp", "service": "viewer", "severity": "high"}]
	findings := exposed_dicom_port.deny with input as {
		"ingress": [rule("tcp", [[8080, 8080]], world)],
		"settings": {"extra_ports": extra},
	}
	some finding in findings
	finding.ports == [8080]
}

test_a_route_through_a_hop_is_named if {
	fact := object.union(rule("tcp", [[11112, 11112]], world), {"path": "internet -> fw:443 DNAT -> 10.0.1.4:11112"})
	some finding in exposed_dicom_port.deny with input as {"ingress": [fact]}
	endswith(finding.message, " through internet -> fw:443 DNAT -> 10.0.1.4:11112")
}

test_another_path_is_not_a_route if {
	fact := object.union(rule("tcp", [[104, 104]], world), {"path": "firewalld zone public"})
	some finding in exposed_dicom_port.deny with input as {"ingress": [fact]}
	not contains(finding.message, "through")
}
