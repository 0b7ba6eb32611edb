# DICOM behind a global TCP proxy load balancer: the frontend listens on 443, but the backend
# service's port_name "dicom" is port 11112 in the managed instance group's named ports, so the
# internet reaches the archive's DICOM port through it. ../gcp-backends-secure sends the proxy to
# the viewer's HTTPS port instead and keeps DICOM on an internal load balancer.

resource "google_service_account" "pacs" {
  account_id = "pacs"
}

resource "google_compute_instance_template" "pacs" {
  name_prefix  = "pacs-"
  machine_type = "e2-standard-4"
  tags         = ["pacs"]

  disk {
    source_image = "debian-cloud/debian-12"
  }

  network_interface {
    network = "pacs"
  }

  service_account {
    email  = google_service_account.pacs.email
    scopes = ["cloud-platform"]
  }
}

resource "google_compute_instance_group_manager" "pacs" {
  name               = "pacs"
  zone               = "europe-west1-b"
  base_instance_name = "pacs"

  version {
    instance_template = google_compute_instance_template.pacs.id
  }

  named_port {
    name = "dicom"
    port = 11112
  }
}

resource "google_compute_backend_service" "dicom" {
  name                  = "dicom"
  protocol              = "TCP"
  port_name             = "dicom"
  load_balancing_scheme = "EXTERNAL_MANAGED"

  backend {
    group = google_compute_instance_group_manager.pacs.instance_group
  }
}

resource "google_compute_target_tcp_proxy" "dicom" {
  name            = "dicom"
  backend_service = google_compute_backend_service.dicom.id
}

resource "google_compute_global_forwarding_rule" "dicom" {
  name                  = "dicom"
  load_balancing_scheme = "EXTERNAL_MANAGED"
  port_range            = "443"
  target                = google_compute_target_tcp_proxy.dicom.id
}
