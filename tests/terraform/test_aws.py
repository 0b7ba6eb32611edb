"""AWS resources: what users rely on dicomguard to catch, and not to flag."""

from __future__ import annotations

import pytest


def test_security_group_ingress_open_to_the_world_points_at_the_ingress_block(scan_tf):
    result = scan_tf('''
        resource "aws_security_group" "pacs" {
          name = "pacs"

          ingress {
            from_port   = 104
            to_port     = 104
            protocol    = "tcp"
            cidr_blocks = ["0.0.0.0/0"]
          }
        }
    ''')
    [finding] = result.of("DG101")
    assert finding.resource == "aws_security_group.pacs"
    assert (finding.line, finding.end_line) == (5, 10)
    assert finding.ports == [104]


def test_protocol_minus_one_opens_every_port_whatever_the_range_says(scan_tf):
    result = scan_tf('''
        resource "aws_security_group" "pacs" {
          ingress {
            from_port   = 22
            to_port     = 22
            protocol    = "-1"
            cidr_blocks = ["0.0.0.0/0"]
          }
        }
    ''')
    ports = {port for finding in result.of("DG101") for port in finding.ports}
    assert {104, 11112, 4242, 8042, 2762} <= ports


def test_ipv6_world_is_exposure_and_egress_never_counts(scan_tf):
    result = scan_tf('''
        resource "aws_security_group" "pacs" {
          ingress {
            from_port        = 8042
            to_port          = 8042
            protocol         = "tcp"
            ipv6_cidr_blocks = ["::/0"]
          }
          egress {
            from_port   = 0
            to_port     = 0
            protocol    = "-1"
            cidr_blocks = ["0.0.0.0/0"]
          }
        }
    ''')
    [finding] = result.of("DG101")
    assert finding.ports == [8042]
    assert "::/0" in finding.message


def test_standalone_rule_is_reported_not_the_group_it_attaches_to(scan_tf):
    result = scan_tf('''
        resource "aws_security_group" "pacs" {
          name = "pacs"
        }

        resource "aws_security_group_rule" "dicom" {
          type              = "ingress"
          from_port         = 11112
          to_port           = 11112
          protocol          = "tcp"
          cidr_blocks       = ["0.0.0.0/0"]
          security_group_id = aws_security_group.pacs.id
        }

        resource "aws_security_group_rule" "out" {
          type              = "egress"
          from_port         = 0
          to_port           = 65535
          protocol          = "tcp"
          cidr_blocks       = ["0.0.0.0/0"]
          security_group_id = aws_security_group.pacs.id
        }
    ''')
    assert result.resources("DG101") == {"aws_security_group_rule.dicom"}
    [finding] = result.of("DG101")
    assert finding.line == 6


def test_vpc_ingress_rule_and_private_sources(scan_tf):
    result = scan_tf('''
        resource "aws_vpc_security_group_ingress_rule" "world" {
          security_group_id = "sg-0123"
          cidr_ipv4         = "0.0.0.0/0"
          ip_protocol       = "tcp"
          from_port         = 4242
          to_port           = 4242
        }

        resource "aws_vpc_security_group_ingress_rule" "modalities" {
          security_group_id = "sg-0123"
          cidr_ipv4         = "10.40.8.0/22"
          ip_protocol       = "tcp"
          from_port         = 104
          to_port           = 104
        }
    ''')
    assert result.resources("DG101") == {"aws_vpc_security_group_ingress_rule.world"}


def test_source_from_a_variable_without_value_is_unresolved(scan_tf):
    result = scan_tf('''
        variable "dicom_sources" {
          type = list(string)
        }

        resource "aws_security_group" "pacs" {
          ingress {
            from_port   = 104
            to_port     = 104
            protocol    = "tcp"
            cidr_blocks = var.dicom_sources
          }
        }
    ''')
    assert not result.of("DG101")
    assert result.resources("DG101", "unresolved") == {"aws_security_group.pacs"}


