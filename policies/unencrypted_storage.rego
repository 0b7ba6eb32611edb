# METADATA
# title: Images or their index stored unencrypted
# description: >-
#   A disk, bucket, file system, database or DICOM store that holds images or the archive's
#   index is not encrypted at rest. A lost snapshot, a copied volume or a decommissioned disk
#   then discloses every study on it.
# custom:
#   id: DG201
#   severity: high
#   category: unencrypted-storage
#   remediation: >-
#     Turn on encryption at rest (for example encrypted = true on EBS and EFS,
#     storage_encrypted = true on RDS, a server-side encryption configuration on S3), preferably
#     with a customer-managed key.
#   references:
#     - HIPAA 45 CFR 164.312(a)(2)(iv) Encryption and decryption
#     - HIPAA 45 CFR 164.310(d)(1) Device and media controls
package dicomguard.rules.unencrypted_storage

import data.dicomguard.lib

deny[fact.id] := finding if {
	some fact in input.storage
	fact.encrypted != true
	confidence := lib.confidence_of(fact.encrypted)
	finding := {
		"fact": fact.id,
		"confidence": confidence,
		"message": concat("", [lib.label(fact), " (", fact.kind, " storage) is ", state(fact)]),
	}
}

state(fact) := "not encrypted at rest" if fact.encrypted == false

state(fact) := "not known to be encrypted at rest" if fact.encrypted == null
