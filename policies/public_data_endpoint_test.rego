package dicomguard.rules.public_data_endpoint_test

import data.dicomguard.rules.public_data_endpoint

database(reach) := {
	"id": "main.tf:30:aws_db_instance.index",
	"origin": {"file": "main.tf", "line": 30, "end_line": 30, "address": "aws_db_instance.index"},
	"platform": "aws",
	"product": "postgres",
	"kind": "database",
	"reach": reach,
	"listeners": [],
	"authentication": true,
	"tls": null,
	"weak_credentials": [],
	"detail": "",
	"unknown": [],
}

test_publicly_accessible_database if {
	findings := public_data_endpoint.deny with input as {"services": [database("internet")]}
	some finding in findings
	finding.confidence == "confirmed"
	contains(finding.message, "aws_db_instance.index (postgres) accepts connections")
}

test_private_database_passes if {
	count(public_data_endpoint.deny) == 0 with input as {"services": [database("network")]}
}

test_unknown_reach_is_unresolved if {
	findings := public_data_endpoint.deny with input as {"services": [database("unknown")]}
	some finding in findings
	finding.confidence == "unresolved"
}

test_image_services_are_left_to_dg301 if {
	service := object.union(database("internet"), {"kind": "image_service"})
	count(public_data_endpoint.deny) == 0 with input as {"services": [service]}
}

test_a_database_without_any_password_is_left_to_dg306 if {
	index := object.union(database("internet"), {"authentication": false})
	count(public_data_endpoint.deny) == 0 with input as {"services": [index]}
}
