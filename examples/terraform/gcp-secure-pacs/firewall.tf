variable "hospital_ranges" {
  type        = list(string)
  description = "Modality VLANs reached over Cloud Interconnect"
  default     = ["10.20.8.0/22", "10.20.16.0/22"]
}

resource "google_compute_firewall" "dicom" {
  name    = "allow-dicom-from-hospital"
  network = google_compute_network.pacs.name

  allow {
    protocol = "tcp"
    ports    = ["104", "4242", "8042"]
  }

  source_ranges = var.hospital_ranges
  target_tags   = ["orthanc"]
}

resource "google_compute_firewall" "ssh" {
  name    = "allow-ssh-iap"
  network = google_compute_network.pacs.name

  allow {
    protocol = "tcp"
    ports    = ["22"]
  }

  source_ranges = ["35.235.240.0/20"]
  target_tags   = ["orthanc"]
}