def test_internet_facing_load_balancer_listener_on_a_dicom_port(scan_tf):
    result = scan_tf('''
        resource "aws_lb" "public" {
          load_balancer_type = "network"
          internal           = false
        }

        resource "aws_lb" "inside" {
          load_balancer_type = "network"
          internal           = true
        }

        resource "aws_lb_listener" "dicom" {
          load_balancer_arn = aws_lb.public.arn
          port              = 104
          protocol          = "TCP"
        }

        resource "aws_lb_listener" "internal_dicom" {
          load_balancer_arn = aws_lb.inside.arn
          port              = 104
          protocol          = "TCP"
        }
    ''')
    assert result.resources("DG101") == {"aws_lb_listener.dicom"}


def test_block_devices_without_encryption(scan_tf):
    result = scan_tf('''
        resource "aws_ebs_volume" "images" {
          availability_zone = "eu-west-1a"
          size              = 500
        }

        resource "aws_ebs_volume" "encrypted" {
          availability_zone = "eu-west-1a"
          size              = 500
          encrypted         = true
        }

        resource "aws_instance" "orthanc" {
          ami           = "ami-0905a3c97561e0b69"
          instance_type = "m6i.large"
        }

        resource "aws_instance" "encrypted_root" {
          ami           = "ami-0905a3c97561e0b69"
          instance_type = "m6i.large"
          root_block_device {
            encrypted = true
          }
        }

        resource "aws_launch_template" "orthanc" {
          block_device_mappings {
            device_name = "/dev/sdf"
            ebs {
              volume_size = 100
              encrypted   = "false"
            }
          }
        }
    ''')
    assert result.resources("DG201") == {
        "aws_ebs_volume.images", "aws_instance.orthanc", "aws_launch_template.orthanc"}


def test_ebs_encryption_by_default_encrypts_every_volume(scan_tf):
    result = scan_tf('''
        resource "aws_ebs_encryption_by_default" "this" {
          enabled = true
        }

        resource "aws_ebs_volume" "images" {
          availability_zone = "eu-west-1a"
          size              = 500
        }

        resource "aws_instance" "orthanc" {
          ami           = "ami-0905a3c97561e0b69"
          instance_type = "m6i.large"
        }
    ''')
    assert not result.of("DG201")


def test_databases_and_file_systems(scan_tf):
    result = scan_tf('''
        resource "aws_db_instance" "index" {
          engine              = "postgres"
          instance_class      = "db.t4g.large"
          publicly_accessible = true
        }

        resource "aws_db_instance" "encrypted_by_key" {
          engine         = "postgres"
          instance_class = "db.t4g.large"
          kms_key_id     = "arn:aws:kms:eu-west-1:111122223333:key/abc"
        }

        resource "aws_rds_cluster" "serverless" {
          engine      = "aurora-postgresql"
          engine_mode = "serverless"
        }

        resource "aws_rds_cluster" "provisioned" {
          engine = "aurora-postgresql"
        }

        resource "aws_efs_file_system" "exports" {
          creation_token = "exports"
        }
    ''')
    assert result.resources("DG201") == {
        "aws_db_instance.index", "aws_rds_cluster.provisioned", "aws_efs_file_system.exports"}
    [public] = result.of("DG305")
    assert public.resource == "aws_db_instance.index"
    assert public.line == 5


def test_publicly_accessible_aurora_instance_is_a_public_database(scan_tf):
    result = scan_tf('''
        resource "aws_rds_cluster" "index" {
          engine            = "aurora-postgresql"
          storage_encrypted = true
        }

        resource "aws_rds_cluster_instance" "public" {
          cluster_identifier  = aws_rds_cluster.index.id
          engine              = aws_rds_cluster.index.engine
          instance_class      = "db.r6g.large"
          publicly_accessible = true
        }

        resource "aws_rds_cluster_instance" "private" {
          cluster_identifier = aws_rds_cluster.index.id
          engine             = "aurora-postgresql"
          instance_class     = "db.r6g.large"
        }
    ''')
    [public] = result.of("DG305")
    assert public.resource == "aws_rds_cluster_instance.public"
    assert public.line == 11
    assert not result.of("DG201"), "an Aurora instance's storage is its cluster's"


def test_public_acl_points_at_the_acl_and_names_the_bucket(scan_tf):
    result = scan_tf('''
        resource "aws_s3_bucket" "archive" {
          bucket = "stmary-archive"
        }

        resource "aws_s3_bucket_acl" "archive" {
          bucket = aws_s3_bucket.archive.id
          acl    = "public-read"
        }
    ''')
    [finding] = result.of("DG302")
    assert finding.resource == "aws_s3_bucket_acl.archive"
    [grant] = result.facts.grants
    assert grant["resource"] == "aws_s3_bucket.archive"
    assert not result.of("DG201"), "S3 encrypts every object by default"


