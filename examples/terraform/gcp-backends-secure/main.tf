# The same archive done right: the global proxy load balancer on 443 sends to the viewer's
# HTTPS port (port_name "https" is 8443 in the group's named ports), and DICOM stays on an
# internal passthrough load balancer for the modalities. ../gcp-backends-insecure is it done
# wrong.

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
    name = "https"
    port = 8443
  }

  named_port {
    name = "dicom"
    port = 11112
  }
}

resource "google_compute_backend_service" "viewer" {
  name                  = "viewer"
  protocol              = "TCP"
  port_name             = "https"
  load_balancing_scheme = "EXTERNAL_MANAGED"

  backend {
    group = google_compute_instance_group_manager.pacs.instance_group
  }
}

resource "google_compute_target_tcp_proxy" "viewer" {
  name            = "viewer"
  backend_service = google_compute_backend_service.viewer.id
}

resource "google_compute_global_forwarding_rule" "viewer" {
  name                  = "viewer"
  load_balancing_scheme = "EXTERNAL_MANAGED"
  port_range            = "443"
  target                = google_compute_target_tcp_proxy.viewer.id
}

resource "google_compute_region_backend_service" "dicom" {
  name                  = "dicom"
  region                = "europe-west1"
  load_balancing_scheme = "INTERNAL"
  protocol              = "TCP"

  backend {
    group = google_compute_instance_group_manager.pacs.instance_group
  }
}

resource "google_compute_forwarding_rule" "dicom" {
  name                  = "dicom"
  region                = "europe-west1"
  load_balancing_scheme = "INTERNAL"
  ip_protocol           = "TCP"
  ports                 = ["11112"]
  backend_service       = google_compute_region_backend_service.dicom.id
}
