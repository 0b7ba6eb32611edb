package dicomguard.rules.unauthenticated_service_test

import data.dicomguard.rules.unauthenticated_service

orthanc(reach, authentication) := {
	"id": "orthanc.json:1:",
	"origin": {"file": "orthanc.json", "line": 1, "end_line": 30, "address": ""},
	"platform": "orthanc",
	"product": "orthanc",
	"reach": reach,
	"listeners": [],
	"authentication": authentication,
	"tls": null,
	"weak_credentials": [],
	"detail": "",
	"unknown": [],
}

test_remote_access_without_authentication if {
	findings := unauthenticated_service.deny with input as {"services": [orthanc("network", false)]}
	some finding in findings
	finding.confidence == "confirmed"
	contains(finding.message, "orthanc.json:1")
}

test_authenticated_service_passes if {
	count(unauthenticated_service.deny) == 0 with input as {"services": [orthanc("internet", true)]}
}

test_local_only_service_passes if {
	count(unauthenticated_service.deny) == 0 with input as {"services": [orthanc("local", false)]}
}

test_unknown_authentication_is_unresolved if {
	findings := unauthenticated_service.deny with input as {"services": [orthanc("internet", null)]}
	some finding in findings
	finding.confidence == "unresolved"
}

test_databases_are_left_to_dg306 if {
	index := object.union(orthanc("internet", false), {"kind": "database"})
	count(unauthenticated_service.deny) == 0 with input as {"services": [index]}
}

test_a_service_behind_a_proxy_names_the_way_in if {
	hop := object.union(orthanc("internet", false), {"path": "internet -> proxy:80 /orthanc/ -> orthanc:8042"})
	findings := unauthenticated_service.deny with input as {"services": [hop]}
	some finding in findings
	endswith(finding.message, "reachable from the internet: internet -> proxy:80 /orthanc/ -> orthanc:8042")
}

test_severity_follows_the_reach if {
	severities := {reach: finding.severity |
		some reach in ["internet", "unknown", "network"]
		some finding in unauthenticated_service.deny with input as {"services": [orthanc(reach, false)]}
	}
	severities == {"internet": "critical", "unknown": "high", "network": "medium"}
}

test_the_reach_is_in_the_message if {
	some finding in unauthenticated_service.deny with input as {"services": [orthanc("network", false)]}
	contains(finding.message, "reachable from other machines or containers on its network")
}
