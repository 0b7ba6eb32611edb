resource "aws_security_group" "orthanc" {
  name        = "${local.name}-orthanc"
  description = "Orthanc PACS: DICOM from the modalities, web viewer through the VPN"
  vpc_id      = var.vpc_id

  ingress {
    description = "DICOM C-STORE from the modalities"
    from_port   = 4242
    to_port     = 4242
    protocol    = "tcp"
    cidr_blocks = var.modality_cidrs
  }

  egress {
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_security_group_rule" "orthanc_web" {
  type              = "ingress"
  description       = "Orthanc Explorer and DICOMweb for radiologists on the VPN"
  from_port         = 8042
  to_port           = 8042
  protocol          = "tcp"
  cidr_blocks       = [var.vpn_cidr]
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
