# METADATA
# title: Image store accepts unencrypted connections
# description: >-
#   A storage account or managed store that holds images accepts plain HTTP or TLS older
#   than 1.2. Studies and the credentials that fetch them then cross the network readable
#   by anyone on the path.
# custom:
#   id: DG202
#   severity: high
#   category: unencrypted-transport
#   remediation: >-
#     Require HTTPS (https_traffic_only_enabled = true, or enable_https_traffic_only = true
#     before azurerm 4.0) and min_tls_version = "TLS1_2".
#   references:
#     - HIPAA 45 CFR 164.312(e)(1) Transmission security
#     - HIPAA 45 CFR 164.312(e)(2)(ii) Encryption
package dicomguard.rules.unencrypted_connections

import data.dicomguard.lib

deny contains finding if {
	some fact in input.services
	fact.kind == "data_store"
	fact.tls != true
	fact.reach != "local"
	finding := {
		"fact": fact.id,
		"confidence": lib.confidence_of(fact.tls),
		"message": concat("", [lib.label(fact), " (", fact.product, ") ", state(fact)]),
	}
}

state(fact) := "accepts unencrypted connections" if fact.tls == false

state(fact) := "may accept unencrypted connections (not known)" if fact.tls == null
