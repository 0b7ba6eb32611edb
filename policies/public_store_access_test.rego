package dicomguard.rules.public_store_access_test

import data.dicomguard.rules.public_store_access

grant(public, principal) := {
	"id": "main.tf:20:aws_s3_bucket_acl.archive",
	"origin": {"file": "main.tf", "line": 20, "end_line": 23, "address": "aws_s3_bucket_acl.archive"},
	"platform": "aws",
	"resource": "aws_s3_bucket.archive",
	"principal": principal,
	"public": public,
	"access": "read",
	"unknown": [],
}

test_public_read_acl if {
	findings := public_store_access.deny with input as {"grants": [grant(true, "AllUsers")]}
	some finding in findings
	finding.confidence == "confirmed"
	contains(finding.message, "AllUsers")
}

test_private_grant_passes if {
	count(public_store_access.deny) == 0 with input as {"grants": [grant(false, "arn:aws:iam::1:role/pacs")]}
}

test_unknown_principal_is_unresolved if {
	findings := public_store_access.deny with input as {"grants": [grant(null, null)]}
	some finding in findings
	finding.confidence == "unresolved"
}
