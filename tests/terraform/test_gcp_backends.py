"""Google Cloud load balancers followed to their backends: a backend service's port_name
resolved through its instance groups' named ports, and firewalls matched to the instances
behind a passthrough forwarding rule by network tags and service accounts."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, scan_json


def rule_findings(tmp_path: Path, text: str) -> list[dict]:
    (tmp_path / "main.tf").write_text(text)
    _, report = scan_json(str(tmp_path))
    assert report["errors"] == []
    return [item for item in report["findings"]
            if item["resource"].startswith(("google_compute_forwarding_rule",
                                            "google_compute_global_forwarding_rule"))]


def test_the_insecure_example_names_the_route_to_the_named_port():
    code, report = scan_json(str(EXAMPLES / "terraform" / "gcp-backends-insecure"))
    assert (code, report["errors"]) == (1, [])
    [finding] = report["findings"]
    assert (finding["rule_id"], finding["line"], finding["ports"], finding["confidence"]) == (
        "DG101", 63, [11112], "confirmed")
    assert ("internet -> google_compute_global_forwarding_rule.dicom:443 -> backend service "
            "google_compute_backend_service.dicom (port_name dicom = 11112) -> group "
            "google_compute_instance_group_manager.pacs") in finding["message"]


URL_MAP = """\
resource "google_compute_instance_group" "orthanc" {
  name      = "orthanc"
  zone      = "europe-west1-b"
  instances = [google_compute_instance.orthanc.self_link]

  named_port {
    name = "%(name)s"
    port = 8042
  }
}

resource "google_compute_instance" "orthanc" {
  name         = "orthanc"
  machine_type = "e2-standard-4"
  zone         = "europe-west1-b"
  tags         = ["pacs"]
  boot_disk {
    initialize_params {
      image = "debian-cloud/debian-12"
    }
  }
  network_interface {
    network = "pacs"
  }
}

resource "google_compute_backend_service" "orthanc" {
  name      = "orthanc"
  port_name = "orthanc"
  backend {
    group = google_compute_instance_group.orthanc.id
  }
}

resource "google_compute_url_map" "pacs" {
  name            = "pacs"
  default_service = google_compute_backend_service.orthanc.id
}

resource "google_compute_target_https_proxy" "pacs" {
  name             = "pacs"
  url_map          = google_compute_url_map.pacs.id
  ssl_certificates = ["projects/p/global/sslCertificates/pacs"]
}

resource "google_compute_global_forwarding_rule" "pacs" {
  name       = "pacs"
  port_range = "443"
  target     = google_compute_target_https_proxy.pacs.id
}
"""


@pytest.mark.parametrize(("named", "ports"), [("orthanc", [8042]), ("web", [])])
def test_an_https_proxy_through_its_url_map_reaches_the_port_its_port_name_names(
        tmp_path, named, ports):
    found = rule_findings(tmp_path, URL_MAP % {"name": named})
    assert [(item["rule_id"], item.get("ports")) for item in found] == (
        [("DG101", ports)] if ports else [])


PASSTHROUGH = """\
resource "google_service_account" "pacs" {
  account_id = "pacs"
}

resource "google_compute_instance" "pacs" {
  name         = "pacs"
  machine_type = "e2-standard-4"
  zone         = "europe-west1-b"
  tags         = ["pacs"]
  boot_disk {
    initialize_params {
      image = "debian-cloud/debian-12"
    }
  }
  network_interface {
    network = "pacs"
  }
  service_account {
    email  = google_service_account.pacs.email
    scopes = ["cloud-platform"]
  }
}

resource "google_compute_instance_group" "pacs" {
  name      = "pacs"
  zone      = "europe-west1-b"
  instances = [google_compute_instance.pacs.self_link]
}

resource "google_compute_region_backend_service" "dicom" {
  name                  = "dicom"
  region                = "europe-west1"
  load_balancing_scheme = "EXTERNAL"
  protocol              = "TCP"
  backend {
    group = google_compute_instance_group.pacs.id
  }
}

resource "google_compute_forwarding_rule" "dicom" {
  name                  = "dicom"
  region                = "europe-west1"
  load_balancing_scheme = "EXTERNAL"
  ip_protocol           = "TCP"
  ports                 = ["104"]
  backend_service       = google_compute_region_backend_service.dicom.id
}

resource "google_compute_firewall" "open" {
  name    = "open"
  network = "pacs"
  allow {
    protocol = "tcp"
    ports    = ["104"]
  }
  source_ranges = ["0.0.0.0/0"]
  %(target)s
}
"""


@pytest.mark.parametrize(("target", "carried"), [
    ('target_tags = ["bastion"]', False),
    ('target_tags = ["pacs"]', True),
    ("target_service_accounts = [google_service_account.pacs.email]", True),
    ('target_service_accounts = ["other@p.iam.gserviceaccount.com"]', False),
    ("", True),
])
def test_a_passthrough_rule_carries_only_what_a_firewall_of_its_instances_admits(
        tmp_path, target, carried):
    found = rule_findings(tmp_path, PASSTHROUGH % {"target": target})
    assert [item["rule_id"] for item in found] == (["DG101"] if carried else [])
    if carried:
        assert "google_compute_firewall.open" in found[0]["message"]
