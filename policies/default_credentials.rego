# METADATA
# title: Image service accepts default or trivial credentials
# description: >-
#   A user of a PACS or its database has an empty password, a password equal to the user
#   name, a vendor default (orthanc/orthanc, admin/admin) or one of the most common passwords.
#   Authentication that anyone can pass is no authentication.
# custom:
#   id: DG303
#   severity: critical
#   category: missing-authentication
#   remediation: >-
#     Set a long random password from a secret store (Ansible Vault, a secrets manager, an
#     environment variable injected at deploy time) and never commit it.
#   references:
#     - HIPAA 45 CFR 164.312(d) Person or entity authentication
#     - HIPAA 45 CFR 164.308(a)(5)(ii)(D) Password management
package dicomguard.rules.default_credentials

import data.dicomguard.lib

deny[concat("#", [fact.id, format_int(index, 10)])] := finding if {
	some fact in input.services
	some index, credential in fact.weak_credentials
	finding := {
		"fact": fact.id,
		"confidence": "confirmed",
		"message": concat("", [
			lib.label(fact), " (", fact.product, "): user '", credential.user, "' has ",
			credential.reason, lib.via(fact),
		]),
	}
}
