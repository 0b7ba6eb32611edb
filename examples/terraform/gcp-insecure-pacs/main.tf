# Orthanc PACS on Compute Engine for a GCP-hosted imaging network: Cloud SQL for the index,
# a Cloud Storage archive, and a Cloud Healthcare DICOM store for the research exports.

terraform {
  required_providers {
    google = {
      source  = "hashicorp/google"
      version = "~> 5.30"
    }
  }
}

variable "project" {
  type    = string
  default = "stmary-imaging"
}

variable "region" {
  type    = string
  default = "europe-west4"
}

provider "google" {
  project = var.project
  region  = var.region
}

resource "google_compute_network" "pacs" {
  name                    = "pacs"
  auto_create_subnetworks = false
}

resource "google_compute_subnetwork" "pacs" {
  name          = "pacs"
  ip_cidr_range = "10.40.0.0/20"
  region        = var.region
  network       = google_compute_network.pacs.id
}
