resource "google_compute_global_address" "private_services" {
  name          = "private-services"
  purpose       = "VPC_PEERING"
  address_type  = "INTERNAL"
  prefix_length = 16
  network       = google_compute_network.pacs.id
}

resource "google_service_networking_connection" "private_services" {
  network                 = google_compute_network.pacs.id
  service                 = "servicenetworking.googleapis.com"
  reserved_peering_ranges = [google_compute_global_address.private_services.name]
}

resource "google_sql_database_instance" "index" {
  name             = "orthanc-index"
  database_version = "POSTGRES_16"
  region           = var.region

  depends_on = [google_service_networking_connection.private_services]

  settings {
    tier = "db-custom-2-7680"

    ip_configuration {
      ipv4_enabled    = false
      private_network = google_compute_network.pacs.id
      ssl_mode        = "ENCRYPTED_ONLY"
    }
  }
}
