# Orthanc PACS for the radiology department: one EC2 instance running Orthanc in Docker,
# images on a separate EBS volume, the study index in PostgreSQL (RDS), and a long-term
# archive bucket that the teleradiology partner pulls from.

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
