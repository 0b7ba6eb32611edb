# METADATA
# title: Image store readable by anyone
# description: >-
#   A bucket, DICOM store or dataset grants access to everyone (a public ACL, AllUsers,
#   allUsers, allAuthenticatedUsers, Principal "*"). Anonymous users can list and download the
#   images it holds.
# custom:
#   id: DG302
#   severity: critical
#   category: missing-authentication
#   remediation: >-
#     Remove the public grant; give access to named roles or service accounts only, and turn
#     on the provider's public-access block (S3 Block Public Access, GCS public access
#     prevention "enforced", Azure allow_nested_items_to_be_public = false).
#   references:
#     - HIPAA 45 CFR 164.312(a)(1) Access control
#     - HIPAA 45 CFR 164.312(d) Person or entity authentication
package dicomguard.rules.public_store_access

import data.dicomguard.lib

deny[fact.id] := finding if {
	some fact in input.grants
	fact.public != false
	finding := {
		"fact": fact.id,
		"confidence": confidence(fact),
		"message": concat("", [lib.label(fact), " gives ", fact.access, " access to ", who(fact)]),
	}
}

confidence(fact) := "confirmed" if fact.public == true

confidence(fact) := "unresolved" if fact.public == null

who(fact) := concat("", ["everyone (", fact.principal, ")"]) if is_string(fact.principal)

who(fact) := "a principal that could not be determined" if fact.principal == null
