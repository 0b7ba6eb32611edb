# Two load balancers in front of the PACS: a passthrough one for DICOM, whose firewall admits
# the internet, and a TCP proxy for Orthanc's DICOM port.

resource "google_compute_region_backend_service" "dicom" {
  name                  = "dicom"
  region                = "europe-west1"
  load_balancing_scheme = "EXTERNAL"
  protocol              = "TCP"
}

resource "google_compute_forwarding_rule" "dicom" {
  name                  = "dicom"
  region                = "europe-west1"
  load_balancing_scheme = "EXTERNAL"
  ip_protocol           = "TCP"
  ports                 = ["11112"]
  backend_service       = google_compute_region_backend_service.dicom.id
}

resource "google_compute_firewall" "dicom" {
  name    = "dicom-from-load-balancer"
  network = "pacs"

  allow {
    protocol = "tcp"
    ports    = ["11112"]
  }
  source_ranges = ["0.0.0.0/0"]
  target_tags   = ["pacs"]
}

resource "google_compute_backend_service" "orthanc" {
  name                  = "orthanc"
  protocol              = "TCP"
  load_balancing_scheme = "EXTERNAL_MANAGED"
}

resource "google_compute_target_tcp_proxy" "orthanc" {
  name            = "orthanc"
  backend_service = google_compute_backend_service.orthanc.id
}

resource "google_compute_global_forwarding_rule" "orthanc" {
  name                  = "orthanc"
  load_balancing_scheme = "EXTERNAL_MANAGED"
  port_range            = "4242"
  target                = google_compute_target_tcp_proxy.orthanc.id
}
