# METADATA
# title: Image store or database reachable from the internet
# description: >-
#   A managed DICOM service, storage account or database that holds images or the archive's
#   index accepts connections from the whole internet (RDS publicly_accessible, a Cloud SQL
#   authorised network of 0.0.0.0/0, storage network rules that allow every network, a DICOM
#   service with public network access). Its only protection left is a credential that can
#   be guessed, leaked or phished.
# custom:
#   id: DG305
#   severity: high
#   category: missing-authentication
#   remediation: >-
#     Keep the endpoint private: publicly_accessible = false, no 0.0.0.0/0 authorised network,
#     network rules with default_action = "Deny", public_network_access_enabled = false with a
#     private endpoint. Reach it from the hospital network through a VPN or private link.
#   references:
#     - HIPAA 45 CFR 164.312(a)(1) Access control
#     - HIPAA 45 CFR 164.312(e)(1) Transmission security
package dicomguard.rules.public_data_endpoint

import data.dicomguard.lib

deny[fact.id] := finding if {
	some fact in input.services
	fact.kind in {"data_store", "database"}
	fact.reach in {"internet", "unknown"}
	fact.authentication != false # no credential at all: DG306
	finding := {
		"fact": fact.id,
		"confidence": confidence(fact),
		"message": concat("", [lib.label(fact), " (", fact.product, ") ", reach_text(fact)]),
	}
}

confidence(fact) := "confirmed" if fact.reach == "internet"

confidence(fact) := "unresolved" if fact.reach == "unknown"

reach_text(fact) := "accepts connections from the internet" if fact.reach == "internet"

reach_text(fact) := "may accept connections from the internet (not known)" if fact.reach == "unknown"
