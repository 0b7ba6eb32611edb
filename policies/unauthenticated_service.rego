# METADATA
# title: Image service reachable without authentication
# description: >-
#   A PACS, DICOMweb or image viewer that other machines or containers can reach answers
#   without asking who is calling. Anyone who can reach it can query, download and often delete
#   studies. The further it reaches, the worse: the internet is critical, an unknown reach
#   high, other machines or containers of its network medium. A service only its own host
#   reaches (bound to 127.0.0.1 behind an authenticating proxy) is not reported.
# custom:
#   id: DG301
#   severity: critical
#   category: missing-authentication
#   remediation: >-
#     Turn authentication on (for Orthanc: "AuthenticationEnabled": true with RegisteredUsers
#     or an authorization plugin; for dcm4chee-arc: the secured image with Keycloak), or bind the
#     service to localhost behind an authenticating proxy.
#   references:
#     - HIPAA 45 CFR 164.312(d) Person or entity authentication
#     - HIPAA 45 CFR 164.312(a)(1) Access control
#     - DICOM PS3.15 Annex B, Secure Transport Connection Profiles
package dicomguard.rules.unauthenticated_service

import data.dicomguard.lib

deny[fact.id] := finding if {
	some fact in input.services
	object.get(fact, "kind", "image_service") != "database" # databases: DG306
	fact.reach != "local"
	fact.authentication != true
	finding := {
		"fact": fact.id,
		"severity": lib.reach_severity("critical", fact.reach),
		"confidence": confidence(fact),
		"message": concat("", [
			lib.label(fact), " (", fact.product, ") serves images without authentication",
			lib.reach_text(fact.reach), lib.via(fact),
		]),
	}
}

confidence(fact) := "confirmed" if {
	fact.authentication == false
	fact.reach != "unknown"
} else := "unresolved"
