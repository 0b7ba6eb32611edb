resource "aws_db_subnet_group" "index" {
  name       = "${local.name}-index"
  subnet_ids = var.db_subnet_ids
}

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
  publicly_accessible    = false

  storage_encrypted = true
  kms_key_id        = aws_kms_key.pacs.arn

  iam_database_authentication_enabled = true
  backup_retention_period             = 30
  deletion_protection                 = true
  skip_final_snapshot                 = false
}
