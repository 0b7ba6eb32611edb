# METADATA
# title: Archive index database accepts connections without a password
# description: >-
#   The database that holds the PACS index (patient names, birth dates, study lists) lets
#   clients from other machines or containers in without a password: a pg_hba.conf `trust`
#   record, POSTGRES_HOST_AUTH_METHOD=trust, an empty MySQL / MariaDB root password, or a
#   `password` record that sends the password in clear text. Anyone who reaches the port can
#   read and change every study's metadata. The further it reaches, the worse: the internet
#   is critical, an unknown reach high, a private network medium.
# custom:
#   id: DG306
#   severity: high
#   category: missing-authentication
#   remediation: >-
#     Use scram-sha-256 (hostssl) for every record that admits other hosts and keep trust for
#     local socket connections only; set a strong POSTGRES_PASSWORD / MYSQL_ROOT_PASSWORD from a
#     secret (or MYSQL_RANDOM_ROOT_PASSWORD); keep listen_addresses on localhost or the private
#     interface the PACS uses, and do not publish the database port.
#   references:
#     - HIPAA 45 CFR 164.312(d) Person or entity authentication
#     - HIPAA 45 CFR 164.312(a)(1) Access control
#     - DICOM PS3.15 Annex B, Secure Transport Connection Profiles
package dicomguard.rules.unauthenticated_database

import data.dicomguard.lib

deny[fact.id] := finding if {
	some fact in input.services
	fact.kind == "database"
	fact.reach != "local"
	fact.authentication != true
	finding := {
		"fact": fact.id,
		"severity": lib.reach_severity("critical", fact.reach),
		"confidence": confidence(fact),
		"message": concat("", [
			lib.label(fact), " (", fact.product, "): ", detail(fact), lib.reach_text(fact.reach),
		]),
	}
}

confidence(fact) := "confirmed" if {
	fact.authentication == false
	fact.reach != "unknown"
	count(fact.unknown) == 0
} else := "unresolved"

detail(fact) := fact.detail if fact.detail != ""

detail(fact) := "accepts connections without a password" if fact.detail == ""
