resource "aws_instance" "orthanc" {
  ami                    = var.orthanc_ami
  instance_type          = "m6i.xlarge"
  subnet_id              = var.public_subnet_id
  vpc_security_group_ids = [aws_security_group.orthanc.id]

  associate_public_ip_address = true

  root_block_device {
    volume_size = 40
    volume_type = "gp3"
  }

  user_data = <<-EOT
    #!/bin/bash
    docker run -d --restart=always --name orthanc \
      -p 4242:4242 -p 8042:8042 \
      -v /srv/orthanc:/var/lib/orthanc/db \
      -e ORTHANC__POSTGRESQL__HOST=${aws_db_instance.index.address} \
      orthancteam/orthanc:24.9.1
  EOT

  tags = {
    Name = "${local.name}-orthanc"
  }
}

resource "aws_ebs_volume" "images" {
  availability_zone = aws_instance.orthanc.availability_zone
  size              = var.image_volume_gb
  type              = "gp3"

  tags = {
    Name = "${local.name}-images"
  }
}

resource "aws_volume_attachment" "images" {
  device_name = "/dev/sdf"
  volume_id   = aws_ebs_volume.images.id
  instance_id = aws_instance.orthanc.id
}
