"""Google Cloud resources: firewalls, IAM on buckets and DICOM stores, Cloud SQL."""

from __future__ import annotations

import pytest

FIREWALL = '''
    resource "google_compute_firewall" "rule" {{
      name    = "rule"
      network = "pacs"
      {body}
    }}
'''


@pytest.mark.parametrize(("body", "exposed"), [
    ('allow {\n protocol = "tcp"\n ports = ["104"]\n}\n source_ranges = ["0.0.0.0/0"]', True),
    ('allow {\n protocol = "tcp"\n}\n source_ranges = ["0.0.0.0/0"]', True),
    ('allow {\n protocol = "all"\n}\n source_ranges = ["::/0"]', True),
    ('allow {\n protocol = "tcp"\n ports = ["100-200"]\n}', True),
    ('allow {\n protocol = "tcp"\n ports = ["104"]\n}\n source_tags = ["modality"]', False),
    ('allow {\n protocol = "tcp"\n ports = ["104"]\n}\n source_ranges = ["10.20.0.0/16"]',
     False),
    ('allow {\n protocol = "udp"\n}\n source_ranges = ["0.0.0.0/0"]', False),
    ('allow {\n protocol = "tcp"\n}\n source_ranges = ["0.0.0.0/0"]\n disabled = true', False),
    ('allow {\n protocol = "tcp"\n}\n destination_ranges = ["0.0.0.0/0"]\n direction = "EGRESS"',
     False),
    ('deny {\n protocol = "tcp"\n}\n source_ranges = ["0.0.0.0/0"]', False),
], ids=["port", "all-ports", "all-protocols-ipv6", "no-source-means-anywhere", "tags-only",
        "private", "udp", "disabled", "egress", "deny"])
def test_firewall(scan_tf, body, exposed):
    result = scan_tf(FIREWALL.format(body=body))
    assert bool(result.of("DG101")) is exposed


def test_bucket_iam_and_public_access_prevention(scan_tf):
    result = scan_tf('''
        resource "google_storage_bucket" "open" {
          name     = "stmary-open"
          location = "EU"
        }

        resource "google_storage_bucket" "enforced" {
          name                     = "stmary-enforced"
          location                 = "EU"
          public_access_prevention = "enforced"
        }

        resource "google_storage_bucket_iam_member" "open" {
          bucket = google_storage_bucket.open.name
          role   = "roles/storage.objectViewer"
          member = "allUsers"
        }

        resource "google_storage_bucket_iam_member" "enforced" {
          bucket = google_storage_bucket.enforced.name
          role   = "roles/storage.objectViewer"
          member = "allUsers"
        }

        resource "google_storage_bucket_iam_binding" "group" {
          bucket  = google_storage_bucket.open.name
          role    = "roles/storage.objectViewer"
          members = ["group:radiology@stmary.example"]
        }
    ''')
    assert result.resources("DG302") == {"google_storage_bucket_iam_member.open"}
    assert not result.of("DG201")


def test_dicom_store_and_dataset_iam(scan_tf):
    result = scan_tf('''
        resource "google_healthcare_dicom_store_iam_binding" "store" {
          dicom_store_id = "projects/p/locations/eu/datasets/d/dicomStores/s"
          role           = "roles/healthcare.dicomViewer"
          members        = ["group:research@stmary.example", "allAuthenticatedUsers"]
        }

        data "google_iam_policy" "dataset" {
          binding {
            role    = "roles/healthcare.datasetViewer"
            members = ["allUsers"]
          }
        }

        resource "google_healthcare_dataset_iam_policy" "dataset" {
          dataset_id  = "projects/p/locations/eu/datasets/d"
          policy_data = data.google_iam_policy.dataset.policy_data
        }
    ''')
    assert result.resources("DG302") == {
        "google_healthcare_dicom_store_iam_binding.store",
        "google_healthcare_dataset_iam_policy.dataset"}