def test_public_access_block_neutralises_acls_and_policies(scan_tf):
    result = scan_tf('''
        resource "aws_s3_bucket" "archive" {
          bucket = "stmary-archive"
        }

        resource "aws_s3_bucket_public_access_block" "archive" {
          bucket                  = aws_s3_bucket.archive.id
          block_public_acls       = true
          ignore_public_acls      = true
          block_public_policy     = true
          restrict_public_buckets = true
        }

        resource "aws_s3_bucket_acl" "archive" {
          bucket = aws_s3_bucket.archive.id
          acl    = "public-read-write"
        }

        resource "aws_s3_bucket_policy" "archive" {
          bucket = aws_s3_bucket.archive.id
          policy = <<-EOT
            {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                            "Resource": "arn:aws:s3:::stmary-archive/*"}]}
          EOT
        }
    ''')
    assert not result.of("DG302")


def test_bucket_policy_statements(scan_tf):
    policy = '''
        resource "aws_s3_bucket_policy" "{name}" {{
          bucket = "stmary-archive"
          policy = <<-EOT
            {{"Statement": [{statement}]}}
          EOT
        }}
    '''
    statements = {
        "anyone": '{"Effect": "Allow", "Principal": {"AWS": ["*"]}, "Action": "s3:GetObject"}',
        "not_equals": '{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", '
                      '"Condition": {"ArnNotEquals": {"aws:PrincipalArn": '
                      '"arn:aws:iam::111122223333:role/x"}}}',
        "vpc_endpoint": '{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", '
                        '"Condition": {"StringEquals": {"aws:SourceVpce": "vpce-0123"}}}',
        "deny": '{"Effect": "Deny", "Principal": "*", "Action": "s3:*", '
                '"Condition": {"Bool": {"aws:SecureTransport": "false"}}}',
        "role": '{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, '
                '"Action": "s3:GetObject"}',
    }
    text = "".join(policy.format(name=name, statement=statement)
                   for name, statement in statements.items())
    result = scan_tf(text)
    assert result.resources("DG302") == {
        "aws_s3_bucket_policy.anyone", "aws_s3_bucket_policy.not_equals"}


def test_policy_document_data_source_with_principal_star(scan_tf):
    result = scan_tf('''
        data "aws_iam_policy_document" "archive" {
          statement {
            actions   = ["s3:GetObject"]
            resources = ["arn:aws:s3:::stmary-archive/*"]
            principals {
              type        = "*"
              identifiers = ["*"]
            }
          }
        }

        resource "aws_s3_bucket_policy" "archive" {
          bucket = "stmary-archive"
          policy = data.aws_iam_policy_document.archive.json
        }
    ''')
    assert result.resources("DG302") == {"aws_s3_bucket_policy.archive"}


def test_healthimaging_is_encrypted_and_has_no_public_endpoint(scan_tf):
    result = scan_tf('''
        resource "aws_medicalimaging_datastore" "studies" {
          datastore_name = "studies"
        }
    ''')
    assert not result.findings
    [store] = result.facts.storage
    assert store["kind"] == "dicom_store" and store["encrypted"] is True


def test_rules_from_an_unknown_expression_are_unresolved_not_safe(scan_tf):
    result = scan_tf('''
        variable "rules" {
          type = list(object({ port = number, cidr = string }))
        }

        resource "aws_security_group" "attribute" {
          ingress = var.rules
        }

        resource "aws_security_group" "dynamic" {
          dynamic "ingress" {
            for_each = var.rules
            content {
              from_port   = ingress.value.port
              to_port     = ingress.value.port
              protocol    = "tcp"
              cidr_blocks = [ingress.value.cidr]
            }
          }
        }
    ''')
    assert not result.of("DG101")
    assert result.resources("DG101", "unresolved") == {
        "aws_security_group.attribute", "aws_security_group.dynamic"}


