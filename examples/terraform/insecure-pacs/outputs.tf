output "orthanc_public_ip" {
  value = aws_instance.orthanc.public_ip
}

output "index_endpoint" {
  value = aws_db_instance.index.endpoint
}

output "archive_bucket" {
  value = aws_s3_bucket.archive.bucket
}
