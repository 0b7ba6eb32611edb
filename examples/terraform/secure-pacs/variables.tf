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
  type    = string
  default = "vpc-0a1b2c3d4e5f60718"
}

variable "private_subnet_id" {
  type    = string
  default = "subnet-0a9b8c7d6e5f40312"
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

variable "modality_cidrs" {
  type        = list(string)
  description = "CT, MR and CR modalities in the imaging VLAN"
  default     = ["10.40.8.0/22"]
}

variable "vpn_cidr" {
  type        = string
  description = "Client VPN pool the radiologists read from"
  default     = "10.90.0.0/16"
}

variable "image_volume_gb" {
  type    = number
  default = 2000
}

variable "index_password" {
  type      = string
  sensitive = true
}