def test_rules_from_variables_and_dynamic_blocks_are_evaluated(scan_tf):
    result = scan_tf('''
        variable "dicom_port" {
          type    = number
          default = "104"
        }

        locals {
          rules = {
            dicom = { port = var.dicom_port, cidrs = ["0.0.0.0/0"] }
            web   = { port = 8042, cidrs = ["10.90.0.0/16"] }
          }
        }

        resource "aws_security_group" "pacs" {
          dynamic "ingress" {
            for_each = local.rules
            content {
              from_port   = ingress.value.port
              to_port     = ingress.value.port
              protocol    = "tcp"
              cidr_blocks = ingress.value.cidrs
            }
          }
        }
    ''')
    [finding] = result.of("DG101")
    assert finding.ports == [104]
    assert not result.of("DG101", "unresolved")


def test_plan_json_is_adapted_like_configuration(scan_tf):
    result = scan_tf(**{"plan__json": '''
        {
          "format_version": "1.2",
          "terraform_version": "1.9.5",
          "planned_values": {"root_module": {"resources": [{
            "address": "aws_security_group_rule.dicom",
            "mode": "managed",
            "type": "aws_security_group_rule",
            "name": "dicom",
            "values": {"type": "ingress", "from_port": 104, "to_port": 104,
                       "protocol": "tcp", "cidr_blocks": ["0.0.0.0/0"],
                       "security_group_id": "sg-0123"}
          }]}}
        }
    '''})
    [finding] = result.of("DG101")
    assert finding.resource == "aws_security_group_rule.dicom"
    assert finding.file.endswith("plan.json")


def test_legacy_inline_bucket_acl_grant_and_policy(scan_tf):
    result = scan_tf('''
        resource "aws_s3_bucket" "acl" {
          bucket = "stmary-acl"
          acl    = "authenticated-read"
        }

        resource "aws_s3_bucket" "grant" {
          bucket = "stmary-grant"
          grant {
            type        = "Group"
            uri         = "http://acs.amazonaws.com/groups/global/AllUsers"
            permissions = ["READ"]
          }
        }

        resource "aws_s3_bucket" "policy" {
          bucket = "stmary-policy"
          policy = jsonencode({
            Statement = [{
              Effect    = "Allow"
              Principal = "*"
              Action    = ["s3:GetObject", "s3:PutObject"]
              Resource  = "arn:aws:s3:::stmary-policy/*"
            }]
          })
        }

        resource "aws_s3_bucket" "private" {
          bucket = "stmary-private"
          acl    = "private"
        }
    ''')
    assert result.resources("DG302") == {
        "aws_s3_bucket.acl", "aws_s3_bucket.grant", "aws_s3_bucket.policy"}
    [policy] = [finding for finding in result.of("DG302")
                if finding.resource == "aws_s3_bucket.policy"]
    assert "read and write" in policy.message


def test_account_public_access_block_covers_every_bucket(scan_tf):
    result = scan_tf('''
        resource "aws_s3_account_public_access_block" "account" {
          ignore_public_acls      = true
          restrict_public_buckets = true
        }

        resource "aws_s3_bucket" "archive" {
          bucket = "stmary-archive"
          acl    = "public-read"
        }
    ''')
    assert not result.of("DG302")


def test_classic_load_balancer_without_security_groups(scan_tf):
    """Both the DICOM listener and the HTTPS listener that forwards to Orthanc's 8042."""
    result = scan_tf('''
        resource "aws_elb" "pacs" {
          availability_zones = ["eu-west-1a"]
          listener {
            lb_port           = 11112
            lb_protocol       = "tcp"
            instance_port     = 11112
            instance_protocol = "tcp"
          }
          listener {
            lb_port           = 443
            lb_protocol       = "https"
            instance_port     = 8042
            instance_protocol = "http"
          }
        }
    ''')
    assert sorted(finding.ports for finding in result.of("DG101")) == [[8042], [11112]]


def test_an_explicit_setting_is_what_the_finding_points_at(scan_tf):
    result = scan_tf('''
        resource "aws_db_instance" "index" {
          engine            = "postgres"
          instance_class    = "db.t4g.large"
          storage_encrypted = false
        }
    ''')
    [finding] = result.of("DG201")
    assert finding.line == 5


