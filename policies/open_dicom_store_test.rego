package dicomguard.rules.open_dicom_store_test

import data.dicomguard.rules.open_dicom_store

dicom_server(reach, anonymous) := {
	"id": "orthanc.json:12:#dicom",
	"origin": {"file": "orthanc.json", "line": 12, "end_line": 12, "address": ""},
	"platform": "orthanc",
	"product": "Orthanc DICOM server",
	"reach": reach,
	"listeners": [{"port": 4242, "protocol": "dicom", "tls": false, "reach": reach, "name": "Orthanc DICOM", "anonymous": anonymous}],
	"authentication": true,
	"tls": false,
	"weak_credentials": [],
	"detail": "DicomAlwaysAllowStore is on",
	"unknown": [],
}

test_store_from_anyone_on_the_network if {
	findings := open_dicom_store.deny with input as {"services": [dicom_server("network", ["C-STORE"])]}
	count(findings) == 1
	some finding in findings
	finding.severity == "low"
	finding.confidence == "confirmed"
	finding.ports == [4242]
	contains(finding.message, "accepts images from any calling AE title, reachable from other machines or containers on its network")
}

test_store_from_anyone_on_the_internet_is_high if {
	some finding in open_dicom_store.deny with input as {"services": [dicom_server("internet", ["C-STORE"])]}
	finding.severity == "high"
}

test_declared_modalities_only_pass if {
	count(open_dicom_store.deny) == 0 with input as {"services": [dicom_server("network", [])]}
}

test_local_listener_passes if {
	count(open_dicom_store.deny) == 0 with input as {"services": [dicom_server("local", ["C-STORE"])]}
}

test_unknown_reach_is_unresolved if {
	some finding in open_dicom_store.deny with input as {"services": [dicom_server("unknown", ["C-STORE"])]}
	finding.confidence == "unresolved"
}

test_listener_without_anonymous_field_passes if {
	server := dicom_server("network", [])
	listener := object.remove(server.listeners[0], ["anonymous"])
	count(open_dicom_store.deny) == 0 with input as {"services": [object.union(server, {"listeners": [listener]})]}
}
