package dicomguard.rules.unencrypted_storage_test

import data.dicomguard.rules.unencrypted_storage

volume(encrypted) := {
	"id": "main.tf:1:aws_ebs_volume.images",
	"origin": {"file": "main.tf", "line": 1, "end_line": 4, "address": "aws_ebs_volume.images"},
	"platform": "aws",
	"kind": "block",
	"encrypted": encrypted,
	"detail": "",
	"unknown": [],
}

test_unencrypted_volume if {
	findings := unencrypted_storage.deny with input as {"storage": [volume(false)]}
	some finding in findings
	finding.confidence == "confirmed"
	contains(finding.message, "aws_ebs_volume.images")
}

test_encrypted_volume_passes if {
	count(unencrypted_storage.deny) == 0 with input as {"storage": [volume(true)]}
}

test_unknown_encryption_is_unresolved if {
	findings := unencrypted_storage.deny with input as {"storage": [volume(null)]}
	some finding in findings
	finding.confidence == "unresolved"
}
