resource "aws_security_group" "orthanc" {
  name        = "${local.name}-orthanc"
  description = "Orthanc PACS: DICOM from the modalities, web viewer for the radiologists"
  vpc_id      = var.vpc_id

  # Modalities and the partner's PACS send studies over DICOM
  ingress {
    description = "DICOM C-STORE"
    from_port   = 4242
    to_port     = 4242
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }

  ingress {
    description = "SSH for the admins"
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = [var.admin_cidr]
  }

  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

# Radiologists read from home: open the Orthanc web viewer and DICOMweb
resource "aws_security_group_rule" "orthanc_web" {
  type              = "ingress"
  description       = "Orthanc Explorer and DICOMweb"
  from_port         = 8042
  to_port           = 8042
  protocol          = "tcp"
  cidr_blocks       = ["0.0.0.0/0"]
  ipv6_cidr_blocks  = ["::/0"]
  security_group_id = aws_security_group.orthanc.id
}

resource "aws_security_group" "index" {
  name        = "${local.name}-index"
  description = "PostgreSQL index of the Orthanc archive"
  vpc_id      = var.vpc_id
}

resource "aws_vpc_security_group_ingress_rule" "index_from_orthanc" {
  security_group_id            = aws_security_group.index.id
  referenced_security_group_id = aws_security_group.orthanc.id
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
}
