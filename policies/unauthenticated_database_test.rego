package dicomguard.rules.unauthenticated_database_test

import data.dicomguard.rules.unauthenticated_database

index_database(reach, authentication, notes) := {
	"id": "pg_hba.conf:4:#hba4",
	"origin": {"file": "pg_hba.conf", "line": 4, "end_line": 4, "address": ""},
	"platform": "postgresql", "product": "PostgreSQL (archive index)", "kind": "database",
	"reach": reach, "listeners": [], "authentication": authentication, "tls": null,
	"weak_credentials": [], "unknown": notes,
	"detail": "'host all all 0.0.0.0/0 trust' lets a client connect as any of its users without a password",
}

test_trust_from_the_internet_is_critical if {
	some finding in unauthenticated_database.deny with input as {"services": [index_database("internet", false, [])]}
	finding.severity == "critical"
	finding.confidence == "confirmed"
	contains(finding.message, "0.0.0.0/0 trust")
	contains(finding.message, "from the internet")
}

test_trust_on_a_private_network_is_medium if {
	some finding in unauthenticated_database.deny with input as {"services": [index_database("network", false, [])]}
	finding.severity == "medium"
}

test_unknown_listen_addresses_is_unresolved if {
	some finding in unauthenticated_database.deny with input as {"services": [index_database("network", false, ["listen_addresses is not known"])]}
	finding.confidence == "unresolved"
}

test_local_only_is_fine if {
	count(unauthenticated_database.deny) == 0 with input as {"services": [index_database("local", false, [])]}
}

test_password_required_is_fine if {
	count(unauthenticated_database.deny) == 0 with input as {"services": [index_database("internet", true, [])]}
}

test_image_services_are_left_to_dg301 if {
	viewer := object.union(index_database("internet", false, []), {"kind": "image_service"})
	count(unauthenticated_database.deny) == 0 with input as {"services": [viewer]}
}
