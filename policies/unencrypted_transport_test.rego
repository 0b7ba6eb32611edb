package dicomguard.rules.unencrypted_transport_test

import data.dicomguard.rules.unencrypted_transport

orthanc(listeners) := {
	"id": "compose.yaml:3:services.orthanc#http",
	"origin": {"file": "compose.yaml", "line": 3, "end_line": 12, "address": "services.orthanc"},
	"platform": "compose",
	"product": "Orthanc REST API",
	"reach": "internet",
	"listeners": listeners,
	"authentication": true,
	"tls": false,
	"weak_credentials": [],
	"detail": "",
	"unknown": [],
}

plain_http(reach) := {"port": 8042, "protocol": "http", "tls": false, "reach": reach, "name": "Orthanc HTTP"}

test_plain_http_to_the_internet_is_high if {
	findings := unencrypted_transport.deny with input as {"services": [orthanc([plain_http("internet")])]}
	count(findings) == 1
	some finding in findings
	finding.severity == "high"
	finding.confidence == "confirmed"
	finding.ports == [8042]
	contains(finding.message, "HTTP on port 8042 without TLS to the internet")
}

test_plain_dicom_on_the_network_is_medium if {
	dicom := {"port": 4242, "protocol": "dicom", "tls": false, "reach": "network", "name": "Orthanc DICOM"}
	findings := unencrypted_transport.deny with input as {"services": [orthanc([dicom])]}
	some finding in findings
	finding.severity == "medium"
	contains(finding.message, "DICOM on port 4242")
}

test_tls_listener_passes if {
	tls := {"port": 8042, "protocol": "http", "tls": true, "reach": "internet", "name": "Orthanc HTTP"}
	count(unencrypted_transport.deny) == 0 with input as {"services": [orthanc([tls])]}
}

test_local_listener_passes if {
	count(unencrypted_transport.deny) == 0 with input as {"services": [orthanc([plain_http("local")])]}
}

test_debugger_port_is_not_patient_data if {
	jdwp := {"port": 8787, "protocol": "jdwp", "tls": false, "reach": "internet", "name": "JDWP"}
	count(unencrypted_transport.deny) == 0 with input as {"services": [orthanc([jdwp])]}
}

test_unknown_tls_or_reach_is_unresolved if {
	unknown_tls := {"port": null, "protocol": "http", "tls": null, "reach": "internet", "name": "x"}
	findings := unencrypted_transport.deny with input as {"services": [orthanc([unknown_tls, plain_http("unknown")])]}
	count(findings) == 2
	every finding in findings {
		finding.confidence == "unresolved"
	}
}

test_services_without_listeners_pass if {
	count(unencrypted_transport.deny) == 0 with input as {"services": [orthanc([])]}
}

test_the_index_database_without_tls_across_the_network if {
	index := {
		"id": "pg_hba.conf:5:#hba5",
		"origin": {"file": "pg_hba.conf", "line": 5, "end_line": 5, "address": ""},
		"platform": "postgresql", "product": "PostgreSQL (archive index)", "kind": "database",
		"reach": "network", "authentication": true, "tls": null, "weak_credentials": [],
		"detail": "", "unknown": [],
		"listeners": [{"port": 5432, "protocol": "postgresql", "tls": false, "reach": "network", "name": "PostgreSQL", "anonymous": []}],
	}
	some finding in unencrypted_transport.deny with input as {"services": [index]}
	finding.ports == [5432]
	finding.severity == "medium"
}

test_the_finding_points_at_the_tls_setting_when_known if {
	setting := {"file": "orthanc.json", "line": 4, "end_line": 4, "address": "services.orthanc"}
	listener := object.union(plain_http("internet"), {"tls_origin": setting})
	findings := unencrypted_transport.deny with input as {"services": [orthanc([listener])]}
	some finding in findings
	finding.origin == setting
}

test_without_a_tls_setting_the_finding_names_no_origin if {
	findings := unencrypted_transport.deny with input as {"services": [orthanc([plain_http("internet")])]}
	some finding in findings
	not finding.origin
}
