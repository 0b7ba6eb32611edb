"""Many provider resources: what the AWS, Azure and GCP adapters cost on a large estate."""

from __future__ import annotations

from pathlib import Path

NAME = "cloud_adapters"
DESCRIPTION = ("300 generated modules of AWS, Azure and GCP resources (security groups, NSGs, "
               "firewalls, volumes, databases, buckets with ACLs and policies, IAM)")
MODULES = 300

AWS = '''
resource "aws_security_group" "pacs_{i}" {{
  name = "pacs-{i}"
  ingress {{
    from_port   = 104
    to_port     = 104
    protocol    = "tcp"
    cidr_blocks = ["10.{j}.0.0/16"]
  }}
  ingress {{
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }}
}}

resource "aws_security_group_rule" "viewer_{i}" {{
  type              = "ingress"
  from_port         = 8042
  to_port           = 8042
  protocol          = "tcp"
  cidr_blocks       = ["10.{j}.8.0/22"]
  security_group_id = aws_security_group.pacs_{i}.id
}}

resource "aws_ebs_volume" "images_{i}" {{
  availability_zone = "eu-west-1a"
  size              = 500
  encrypted         = true
}}

resource "aws_db_instance" "index_{i}" {{
  engine            = "postgres"
  instance_class    = "db.t4g.large"
  storage_encrypted = true
}}

resource "aws_s3_bucket" "archive_{i}" {{
  bucket = "archive-{i}"
}}

resource "aws_s3_bucket_policy" "archive_{i}" {{
  bucket = aws_s3_bucket.archive_{i}.id
  policy = <<-EOT
    {{"Statement": [{{"Effect": "Allow", "Principal": {{"AWS": "arn:aws:iam::1:role/r"}},
                     "Action": "s3:GetObject", "Resource": "arn:aws:s3:::archive-{i}/*"}}]}}
  EOT
}}
'''

AZURE = '''
resource "azurerm_network_security_group" "pacs_{i}" {{
  name                = "nsg-{i}"
  location            = "westeurope"
  resource_group_name = "rg"
  security_rule {{
    name                       = "dicom"
    priority                   = 100
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    source_port_range          = "*"
    destination_port_ranges    = ["104", "4242"]
    source_address_prefix      = "10.{j}.0.0/16"
    destination_address_prefix = "*"
  }}
}}

resource "azurerm_storage_account" "archive_{i}" {{
  name                            = "archive{i}"
  resource_group_name             = "rg"
  location                        = "westeurope"
  account_tier                    = "Standard"
  account_replication_type        = "GRS"
  allow_nested_items_to_be_public = false
}}
'''

GCP = '''
resource "google_compute_firewall" "dicom_{i}" {{
  name    = "dicom-{i}"
  network = "pacs"
  allow {{
    protocol = "tcp"
    ports    = ["104", "4242", "8042"]
  }}
  source_ranges = ["10.{j}.0.0/16"]
}}

resource "google_storage_bucket_iam_member" "archive_{i}" {{
  bucket = "archive-{i}"
  role   = "roles/storage.objectViewer"
  member = "group:radiology-{i}@example.org"
}}
'''


def build(workdir: Path) -> list[str]:
    root = workdir / NAME
    if not root.is_dir():
        for index in range(MODULES):
            module = root / f"site{index:03d}"
            module.mkdir(parents=True)
            values = {"i": index, "j": index % 250}
            for name, template in (("aws.tf", AWS), ("azure.tf", AZURE), ("gcp.tf", GCP)):
                (module / name).write_text(template.format(**values))
    return [str(root)]
