package dicomguard.rules.unencrypted_connections_test

import data.dicomguard.rules.unencrypted_connections

account(tls) := {
	"id": "main.tf:1:azurerm_storage_account.images",
	"origin": {"file": "main.tf", "line": 7, "end_line": 7, "address": "azurerm_storage_account.images"},
	"platform": "azure",
	"product": "Azure storage account",
	"kind": "data_store",
	"reach": "network",
	"listeners": [],
	"authentication": true,
	"tls": tls,
	"weak_credentials": [],
	"detail": "",
	"unknown": [],
}

test_plain_http_allowed if {
	findings := unencrypted_connections.deny with input as {"services": [account(false)]}
	some finding in findings
	finding.confidence == "confirmed"
	contains(finding.message, "accepts unencrypted connections")
}

test_https_only_passes if {
	count(unencrypted_connections.deny) == 0 with input as {"services": [account(true)]}
}

test_unknown_tls_is_unresolved if {
	findings := unencrypted_connections.deny with input as {"services": [account(null)]}
	some finding in findings
	finding.confidence == "unresolved"
}
