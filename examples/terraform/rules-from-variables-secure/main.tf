# The rules of a PACS security group kept in a variable and expanded by a dynamic block: the
# DICOM rule is the second item, open to the modality network only.
variable "archive_ingress" {
  description = "Who may reach the archive, one rule per item"
  type = list(object({
    port        = number
    cidrs       = list(string)
    description = string
  }))
  default = [
    { port = 443, cidrs = ["10.20.0.0/16"], description = "Viewer from the hospital network" },
    { port = 11112, cidrs = ["10.30.0.0/16"], description = "DICOM from the modalities" },
  ]
}

resource "aws_security_group" "archive" {
  name        = "pacs-archive"
  description = "dcm4chee archive"
  vpc_id      = "vpc-0a1b2c3d4e5f60718"

  dynamic "ingress" {
    for_each = var.archive_ingress
    content {
      description = ingress.value.description
      from_port   = ingress.value.port
      to_port     = ingress.value.port
      protocol    = "tcp"
      cidr_blocks = ingress.value.cidrs
    }
  }
}
