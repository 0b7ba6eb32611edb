resource "google_compute_firewall" "dicom" {
  name    = "allow-dicom"
  network = google_compute_network.pacs.name

  allow {
    protocol = "tcp"
    ports    = ["104", "4242", "8042"]
  }

  source_ranges = ["0.0.0.0/0"]
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
