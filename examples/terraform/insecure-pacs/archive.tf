resource "aws_s3_bucket" "archive" {
  bucket = "${local.name}-archive"
}

resource "aws_s3_bucket_ownership_controls" "archive" {
  bucket = aws_s3_bucket.archive.id

  rule {
    object_ownership = "BucketOwnerPreferred"
  }
}

resource "aws_s3_bucket_public_access_block" "archive" {
  bucket = aws_s3_bucket.archive.id

  block_public_acls       = false
  ignore_public_acls      = false
  block_public_policy     = false
  restrict_public_buckets = false
}

# The teleradiology partner downloads studies with plain HTTPS links
resource "aws_s3_bucket_acl" "archive" {
  depends_on = [aws_s3_bucket_ownership_controls.archive, aws_s3_bucket_public_access_block.archive]

  bucket = aws_s3_bucket.archive.id
  acl    = "public-read"
}

resource "aws_s3_bucket_policy" "archive" {
  bucket = aws_s3_bucket.archive.id

  policy = <<-POLICY
    {
      "Version": "2012-10-17",
      "Statement": [
        {
          "Sid": "PartnerRead",
          "Effect": "Allow",
          "Principal": "*",
          "Action": ["s3:GetObject"],
          "Resource": "arn:aws:s3:::stmary-pacs-archive/*"
        }
      ]
    }
  POLICY
}
