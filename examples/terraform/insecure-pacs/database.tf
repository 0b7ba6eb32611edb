resource "aws_db_subnet_group" "index" {
  name       = "${local.name}-index"
  subnet_ids = var.db_subnet_ids
}

# The study index: patient names, birth dates, accession numbers
resource "aws_db_instance" "index" {
  identifier        = "${local.name}-index"
  engine            = "postgres"
  engine_version    = "16.3"
  instance_class    = "db.t4g.large"
  allocated_storage = 100

  db_name  = "orthanc"
  username = "orthanc"
  password = var.index_password

  db_subnet_group_name   = aws_db_subnet_group.index.name
  vpc_security_group_ids = [aws_security_group.index.id]
  publicly_accessible    = true

  backup_retention_period = 7
  skip_final_snapshot     = false
}
