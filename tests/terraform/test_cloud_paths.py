"""Paths in front of a host, through the command line: Azure Firewall DNAT rules, Azure Load
Balancer rules and Google Cloud forwarding rules that carry a DICOM port from the internet
to a backend are exposures of that backend, named with the path."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tests.conftest import scan_json

DNAT = '''
resource "azurerm_firewall" "hub" {{
  name                = "fw-hub"
  location            = "westeurope"
  resource_group_name = "rg-pacs"
  sku_name            = "AZFW_VNet"
  sku_tier            = "Standard"
}}

resource "azurerm_firewall_nat_rule_collection" "pacs" {{
  name                = "pacs"
  azure_firewall_name = "fw-hub"
  resource_group_name = "rg-pacs"
  priority            = 100
  action              = "{action}"

  rule {{
    name                  = "dicom"
    protocols             = ["TCP"]
    source_addresses      = [{source}]
    destination_addresses = ["20.50.1.10"]
    destination_ports     = ["{front}"]
    translated_address    = "10.0.1.4"
    translated_port       = {back}
  }}
}}
'''

POLICY_GROUP = '''
resource "azurerm_firewall_policy_rule_collection_group" "edge" {
  name               = "edge"
  firewall_policy_id = azurerm_firewall_policy.edge.id
  priority           = 100

  nat_rule_collection {
    name     = "web"
    priority = 300
    action   = "Dnat"
    rule {
      name                = "viewer"
      protocols           = ["TCP"]
      source_addresses    = ["192.0.2.0/24"]
      destination_address = "20.50.1.11"
      destination_ports   = ["443"]
      translated_address  = "10.0.1.5"
      translated_port     = "443"
    }
  }

  nat_rule_collection {
    name     = "orthanc"
    priority = 200
    action   = "Dnat"
    rule {
      name                = "orthanc"
      protocols           = ["TCP", "UDP"]
      source_addresses    = ["Internet"]
      destination_address = "20.50.1.11"
      destination_ports   = ["4242"]
      translated_address  = "10.0.1.5"
      translated_port     = "4242"
    }
  }
}

resource "azurerm_firewall_policy" "edge" {
  name                = "edge"
  location            = "westeurope"
  resource_group_name = "rg-pacs"
}
'''

BALANCER = '''
resource "azurerm_lb" "gateway" {
  name                = "lb-gateway"
  location            = "westeurope"
  resource_group_name = "rg-pacs"
  sku                 = "Standard"

  frontend_ip_configuration {
    name                 = "public"
    public_ip_address_id = "/subscriptions/0000/publicIPAddresses/pip-gateway"
  }

  frontend_ip_configuration {
    name      = "private"
    subnet_id = "/subscriptions/0000/subnets/gateway"
  }
}

resource "azurerm_lb_backend_address_pool" "gateway" {
  name            = "gateway"
  loadbalancer_id = azurerm_lb.gateway.id
}

resource "azurerm_lb_rule" "dicom" {
  name                           = "dicom"
  loadbalancer_id                = azurerm_lb.gateway.id
  frontend_ip_configuration_name = "FRONTEND"
  protocol                       = "Tcp"
  frontend_port                  = 443
  backend_port                   = 11112
  backend_address_pool_ids       = [azurerm_lb_backend_address_pool.gateway.id]
}

resource "azurerm_lb_nat_rule" "admin" {
  name                           = "admin"
  resource_group_name            = "rg-pacs"
  loadbalancer_id                = azurerm_lb.gateway.id
  frontend_ip_configuration_name = "FRONTEND"
  protocol                       = "Tcp"
  frontend_port                  = 50000
  backend_port                   = 8042
}
'''

BACKEND = '''
resource "azurerm_subnet" "gateway" {
  name                 = "gateway"
  resource_group_name  = "rg-pacs"
  virtual_network_name = "pacs"
  address_prefixes     = ["10.0.2.0/24"]
}

resource "azurerm_network_interface" "gateway" {
  name                = "nic-gateway"
  location            = "westeurope"
  resource_group_name = "rg-pacs"

  ip_configuration {
    name                          = "internal"
    subnet_id                     = azurerm_subnet.gateway.id
    private_ip_address_allocation = "Dynamic"
  }
}

resource "azurerm_network_interface_backend_address_pool_association" "gateway" {
  network_interface_id    = azurerm_network_interface.gateway.id
  ip_configuration_name   = "internal"
  backend_address_pool_id = azurerm_lb_backend_address_pool.gateway.id
}

resource "azurerm_network_interface_nat_rule_association" "admin" {
  network_interface_id  = azurerm_network_interface.gateway.id
  ip_configuration_name = "internal"
  nat_rule_id           = azurerm_lb_nat_rule.admin.id
}

resource "azurerm_subnet_network_security_group_association" "gateway" {
  subnet_id                 = azurerm_subnet.gateway.id
  network_security_group_id = azurerm_network_security_group.gateway.id
}

resource "azurerm_network_security_group" "gateway" {
  name                = "nsg-gateway"
  location            = "westeurope"
  resource_group_name = "rg-pacs"

  security_rule {
    name                       = "deny-dicom"
    priority                   = 100
    direction                  = "Inbound"
    access                     = "Deny"
    protocol                   = "*"
    source_port_range          = "*"
    destination_port_range     = "11112"
    source_address_prefix      = "*"
    destination_address_prefix = "*"
  }

  security_rule {
    name                       = "web"
    priority                   = 200
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    source_port_range          = "*"
    destination_port_ranges    = ["8042", "11112"]
    source_address_prefix      = "SOURCE"
    destination_address_prefix = "*"
  }
}
'''

FORWARDING = '''
variable "dicom_port" {
  type    = string
  default = "11112"
}

resource "google_compute_forwarding_rule" "dicom" {
  name                  = "dicom"
  region                = "europe-west1"
  load_balancing_scheme = "SCHEME"
  ip_protocol           = "TCP"
  ports                 = [var.dicom_port]
  backend_service       = "projects/pacs/regions/europe-west1/backendServices/dicom"
}

resource "google_compute_global_forwarding_rule" "orthanc" {
  name                  = "orthanc"
  load_balancing_scheme = "SCHEME_MANAGED"
  port_range            = "4242-4242"
  target                = google_compute_target_tcp_proxy.orthanc.id
}

resource "google_compute_target_tcp_proxy" "orthanc" {
  name            = "orthanc"
  backend_service = "projects/pacs/global/backendServices/orthanc"
}

resource "google_compute_firewall" "dicom" {
  name    = "dicom"
  network = "pacs"
  allow {
    protocol = "tcp"
    ports    = ["11112"]
  }
  source_ranges = [SOURCE]
}
'''


def _scan(tmp_path: Path, *args: str, **files: str) -> tuple[int, list[dict]]:
    for name, text in files.items():
        (tmp_path / name.replace("__", ".")).write_text(textwrap.dedent(text))
    code, report = scan_json(*args, str(tmp_path))
    assert report["errors"] == []
    return code, [finding for finding in report["findings"] if finding["rule_id"] == "DG101"]


def _where(findings: list[dict]) -> list[tuple[str, int, list[int], str]]:
    return sorted((finding["resource"], finding["line"], finding["ports"],
                   finding["confidence"]) for finding in findings)


@pytest.mark.parametrize("source", ['"*"', '"Internet"', '"0.0.0.0/0"'])
def test_a_dnat_from_the_internet_to_a_dicom_port_names_its_path(tmp_path: Path,
                                                               source: str) -> None:
    code, [finding] = _scan(tmp_path, main__tf=DNAT.format(
        action="Dnat", source=source, front="443", back="11112"))
    assert code == 1
    assert (finding["resource"], finding["line"], finding["ports"]) == (
        "azurerm_firewall_nat_rule_collection.pacs", 20, [11112])
    assert finding["message"].endswith(
        "through internet -> azurerm_firewall.hub 20.50.1.10:443 DNAT -> 10.0.1.4:11112")


def test_only_the_dnat_that_carries_a_dicom_port_from_the_internet_is_reported(
        tmp_path: Path) -> None:
    exposed = DNAT.format(action="Dnat", source='"*"', front="11112", back="11112")
    near_misses = [
        ("partner", "Dnat", '"203.0.113.0/24"', "11112", "11112"),  # a partner's fixed range
        ("web", "Dnat", '"*"', "11112", "8080"),  # the backend answers on another port
        ("outbound", "Snat", '"*"', "11112", "11112"),
    ]
    for name, action, source, front, back in near_misses:
        exposed += DNAT.format(action=action, source=source, front=front, back=back).split(
            "}\n", 1)[1].replace('"pacs"', f'"{name}"')
    _, findings = _scan(tmp_path, main__tf=exposed)
    assert _where(findings) == [
        ("azurerm_firewall_nat_rule_collection.pacs", 20, [11112], "confirmed")]


def test_a_translated_port_from_a_variable_nobody_sets_is_unresolved(tmp_path: Path) -> None:
    main = DNAT.format(action="Dnat", source='"*"', front="443", back="var.backend_port")
    code, findings = _scan(tmp_path, main__tf=main + 'variable "backend_port" {}\n')
    assert code == 0
    assert {(finding["line"], finding["confidence"]) for finding in findings} == {
        (20, "unresolved")}
    assert {port for finding in findings for port in finding["ports"]} >= {104, 4242, 11112}


def test_a_policy_rule_collection_group_dnat_points_at_its_rule(tmp_path: Path) -> None:
    code, [finding] = _scan(tmp_path, main__tf=POLICY_GROUP)
    assert code == 1
    assert (finding["line"], finding["ports"]) == (29, [4242])
    assert "through internet -> azurerm_firewall_policy.edge 20.50.1.11:4242 DNAT -> " \
           "10.0.1.5:4242" in finding["message"]


def test_reordering_nat_rule_collections_changes_nothing(tmp_path: Path) -> None:
    first, second = POLICY_GROUP.split("  nat_rule_collection {")[1:3]
    second = second.split("\n}\n", 1)[0]
    swapped = POLICY_GROUP.replace(
        "  nat_rule_collection {" + first + "  nat_rule_collection {" + second,
        "  nat_rule_collection {" + second + "\n\n  nat_rule_collection {" + first.rstrip())
    assert swapped != POLICY_GROUP
    _, [finding] = _scan(tmp_path, main__tf=swapped)
    assert (finding["ports"], finding["confidence"]) == ([4242], "confirmed")
    assert finding["message"].endswith("DNAT -> 10.0.1.5:4242")


def test_a_load_balancer_reaches_what_its_backends_security_group_admits(
        tmp_path: Path) -> None:
    balancer = BALANCER.replace("FRONTEND", "public")
    _, findings = _scan(tmp_path, main__tf=balancer,
                        backend__tf=BACKEND.replace("SOURCE", "Internet"))
    # The Deny rule with the lower priority number keeps the internet from DICOM 11112.
    assert _where(findings) == [
        ("azurerm_lb_nat_rule.admin", 34, [8042], "confirmed"),
        ("azurerm_network_security_group.gateway", 55, [8042], "confirmed")]
    nat = findings[0] if findings[0]["resource"].startswith("azurerm_lb") else findings[1]
    assert nat["message"].endswith(
        "through internet -> azurerm_lb.gateway:50000 -> azurerm_network_interface.gateway:8042")

    code, findings = _scan(tmp_path, backend__tf=BACKEND.replace("SOURCE", "10.20.0.0/16"))
    assert (code, findings) == (0, [])


def test_backends_outside_the_configuration_leave_the_rule_unresolved(tmp_path: Path) -> None:
    code, findings = _scan(tmp_path, main__tf=BALANCER.replace("FRONTEND", "public"))
    assert code == 0
    assert _where(findings) == [
        ("azurerm_lb_nat_rule.admin", 34, [8042], "unresolved"),
        ("azurerm_lb_rule.dicom", 24, [11112], "unresolved"),
    ]
    assert "backends of azurerm_lb_backend_address_pool.gateway" in " ".join(
        " ".join(finding["unknown"]) for finding in findings)

    code, findings = _scan(tmp_path, main__tf=BALANCER.replace("FRONTEND", "private"))
    assert (code, findings) == (0, [])


def test_external_forwarding_rules_carry_their_ports_to_the_backend(tmp_path: Path) -> None:
    main = FORWARDING.replace("SCHEME", "EXTERNAL").replace("SOURCE", '"0.0.0.0/0"')
    code, findings = _scan(tmp_path, main__tf=main)
    assert code == 1
    assert _where(findings) == [
        ("google_compute_firewall.dicom", 31, [11112], "confirmed"),
        ("google_compute_forwarding_rule.dicom", 12, [11112], "confirmed"),
        ("google_compute_global_forwarding_rule.orthanc", 19, [4242], "confirmed"),
    ]
    by_resource = {finding["resource"]: finding["message"] for finding in findings}
    assert by_resource["google_compute_forwarding_rule.dicom"].endswith(
        "-> projects/pacs/regions/europe-west1/backendServices/dicom "
        "(passthrough, admitted by google_compute_firewall.dicom)")
    assert "through internet -> google_compute_global_forwarding_rule.orthanc:4242-4242 -> " \
           "google_compute_target_tcp_proxy.orthanc" in \
           by_resource["google_compute_global_forwarding_rule.orthanc"]


def test_a_passthrough_rule_whose_firewall_admits_a_partner_only_passes(tmp_path: Path) -> None:
    main = FORWARDING.replace("SCHEME", "EXTERNAL").replace("SOURCE", '"203.0.113.0/24"')
    code, findings = _scan(tmp_path, main__tf=main)
    assert [finding["resource"] for finding in findings] == [
        "google_compute_global_forwarding_rule.orthanc"]

    internal = FORWARDING.replace("SCHEME", "INTERNAL").replace("SOURCE", '"10.0.0.0/8"')
    code, findings = _scan(tmp_path, main__tf=internal)
    assert (code, findings) == (0, [])
