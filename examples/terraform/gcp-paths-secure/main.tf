# DICOM behind an internal passthrough load balancer for the modalities, and an external
# passthrough one whose firewall admits only the partner hospital's range.

resource "google_compute_region_backend_service" "dicom" {
  name                  = "dicom"
  region                = "europe-west1"
  load_balancing_scheme = "INTERNAL"
  protocol              = "TCP"
}

resource "google_compute_forwarding_rule" "dicom" {
  name                  = "dicom"
  region                = "europe-west1"
  load_balancing_scheme = "INTERNAL"
  ip_protocol           = "TCP"
  ports                 = ["11112"]
  backend_service       = google_compute_region_backend_service.dicom.id
}

resource "google_compute_region_backend_service" "partner" {
  name                  = "partner"
  region                = "europe-west1"
  load_balancing_scheme = "EXTERNAL"
  protocol              = "TCP"
}

resource "google_compute_forwarding_rule" "partner" {
  name                  = "partner"
  region                = "europe-west1"
  load_balancing_scheme = "EXTERNAL"
  ip_protocol           = "TCP"
  ports                 = ["4242"]
  backend_service       = google_compute_region_backend_service.partner.id
}

resource "google_compute_firewall" "partner" {
  name    = "orthanc-from-partner"
  network = "pacs"

  allow {
    protocol = "tcp"
    ports    = ["4242"]
  }
  source_ranges = ["203.0.113.0/24"]
  target_tags   = ["pacs"]
}
