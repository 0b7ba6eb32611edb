resource "google_storage_bucket" "archive" {
  name                        = "${var.project}-pacs-archive"
  location                    = "EU"
  uniform_bucket_level_access = true
}

# Referring physicians open studies from links in their reports
resource "google_storage_bucket_iam_member" "archive_public" {
  bucket = google_storage_bucket.archive.name
  role   = "roles/storage.objectViewer"
  member = "allUsers"
}

resource "google_healthcare_dataset" "imaging" {
  name     = "imaging"
  location = var.region
}

resource "google_healthcare_dicom_store" "research" {
  name    = "research-exports"
  dataset = google_healthcare_dataset.imaging.id
}

resource "google_healthcare_dicom_store_iam_binding" "research_readers" {
  dicom_store_id = google_healthcare_dicom_store.research.id
  role           = "roles/healthcare.dicomViewer"
  members = [
    "group:research-imaging@stmary.example",
    "allAuthenticatedUsers",
  ]
}
