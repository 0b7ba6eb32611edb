"""The knowledge base against what the vendors ship and document."""

from __future__ import annotations

from pathlib import Path

import pytest

from dicomguard.knowledge import firewalld, images, netdb, principals, ufw
from dicomguard.knowledge.sources import INTERNET_WORDS, PRIVATE_WORDS
from tests.conftest import scan_json


def test_firewalld_services_are_those_debian_12_ships() -> None:
    services = firewalld.shipped_services()
    assert firewalld.shipped_version() == "firewalld 1.3.3-1~deb12u2"
    assert len(services) == 221
    assert services["ssh"] == [("22", "tcp")]
    assert services["http"] == [("80", "tcp")]
    assert services["https"] == [("443", "tcp")]
    assert services["dns"] == [("53", "tcp"), ("53", "udp")]
    assert services["gre"] == [("", "gre")]
    assert "dicom" not in services and "orthanc" not in services
    # <include>d services count: freeipa-4 includes http, https, kerberos, ...
    assert ("80", "tcp") in services["freeipa-4"] and ("88", "tcp") in services["freeipa-4"]


def test_firewalld_zones_are_those_debian_12_ships() -> None:
    zones = firewalld.shipped_zones()
    assert firewalld.shipped_default_zone() == "public"
    assert zones["public"] == ("default", ["ssh", "dhcpv6-client"])
    assert zones["drop"] == ("DROP", []) and zones["trusted"] == ("ACCEPT", [])
    assert zones["block"] == ("%%REJECT%%", [])
    assert firewalld.closed_zones() == {"drop", "block"}


@pytest.mark.parametrize(("name", "protocol", "port"), [
    ("ssh", "tcp", 22), ("http", "tcp", 80), ("domain", "udp", 53),
    # netbase lists `acr-nema 104/tcp dicom` before `dicom 11112/tcp`: the first line wins.
    ("dicom", "tcp", 104), ("acr-nema", "tcp", 104), ("postgresql", "tcp", 5432),
    ("nosuchservice", "tcp", None),
])
def test_service_names_resolve_as_netbase_lists_them(name: str, protocol: str,
                                                       port: int | None) -> None:
    assert netdb.service_port(name, protocol) == port


@pytest.mark.parametrize(("profile", "ports"), [
    ("OpenSSH", ["22/tcp"]), ("WWW Full", ["80,443/tcp"]), ("Nginx Full", ["80,443/tcp"]),
    ("samba", ["137,138/udp", "139,445/tcp"]), ("CUPS", ["631"]), ("Orthanc", None),
])
def test_ufw_profiles_are_those_the_packages_ship(profile: str, ports: list | None) -> None:
    assert ufw.profile_ports(profile) == ports


def test_public_principals_are_the_documented_ones() -> None:
    assert principals.PUBLIC_CANNED_ACLS["public-read"] == (principals.ALL_USERS, "read")
    assert not principals.is_public_canned_acl("private")
    assert not principals.is_public_canned_acl("bucket-owner-full-control")
    assert principals.PUBLIC_GRANTEE_URIS[
        "http://acs.amazonaws.com/groups/global/allusers"] == "AllUsers"
    assert principals.names_everyone("*") and principals.names_everyone({"AWS": "*"})
    assert principals.names_everyone({"AWS": ["arn:aws:iam::1:root", "*"]})
    assert not principals.names_everyone({"AWS": "arn:aws:iam::123456789012:root"})
    assert principals.is_gcp_public_member("allUsers")
    assert principals.is_gcp_public_member("allAuthenticatedUsers")
    assert not principals.is_gcp_public_member("domain:hospital.example")


def test_azure_service_tags() -> None:
    assert {"internet", "*", "any"} <= INTERNET_WORDS
    assert {"virtualnetwork", "azureloadbalancer"} <= PRIVATE_WORDS


@pytest.mark.parametrize(("image", "family"), [
    ("orthancteam/orthanc:25.9.0", "orthancteam"), ("osimis/orthanc", "orthancteam"),
    ("docker.io/jodogne/orthanc-plugins:1.12.4", "jodogne"), ("jodogne/orthanc", "jodogne"),
    ("registry.hospital.example:5000/pacs/orthanc:1.0", None),
    ("ohif/viewer-orthanc:latest", None), ("orthancteam/orthanc-auth-service", None),
    ("dcm4che/dcm4chee-arc-psql:5.31.0", None),
])
def test_orthanc_images_are_matched_by_repository(image: str, family: str | None) -> None:
    assert images.orthanc_family(image) == family


def test_a_viewer_named_after_orthanc_is_not_orthanc(tmp_path: Path) -> None:
    (tmp_path / "docker-compose.yml").write_text(
        "services:\n  viewer:\n    image: ohif/viewer-orthanc:latest\n"
        "    ports: ['3000:80']\n", encoding="utf-8")
    _, report = scan_json(str(tmp_path))
    assert not [finding for finding in report["findings"] if "Orthanc" in finding["message"]]


def test_the_ldap_image_of_dcm4chee_listens_on_no_dicom_port(tmp_path: Path) -> None:
    (tmp_path / "site.yml").write_text(
        "- hosts: all\n  tasks:\n    - name: ldap\n      community.docker.docker_container:\n"
        "        name: ldap\n        image: dcm4che/slapd-dcm4chee:2.6.8-34.1\n"
        "        network_mode: host\n", encoding="utf-8")
    _, report = scan_json(str(tmp_path))
    assert not [finding for finding in report["findings"]
                if finding["category"] == "exposed-dicom-port"]


def test_only_images_that_run_wildfly_bring_its_debug_port(tmp_path: Path) -> None:
    """dcm4che's LDAP image is named slapd-dcm4chee but runs no WildFly (no JDWP on 8787)."""
    (tmp_path / "docker-compose.yml").write_text(
        "services:\n  ldap:\n    image: dcm4che/slapd-dcm4chee:2.6.8-34.1\n"
        "    network_mode: host\n    environment:\n      LDAP_ROOTPASS: s3cr3t-Zq9\n"
        "      LDAP_CONFIGPASS: s3cr3t-Zq9\n", encoding="utf-8")
    _, report = scan_json(str(tmp_path))
    assert not [finding for finding in report["findings"] if "JDWP" in finding["message"]]
