"""Hand-built facts for what scanned code rarely shows: unknown ports, sources, encryption and
credentials, service tags, a configured extra port. Every rule's own examples
(policies/*.examples.yaml) cover it on both engines; a new rule needs no entry here."""

from __future__ import annotations

from typing import Any

from dicomguard.facts import grant, ingress, listener, peer, service, storage
from dicomguard.model import Facts, Origin, Unknown
from dicomguard.scan import policy_input


def every_rule_firing() -> dict[str, Any]:
    """Facts built the way collectors build them, with confirmed and unresolved cases for
    the built-in rules."""
    def at(line: int, address: str) -> Origin:
        return Origin("main.tf", line, line + 5, address)

    facts = Facts(
        ingress=[
            ingress(at(1, "aws_security_group.pacs"), platform="aws",
                    mechanism="aws_security_group", protocol="tcp", ports=[[104, 104]],
                    peers=[peer("0.0.0.0/0"), peer("10.0.0.0/8")]),
            ingress(at(10, "azurerm_network_security_rule.all"), platform="azure",
                    mechanism="azurerm_network_security_rule", protocol="all",
                    ports=[[0, 65535]], peers=[peer("Internet", tag=True)]),
            ingress(at(20, "google_compute_firewall.unknown"), platform="gcp",
                    mechanism="google_compute_firewall", protocol="tcp",
                    ports=Unknown("var.port has no value"), peers=[peer("::/0")]),
            ingress(at(30, "aws_security_group.var_source"), platform="aws",
                    mechanism="aws_security_group", protocol="tcp", ports=[[4242, 4242]],
                    peers=[peer(Unknown("var.cidr has no value"))]),
            ingress(at(40, "aws_security_group.office"), platform="aws",
                    mechanism="aws_security_group", protocol="tcp", ports=[[104, 104]],
                    peers=[peer("192.168.0.0/16")]),
        ],
        storage=[
            storage(at(50, "aws_ebs_volume.images"), platform="aws", kind="block",
                    encrypted=False),
            storage(at(60, "aws_s3_bucket.archive"), platform="aws", kind="object",
                    encrypted=Unknown("var.encrypt has no value")),
            storage(at(70, "aws_db_instance.index"), platform="aws", kind="database",
                    encrypted=True),
        ],
        services=[
            service(at(80, "orthanc"), platform="orthanc", product="Orthanc", reach="internet",
                    authentication=False,
                    listeners=[listener(8042, "http", tls=False, reach="internet"),
                               listener(4242, "dicom", tls=False, reach="internet",
                                        anonymous=["C-STORE", "C-FIND"])],
                    weak_credentials=[{"user": "orthanc", "reason": "the default password"}]),
            service(at(90, "dcm4chee"), platform="compose", product="dcm4chee",
                    reach="unknown", authentication=Unknown("env var not set"),
                    listeners=[listener(Unknown("${PORT}"), "dicom", tls=None, reach="unknown",
                                        anonymous=["C-STORE"]),
                               listener(2762, "dicom", tls=True, reach="network")]),
            service(at(100, "local"), platform="compose", product="Orthanc", reach="local",
                    authentication=False),
            service(at(130, "aws_db_instance.index"), platform="aws", product="postgres",
                    reach="internet", authentication=True, kind="database"),
            service(at(150, "services.index"), platform="compose",
                    product="PostgreSQL (archive index)", reach="network", authentication=False,
                    kind="database", detail="POSTGRES_HOST_AUTH_METHOD=trust",
                    listeners=[listener(5432, "postgresql", tls=False, reach="network")]),
            service(at(140, "azurerm_healthcare_dicom_service.dicom"), platform="azure",
                    product="Azure Health Data Services DICOM", reach="unknown",
                    authentication=True, kind="data_store",
                    unknown=["var.public has no value"]),
        ],
        grants=[
            grant(at(110, "aws_s3_bucket_acl.public"), platform="aws", resource="archive",
                  principal="AllUsers", public=True),
            grant(at(120, "google_storage_bucket_iam_member.who"), platform="gcp",
                  resource="images", principal=Unknown("var.member"), public=Unknown("var")),
        ],
    )
    extra = [{"port": 9999, "protocol": "tcp", "service": "custom", "severity": "low"}]
    return policy_input(facts, {"extra_ports": extra})
