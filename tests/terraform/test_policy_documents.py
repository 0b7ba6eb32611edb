"""Which bucket policy statements are public, as S3 Block Public Access defines it
(docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html)."""

from __future__ import annotations

import pytest

from dicomguard.model import Unknown, is_unknown
from dicomguard.terraform.adapters.policy_documents import public_statements


def statement(condition: dict | None = None, **fields: object) -> dict:
    entry = {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", **fields}
    if condition is not None:
        entry["Condition"] = condition
    return {"Statement": [entry]}


@pytest.mark.parametrize(("condition", "public"), [
    (None, True),
    ({"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}, False),
    ({"IpAddress": {"aws:SourceIp": ["0.0.0.0/0"]}}, True),
    ({"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}}, True),
    ({"StringEquals": {"aws:SourceVpce": "vpce-0a1b"}}, False),
    ({"StringEquals": {"aws:VpceAccount": "111122223333"}}, False),
    ({"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}}, False),
    ({"StringLike": {"aws:PrincipalOrgID": "o-*"}}, True),
    ({"ArnLike": {"aws:SourceArn": "arn:aws:cloudtrail:*:111122223333:trail/*"}}, False),
    ({"ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::*"}}, True),
    ({"ArnNotEquals": {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/x"}}, True),
    ({"Bool": {"aws:SecureTransport": "true"}}, True),
], ids=["none", "ip-range", "ip-world", "not-ip", "vpce", "vpce-account", "org", "org-wildcard",
        "arn-account", "arn-any-account", "arn-not-equals", "tls-only"])
def test_conditions(condition, public):
    assert bool(public_statements(statement(condition))) is public


@pytest.mark.parametrize(("principal", "public"), [
    ("*", True),
    ({"AWS": "*"}, True),
    ({"AWS": ["arn:aws:iam::1:root", "*"]}, True),
    ({"AWS": "arn:aws:iam::111122223333:root"}, False),
    ({"Service": "logging.s3.amazonaws.com"}, False),
])
def test_principals(principal, public):
    assert bool(public_statements(statement(Principal=principal))) is public


def test_deny_statements_and_not_principal():
    assert public_statements(statement(Effect="Deny")) == []
    document = {"Statement": [{"Effect": "Allow", "NotPrincipal": {"AWS": "arn:aws:iam::1:root"},
                               "Action": "s3:*"}]}
    [(who, access)] = public_statements(document)
    assert who.startswith("everyone except")
    assert access == "read and write"


def test_unknown_parts_are_never_public_or_safe_by_guess():
    assert is_unknown(public_statements(Unknown("policy from a module output")))
    assert is_unknown(public_statements(statement(Principal={"AWS": Unknown("var.reader")})))
    assert is_unknown(public_statements(statement(Unknown("var.condition"))))


PARTLY_KNOWN_POLICY = '''
    resource "aws_s3_bucket" "images" {
      bucket = "stmary-images"
    }

    resource "aws_s3_bucket_policy" "images" {
      bucket = aws_s3_bucket.images.id
      policy = jsonencode({
        Version = "2012-10-17"
        Statement = [{
          Effect    = "Allow"
          Principal = %s
          Action    = "s3:GetObject"
          Resource  = "${aws_s3_bucket.images.arn}/*"
        }]
      })
    }
'''


def test_a_jsonencoded_policy_open_to_everyone_is_public_whatever_its_resource_arn(scan_tf):
    result = scan_tf(PARTLY_KNOWN_POLICY % '"*"')
    assert result.resources("DG302") == {"aws_s3_bucket_policy.images"}
    assert result.of("DG302", "unresolved") == []


def test_a_jsonencoded_policy_for_one_account_is_private_whatever_its_resource_arn(scan_tf):
    result = scan_tf(PARTLY_KNOWN_POLICY % '{ AWS = "arn:aws:iam::111122223333:root" }')
    assert result.of("DG302") == []
    assert result.of("DG302", "unresolved") == []


def test_a_principal_arn_with_an_unknown_account_is_one_account_not_everyone(scan_tf):
    """IAM accepts no wildcard inside a principal ARN, so an ARN whose account id is known only
    after apply still names one principal."""
    account_root = '{ AWS = "arn:aws:iam::${data.aws_caller_identity.current.account_id}:root" }'
    result = scan_tf(PARTLY_KNOWN_POLICY % account_root
                     + '\n    data "aws_caller_identity" "current" {}\n')
    assert result.errors == []
    assert result.of("DG302") == []
    assert result.of("DG302", "unresolved") == []


def test_a_principal_known_only_after_apply_stays_unresolved(scan_tf):
    result = scan_tf(PARTLY_KNOWN_POLICY % '{ AWS = "${aws_iam_role.reader.arn}" }')
    assert result.resources("DG302", "unresolved") == {"aws_s3_bucket_policy.images"}
