# METADATA
# title: Images or patient data travel unencrypted
# description: >-
#   A PACS listener that other machines can reach carries DICOM, DICOMweb / REST or HL7
#   traffic without TLS. Patient names, birth dates, images and the passwords of HTTP Basic
#   authentication cross the network in clear text, readable by anyone on the path.
# custom:
#   id: DG401
#   severity: high
#   category: unencrypted-transport
#   remediation: >-
#     Turn TLS on where the archive listens (Orthanc: "SslEnabled" with "SslCertificate" for
#     HTTP, "DicomTlsEnabled" with its certificate settings for DICOM; dcm4chee-arc: publish
#     8443 and 2762 instead of 8080 and 11112), or bind the plain port to localhost behind a
#     TLS-terminating proxy on the same host.
#   references:
#     - HIPAA 45 CFR 164.312(e)(1) Transmission security
#     - HIPAA 45 CFR 164.312(e)(2)(ii) Encryption
#     - DICOM PS3.15 Annex B, Secure Transport Connection Profiles
#     - DICOM PS3.18 Web Services, HTTPS
package dicomguard.rules.unencrypted_transport

import data.dicomguard.lib

# postgresql: the archive index (patient names, study lists) on its way to the PACS.
patient_data_protocols := {"http", "dicom", "hl7", "postgresql"}

deny[concat("#", [fact.id, format_int(index, 10)])] := finding if {
	some fact in input.services
	some index, listener in fact.listeners
	listener.protocol in patient_data_protocols
	listener.reach in {"internet", "network", "unknown"}
	listener.tls != true
	base := {
		"fact": fact.id,
		"severity": severity(listener.reach),
		"confidence": confidence(listener),
		"message": concat("", [
			lib.label(fact), " (", fact.product, ") carries ", upper(listener.protocol),
			" on ", port_text(listener), " without TLS", reach_text(listener.reach),
			lib.via(fact),
		]),
	}
	finding := object.union(object.union(base, ports(listener)), tls_origin(listener))
}

# The line that decides the encryption (SslEnabled, DicomTlsEnabled), when the adapter knows it.
tls_origin(listener) := {"origin": listener.tls_origin} if listener.tls_origin

tls_origin(listener) := {} if not listener.tls_origin

severity("internet") := "high"

severity("network") := "medium"

severity("unknown") := "medium"

confidence(listener) := "confirmed" if {
	listener.tls == false
	listener.reach != "unknown"
} else := "unresolved"

ports(listener) := {"ports": [listener.port]} if is_number(listener.port)

ports(listener) := {} if not is_number(listener.port)

port_text(listener) := concat("", ["port ", format_int(listener.port, 10)]) if is_number(listener.port)

port_text(listener) := "an unknown port" if not is_number(listener.port)

reach_text("internet") := " to the internet"

reach_text("network") := " across the network"

reach_text("unknown") := " (reachability unknown)"
