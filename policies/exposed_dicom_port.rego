# METADATA
# title: DICOM or PACS port reachable from the internet
# description: >-
#   A firewall rule, security group, port mapping or listener admits traffic from the internet
#   at large to a DICOM or PACS port (DICOM 104/11112, Orthanc 4242/8042, DICOM TLS 2762,
#   ISCL 2761, HL7 MLLP 2575). DICOM associations carry patient names, birth dates and images;
#   most archives accept any calling AE title, so an open port is an open archive.
# custom:
#   id: DG101
#   severity: critical
#   category: exposed-dicom-port
#   remediation: >-
#     Limit the source to the networks that must reach the archive (modalities, the hospital
#     VPN, a partner's fixed range), or put the archive behind a VPN or private endpoint.
#     Never 0.0.0.0/0, ::/0, * or Internet.
#   references:
#     - HIPAA 45 CFR 164.312(e)(1) Transmission security
#     - HIPAA 45 CFR 164.312(a)(1) Access control
#     - DICOM PS3.15 Annex B, Secure Transport Connection Profiles
package dicomguard.rules.exposed_dicom_port

import data.dicomguard.lib

deny[concat("#", [fact.id, severity])] := finding if {
	some fact in input.ingress
	confidence := lib.exposure(fact)
	entries := lib.reachable_ports(fact)
	some severity in {entry.severity | some entry in entries}
	ports := lib.ascending({entry.port | some entry in entries; entry.severity == severity})
	services := concat(", ", [concat("", [format_int(port, 10), " (", service_name(entries, port), ")"]) |
		some port in ports
	])
	finding := {
		"fact": fact.id,
		"ports": ports,
		"severity": severity,
		"confidence": confidence,
		"message": concat("", [lib.label(fact), " admits ", lib.sources(fact), " to ", services, lib.route(fact)]),
	}
}

service_name(entries, port) := concat(" / ", sort({entry.service | some entry in entries; entry.port == port}))