def test_managed_prefix_lists_admit_their_entries(scan_tf):
    result = scan_tf('''
        resource "aws_ec2_managed_prefix_list" "partners" {
          name           = "teleradiology-partners"
          address_family = "IPv4"
          max_entries    = 5
          entry {
            cidr        = "0.0.0.0/0"
            description = "temporary, for the migration"
          }
        }

        resource "aws_ec2_managed_prefix_list" "modalities" {
          name           = "modalities"
          address_family = "IPv4"
          max_entries    = 5
          entry {
            cidr = "10.40.8.0/22"
          }
        }

        resource "aws_ec2_managed_prefix_list_entry" "vendor_support" {
          prefix_list_id = aws_ec2_managed_prefix_list.modalities.id
          cidr           = "198.51.100.7/32"
        }

        resource "aws_vpc_security_group_ingress_rule" "partners" {
          security_group_id = "sg-0123"
          prefix_list_id    = aws_ec2_managed_prefix_list.partners.id
          ip_protocol       = "tcp"
          from_port         = 104
          to_port           = 104
        }

        resource "aws_security_group_rule" "modalities" {
          type              = "ingress"
          security_group_id = "sg-0123"
          prefix_list_ids   = [aws_ec2_managed_prefix_list.modalities.id, "pl-6da54004"]
          protocol          = "tcp"
          from_port         = 104
          to_port           = 104
        }
    ''')
    assert result.resources("DG101") == {"aws_vpc_security_group_ingress_rule.partners"}


ALB = '''
    resource "aws_security_group" "alb" {{
      name = "alb"
      ingress {{
        from_port   = 443
        to_port     = 443
        protocol    = "tcp"
        cidr_blocks = ["{source}"]
      }}
    }}

    resource "aws_lb" "viewer" {{
      load_balancer_type = "application"
      internal           = false
      security_groups    = [aws_security_group.alb.id]
    }}

    resource "aws_lb_target_group" "orthanc" {{
      port     = 8042
      protocol = "HTTP"
      vpc_id   = "vpc-0123"
    }}

    resource "aws_lb_listener" "https" {{
      load_balancer_arn = aws_lb.viewer.arn
      port              = 443
      protocol          = "HTTPS"
      default_action {{
        type             = "forward"
        target_group_arn = aws_lb_target_group.orthanc.arn
      }}
    }}
'''


@pytest.mark.parametrize(("source", "exposed"), [("0.0.0.0/0", True), ("10.90.0.0/16", False)])
def test_load_balancer_forwarding_to_orthanc_through_its_security_group(scan_tf, source, exposed):
    result = scan_tf(ALB.format(source=source))
    findings = result.of("DG101")
    assert bool(findings) is exposed
    if exposed:
        [finding] = findings
        assert finding.resource == "aws_lb_listener.https"
        assert finding.ports == [8042]
        assert "forwards to port 8042" in finding.path


def test_policy_documents_merged_from_sources_and_overrides(scan_tf):
    """registry.terraform.io/providers/hashicorp/aws/latest/docs/data-sources/iam_policy_document:
    statements with the Sid of an earlier one replace it."""
    result = scan_tf('''
        data "aws_iam_policy_document" "public_read" {
          statement {
            sid       = "Read"
            actions   = ["s3:GetObject"]
            resources = ["arn:aws:s3:::stmary-archive/*"]
            principals {
              type        = "*"
              identifiers = ["*"]
            }
          }
        }

        data "aws_iam_policy_document" "partner_read" {
          statement {
            sid       = "Read"
            actions   = ["s3:GetObject"]
            resources = ["arn:aws:s3:::stmary-archive/*"]
            principals {
              type        = "AWS"
              identifiers = ["arn:aws:iam::111122223333:role/partner"]
            }
          }
        }

        data "aws_iam_policy_document" "combined" {
          source_policy_documents = [data.aws_iam_policy_document.public_read.json]
        }

        data "aws_iam_policy_document" "overridden" {
          source_policy_documents   = [data.aws_iam_policy_document.public_read.json]
          override_policy_documents = [data.aws_iam_policy_document.partner_read.json]
        }

        resource "aws_s3_bucket_policy" "combined" {
          bucket = "stmary-archive"
          policy = data.aws_iam_policy_document.combined.json
        }

        resource "aws_s3_bucket_policy" "overridden" {
          bucket = "stmary-archive"
          policy = data.aws_iam_policy_document.overridden.json
        }
    ''')
    assert result.resources("DG302") == {"aws_s3_bucket_policy.combined"}
    assert not result.of("DG302", "unresolved")
