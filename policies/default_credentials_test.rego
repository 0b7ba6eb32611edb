package dicomguard.rules.default_credentials_test

import data.dicomguard.rules.default_credentials

service(credentials) := {
	"id": "compose.yaml:4:services.orthanc",
	"origin": {"file": "compose.yaml", "line": 4, "end_line": 12, "address": "services.orthanc"},
	"platform": "compose",
	"product": "orthanc",
	"reach": "internet",
	"listeners": [],
	"authentication": true,
	"tls": false,
	"weak_credentials": credentials,
	"detail": "",
	"unknown": [],
}

test_vendor_default_password if {
	findings := default_credentials.deny with input as {"services": [service([{"user": "orthanc", "reason": "the vendor default password"}])]}
	some finding in findings
	contains(finding.message, "'orthanc'")
}

test_strong_credentials_pass if {
	count(default_credentials.deny) == 0 with input as {"services": [service([])]}
}
