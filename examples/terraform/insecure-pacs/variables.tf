variable "region" {
  type    = string
  default = "eu-west-1"
}

variable "hospital" {
  type    = string
  default = "stmary"
}

variable "environment" {
  type    = string
  default = "production"
}

variable "vpc_id" {
  type        = string
  description = "VPC the PACS runs in"
  default     = "vpc-0a1b2c3d4e5f60718"
}

variable "public_subnet_id" {
  type    = string
  default = "subnet-0f1e2d3c4b5a69788"
}

variable "db_subnet_ids" {
  type    = list(string)
  default = ["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"]
}

variable "orthanc_ami" {
  type        = string
  description = "Ubuntu 22.04 with Docker"
  default     = "ami-0905a3c97561e0b69"
}

variable "admin_cidr" {
  type    = string
  default = "203.0.113.0/24"
}

variable "image_volume_gb" {
  type    = number
  default = 2000
}

variable "index_password" {
  type      = string
  sensitive = true
}