def test_cloud_sql_authorised_networks(scan_tf):
    result = scan_tf('''
        resource "google_sql_database_instance" "open" {
          database_version = "POSTGRES_16"
          settings {
            tier = "db-f1-micro"
            ip_configuration {
              authorized_networks {
                value = "0.0.0.0/0"
              }
            }
          }
        }

        resource "google_sql_database_instance" "proxy_only" {
          database_version = "POSTGRES_16"
          settings {
            tier = "db-f1-micro"
            ip_configuration {
              ipv4_enabled = true
            }
          }
        }
    ''')
    assert result.resources("DG305") == {"google_sql_database_instance.open"}


def test_bucket_acls(scan_tf):
    result = scan_tf('''
        resource "google_storage_bucket_acl" "predefined" {
          bucket         = "stmary-archive"
          predefined_acl = "publicRead"
        }

        resource "google_storage_default_object_acl" "entities" {
          bucket      = "stmary-archive"
          role_entity = ["OWNER:project-owners-123", "READER:allUsers"]
        }

        resource "google_storage_bucket_acl" "private" {
          bucket      = "stmary-archive"
          role_entity = ["READER:group-radiology@stmary.example"]
        }
    ''')
    assert result.resources("DG302") == {
        "google_storage_bucket_acl.predefined", "google_storage_default_object_acl.entities"}


def test_firewall_source_ranges_from_a_variable_without_value_are_unresolved(scan_tf):
    result = scan_tf('''
        variable "sources" {
          type = list(string)
        }

        resource "google_compute_firewall" "dicom" {
          name    = "dicom"
          network = "pacs"
          allow {
            protocol = "tcp"
            ports    = ["104"]
          }
          source_ranges = var.sources
        }
    ''')
    assert not result.of("DG101")
    assert result.resources("DG101", "unresolved") == {"google_compute_firewall.dicom"}


def test_a_deny_rule_of_higher_priority_takes_its_ports_away(scan_tf):
    result = scan_tf('''
        resource "google_compute_firewall" "web" {
          name          = "web"
          network       = "pacs"
          priority      = 1000
          source_ranges = ["0.0.0.0/0"]
          target_tags   = ["orthanc"]
          allow {
            protocol = "tcp"
            ports    = ["4000-9000"]
          }
        }

        resource "google_compute_firewall" "no_dicom_from_internet" {
          name          = "no-dicom"
          network       = "pacs"
          priority      = 100
          source_ranges = ["0.0.0.0/0"]
          deny {
            protocol = "tcp"
            ports    = ["4242", "8042"]
          }
        }
    ''')
    assert not result.of("DG101")
    [web] = result.facts.ingress
    assert web["ports"] == [[4000, 4241], [4243, 8041], [8043, 9000]]


@pytest.mark.parametrize("deny", [
    'priority = 2000\n network = "pacs"\n source_ranges = ["0.0.0.0/0"]',
    'priority = 100\n network = "other"\n source_ranges = ["0.0.0.0/0"]',
    'priority = 100\n network = "pacs"\n source_ranges = ["10.0.0.0/8"]',
    'priority = 100\n network = "pacs"\n source_ranges = ["0.0.0.0/0"]\n target_tags = ["db"]',
    'priority = 100\n network = "pacs"\n source_ranges = ["0.0.0.0/0"]\n disabled = true',
], ids=["lower-priority", "other-network", "private-source", "other-targets", "disabled"])
def test_deny_rules_that_do_not_cover_the_allow(scan_tf, deny):
    result = scan_tf(f'''
        resource "google_compute_firewall" "dicom" {{
          name          = "dicom"
          network       = "pacs"
          source_ranges = ["0.0.0.0/0"]
          target_tags   = ["orthanc"]
          allow {{
            protocol = "tcp"
            ports    = ["104"]
          }}
        }}

        resource "google_compute_firewall" "deny" {{
          name = "deny"
          {deny}
          deny {{
            protocol = "all"
          }}
        }}
    ''')
    assert result.resources("DG101") == {"google_compute_firewall.dicom"}
