# METADATA
# title: DICOM server stores images from any caller
# description: >-
#   A DICOM listener that other machines can reach accepts C-STORE from any calling AE title,
#   not only from the modalities it declares. Anyone who reaches the port can fill the disk or
#   plant forged studies under real patients' names; AE titles are not authentication, so
#   checking the called AE title alone does not stop it. On the internet it is high, with an
#   unknown reach medium, on a private network (where modalities send this way) low.
# custom:
#   id: DG304
#   severity: medium
#   category: missing-authentication
#   remediation: >-
#     Accept images only from declared modalities (Orthanc: "DicomAlwaysAllowStore": false,
#     every sender listed in "DicomModalities", "DicomCheckModalityHost": true), and require
#     DICOM TLS with client certificates where the network is shared
#     ("DicomTlsRemoteCertificateRequired": true).
#   references:
#     - HIPAA 45 CFR 164.312(c)(1) Integrity
#     - HIPAA 45 CFR 164.312(d) Person or entity authentication
#     - DICOM PS3.15 Annex B, Secure Transport Connection Profiles
package dicomguard.rules.open_dicom_store

import data.dicomguard.lib

deny[concat("#", [fact.id, format_int(index, 10)])] := finding if {
	some fact in input.services
	some index, listener in fact.listeners
	"C-STORE" in object.get(listener, "anonymous", [])
	listener.reach in {"internet", "network", "unknown"}
	finding := {
		"fact": fact.id,
		"ports": [listener.port | is_number(listener.port)],
		"severity": lib.reach_severity("high", listener.reach),
		"confidence": confidence(listener.reach),
		"message": concat("", [
			lib.label(fact), " (", fact.product, ") accepts images from any calling AE title",
			lib.reach_text(listener.reach), detail_text(fact),
		]),
	}
}

confidence("unknown") := "unresolved"

confidence(reach) := "confirmed" if reach != "unknown"

detail_text(fact) := concat("", [" (", fact.detail, ")"]) if fact.detail != ""

detail_text(fact) := "" if fact.detail == ""
