"""A generated Terraform tree of about 1,500 realistic .tf files (about 3 MB): shared modules
with variables, locals, dynamic blocks, count and for_each, called per region from many
environment roots with tfvars."""

from __future__ import annotations

import random
from pathlib import Path

NAME = "terraform_tree"
DESCRIPTION = "generated tree of ~1,500 .tf files (~3 MB): modules, variables, dynamic blocks"
FILES = 1500  # about: each module has 5 files, each environment 4
MODULE_SHARE = 1 / 2  # of the files, those in shared modules
SEED = 104

MODULE_FILES = {
    "variables.tf": '''\
# Inputs of the {name} module.
variable "name" {{
  description = "Name prefix for every resource of this {kind} deployment"
  type        = string
}}

variable "vpc_id" {{
  description = "VPC the {kind} servers run in"
  type        = string
}}

variable "subnet_ids" {{
  description = "Private subnets for the servers"
  type        = list(string)
  default     = []
}}

variable "dicom_port" {{
  description = "DICOM listener port"
  type        = number
  default     = {port}
}}

variable "allowed_cidrs" {{
  description = "Networks allowed to reach the DICOM port"
  type        = list(string)
  default     = ["10.0.0.0/8"]
}}

variable "instance_count" {{
  type    = number
  default = {count}
}}

variable "instance_type" {{
  type    = string
  default = "m6i.large"
}}

variable "encrypted" {{
  type    = bool
  default = true
}}

variable "tags" {{
  description = "Tags applied to every resource"
  type        = map(string)
  default     = {{}}
}}

variable "retention_days" {{
  description = "How long studies stay in the archive before moving to Glacier"
  type        = number
  default     = 365

  validation {{
    condition     = var.retention_days >= 30
    error_message = "Studies must be kept at least 30 days."
  }}
}}

variable "viewer_port" {{
  description = "Port of the web viewer behind the load balancer"
  type        = number
  default     = 8042
}}

variable "internal" {{
  description = "Whether the load balancer is internal"
  type        = bool
  default     = true
}}

variable "kms_deletion_window" {{
  type    = number
  default = 30
}}
''',
    "network.tf": '''\
locals {{
  ingress_rules = [
    {{ port = var.dicom_port, cidrs = var.allowed_cidrs, description = "DICOM" }},
    {{ port = 443, cidrs = var.allowed_cidrs, description = "HTTPS viewer" }},
    {{ port = 22, cidrs = ["10.{octet}.0.0/16"], description = "SSH from bastion" }},
  ]
}}

resource "aws_security_group" "{kind}" {{
  name_prefix = "${{var.name}}-{kind}-"
  description = "Security group of the {kind} servers"
  vpc_id      = var.vpc_id

  dynamic "ingress" {{
    for_each = local.ingress_rules
    content {{
      description = ingress.value.description
      from_port   = ingress.value.port
      to_port     = ingress.value.port
      protocol    = "tcp"
      cidr_blocks = ingress.value.cidrs
    }}
  }}

  egress {{
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }}

  tags = merge(var.tags, {{ Name = "${{var.name}}-{kind}" }})
}}

resource "aws_lb" "{kind}" {{
  name               = substr("${{var.name}}-{kind}", 0, 32)
  internal           = var.internal
  load_balancer_type = "application"
  security_groups    = [aws_security_group.{kind}.id]
  subnets            = var.subnet_ids

  access_logs {{
    bucket  = aws_s3_bucket.{kind}_archive.bucket
    prefix  = "lb-logs"
    enabled = true
  }}
}}

resource "aws_lb_target_group" "{kind}" {{
  name     = substr("${{var.name}}-{kind}-tg", 0, 32)
  port     = var.viewer_port
  protocol = "HTTP"
  vpc_id   = var.vpc_id

  health_check {{
    path                = "/app/explorer.html"
    healthy_threshold   = 3
    unhealthy_threshold = 3
  }}
}}

resource "aws_lb_listener" "{kind}" {{
  load_balancer_arn = aws_lb.{kind}.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = "ELBSecurityPolicy-TLS13-1-2-2021-06"

  default_action {{
    type             = "forward"
    target_group_arn = aws_lb_target_group.{kind}.arn
  }}
}}

resource "aws_security_group_rule" "{kind}_monitoring" {{
  for_each          = toset(["9100", "9090"])
  type              = "ingress"
  from_port         = tonumber(each.value)
  to_port           = tonumber(each.value)
  protocol          = "tcp"
  cidr_blocks       = [cidrsubnet("10.{octet}.0.0/16", 8, 200)]
  security_group_id = aws_security_group.{kind}.id
}}
''',
    "main.tf": '''\
data "aws_ami" "base" {{
  most_recent = true
  owners      = ["amazon"]
}}

resource "aws_instance" "{kind}" {{
  count                  = var.instance_count
  ami                    = data.aws_ami.base.id
  instance_type          = var.instance_type
  subnet_id              = element(var.subnet_ids, count.index)
  vpc_security_group_ids = [aws_security_group.{kind}.id]

  root_block_device {{
    volume_size = 50
    volume_type = "gp3"
    encrypted   = var.encrypted
  }}

  ebs_block_device {{
    device_name = "/dev/sdf"
    volume_size = {size}
    encrypted   = var.encrypted
  }}

  user_data = <<-EOT
    #!/bin/bash
    echo "${{var.name}}-{kind}-${{count.index}}" > /etc/hostname
    systemctl enable --now {kind}
  EOT

  tags = merge(var.tags, {{ Name = format("%s-{kind}-%02d", var.name, count.index) }})
}}

resource "aws_cloudwatch_metric_alarm" "{kind}_cpu" {{
  count               = var.instance_count
  alarm_name          = "${{var.name}}-{kind}-${{count.index}}-cpu"
  comparison_operator = "GreaterThanThreshold"
  evaluation_periods  = 3
  metric_name         = "CPUUtilization"
  namespace           = "AWS/EC2"
  period              = 300
  statistic           = "Average"
  threshold           = 85
  alarm_description   = "CPU of ${{var.name}} {kind} server ${{count.index}} above 85% for 15 min"
  dimensions = {{
    InstanceId = aws_instance.{kind}[count.index].id
  }}
}}

resource "aws_iam_role" "{kind}" {{
  name = "${{var.name}}-{kind}"
  assume_role_policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [{{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = {{ Service = "ec2.amazonaws.com" }}
    }}]
  }})
}}

resource "aws_iam_role_policy" "{kind}_archive" {{
  name = "archive-access"
  role = aws_iam_role.{kind}.id
  policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [
      {{
        Effect   = "Allow"
        Action   = ["s3:GetObject", "s3:PutObject", "s3:ListBucket"]
        Resource = [aws_s3_bucket.{kind}_archive.arn, "${{aws_s3_bucket.{kind}_archive.arn}}/*"]
      }},
      {{
        Effect   = "Allow"
        Action   = ["kms:Decrypt", "kms:GenerateDataKey"]
        Resource = [aws_kms_key.{kind}.arn]
      }},
    ]
  }})
}}

resource "aws_iam_instance_profile" "{kind}" {{
  name = "${{var.name}}-{kind}"
  role = aws_iam_role.{kind}.name
}}
''',
    "storage.tf": '''\
resource "aws_ebs_volume" "{kind}_cache" {{
  count             = var.instance_count
  availability_zone = "eu-west-1${{substr("abc", count.index % 3, 1)}}"
  size              = {size}
  encrypted         = var.encrypted
  tags              = var.tags
}}

resource "aws_s3_bucket" "{kind}_archive" {{
  bucket = lower("${{var.name}}-{kind}-archive")
  tags   = var.tags
}}

resource "aws_s3_bucket_server_side_encryption_configuration" "{kind}_archive" {{
  bucket = aws_s3_bucket.{kind}_archive.id
  rule {{
    apply_server_side_encryption_by_default {{
      sse_algorithm = var.encrypted ? "aws:kms" : "AES256"
    }}
  }}
}}

resource "aws_kms_key" "{kind}" {{
  description             = "Key for the {kind} archive and index of ${{var.name}}"
  deletion_window_in_days = var.kms_deletion_window
  enable_key_rotation     = true
}}

resource "aws_s3_bucket_public_access_block" "{kind}_archive" {{
  bucket                  = aws_s3_bucket.{kind}_archive.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}}

resource "aws_s3_bucket_lifecycle_configuration" "{kind}_archive" {{
  bucket = aws_s3_bucket.{kind}_archive.id
  rule {{
    id     = "to-glacier"
    status = "Enabled"
    transition {{
      days          = var.retention_days
      storage_class = "GLACIER"
    }}
  }}
}}

resource "aws_db_instance" "{kind}_index" {{
  identifier          = "${{var.name}}-{kind}-index"
  engine              = "postgres"
  instance_class      = "db.t3.medium"
  allocated_storage   = 100
  storage_encrypted   = var.encrypted
  publicly_accessible = false
  skip_final_snapshot = true
  tags                = var.tags
}}
''',
    "outputs.tf": '''\
output "security_group_id" {{
  description = "Security group of the {kind} servers"
  value       = aws_security_group.{kind}.id
}}

output "instance_ids" {{
  value = aws_instance.{kind}[*].id
}}

output "archive_bucket" {{
  value = aws_s3_bucket.{kind}_archive.bucket
}}

output "dicom_port" {{
  description = "Port the DICOM listener accepts associations on"
  value       = var.dicom_port
}}

output "load_balancer_dns" {{
  description = "DNS name of the viewer load balancer"
  value       = aws_lb.{kind}.dns_name
}}

output "index_endpoint" {{
  description = "Endpoint of the study index database"
  value       = aws_db_instance.{kind}_index.endpoint
  sensitive   = true
}}

output "kms_key_arn" {{
  value = aws_kms_key.{kind}.arn
}}
''',
}

ROOT_FILES = {
    "providers.tf": '''\
terraform {{
  required_version = ">= 1.5"
  required_providers {{
    aws = {{
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }}
  }}
}}

provider "aws" {{
  region = var.region
  default_tags {{
    tags = local.common_tags
  }}
}}
''',
    "variables.tf": '''\
variable "region" {{
  type    = string
  default = "eu-west-1"
}}

variable "environment" {{
  type = string
}}

variable "vpc_id" {{
  type    = string
  default = "vpc-{octet:04x}"
}}

variable "partner_cidrs" {{
  type    = list(string)
  default = []
}}

variable "sites" {{
  type = map(object({{
    port  = number
    count = optional(number, 1)
  }}))
  default = {{
    north = {{ port = 104 }}
    south = {{ port = 11112, count = 2 }}
  }}
}}
''',
    "locals.tf": '''\
locals {{
  name = "${{var.environment}}-{env}"
  common_tags = {{
    Environment = var.environment
    Owner       = "radiology-it"
    CostCenter  = "{octet}"
  }}
  subnets = [for index in range(3) : cidrsubnet("10.{octet}.0.0/16", 8, index)]
  allowed = concat(["10.{octet}.0.0/16"], var.partner_cidrs)
}}
''',
    "main.tf": '''\
# Site {env}: network, bastion and the imaging modules per site.
resource "aws_vpc" "main" {{
  cidr_block           = "10.{octet}.0.0/16"
  enable_dns_hostnames = true
  tags                 = merge(local.common_tags, {{ Name = local.name }})
}}

resource "aws_subnet" "private" {{
  count             = length(local.subnets)
  vpc_id            = aws_vpc.main.id
  cidr_block        = local.subnets[count.index]
  availability_zone = "${{var.region}}${{element(["a", "b", "c"], count.index)}}"
  tags              = merge(local.common_tags, {{ Tier = "private" }})
}}

resource "aws_security_group" "bastion" {{
  name        = "${{local.name}}-bastion"
  description = "SSH bastion of the site"
  vpc_id      = aws_vpc.main.id

  dynamic "ingress" {{
    for_each = {{ for cidr in var.partner_cidrs : cidr => 22 }}
    content {{
      from_port   = ingress.value
      to_port     = ingress.value
      protocol    = "tcp"
      cidr_blocks = [ingress.key]
      description = "SSH from partner ${{ingress.key}}"
    }}
  }}

  egress {{
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }}
}}

resource "aws_ebs_encryption_by_default" "site" {{
  enabled = true
}}

resource "aws_cloudwatch_log_group" "audit" {{
  name              = "/dicom/${{local.name}}/audit"
  retention_in_days = var.environment == "prod" ? 2557 : 90
  kms_key_id        = null
}}

{calls}
output "ports" {{
  value = {{ for site, settings in var.sites : site => settings.port }}
}}
''',
}

CALL = '''\
module "{call}" {{
  source         = "../../modules/{module}"
  for_each       = var.sites
  name           = "${{local.name}}-${{each.key}}"
  vpc_id         = aws_vpc.main.id
  subnet_ids     = aws_subnet.private[*].id
  dicom_port     = each.value.port
  allowed_cidrs  = local.allowed
  instance_count = each.value.count
  tags           = local.common_tags
}}

'''

KINDS = ("pacs", "orthanc", "dcm4chee", "router", "viewer", "gateway")


def build(workdir: Path, files: int = FILES) -> list[str]:
    """Write the tree under workdir (once) and return the path to scan."""
    tree = workdir / f"tree-{files}"
    if (tree / ".complete").exists():
        return [str(tree)]
    chooser = random.Random(SEED)
    module_count = max(1, round(files * MODULE_SHARE / len(MODULE_FILES)))
    environment_count = max(1, round((files - module_count * len(MODULE_FILES))
                                     / len(ROOT_FILES)))
    modules = []
    for index in range(module_count):
        kind = KINDS[index % len(KINDS)]
        name = f"{kind}-{index:03d}"
        modules.append(name)
        values = {"name": name, "kind": kind.replace("-", "_"), "port": 104,
                  "count": 1 + index % 2, "octet": index % 250, "size": 100 * (1 + index % 5)}
        _write(tree / "modules" / name, MODULE_FILES, values)
    for index in range(environment_count):
        called = sorted({modules[(4 * index + offset) % len(modules)] for offset in range(4)})
        calls = "".join(CALL.format(call=module.replace("-", "_"), module=module)
                        for module in called)
        environment = f"site-{index:04d}"
        _write(tree / "live" / environment, ROOT_FILES,
               {"env": environment, "octet": index % 250, "calls": calls})
        (tree / "live" / environment / "terraform.tfvars").write_text(
            f'environment = "{chooser.choice(["prod", "staging", "dev"])}"\n'
            f'partner_cidrs = ["198.51.100.{index % 250}/32"]\n', encoding="utf-8")
    (tree / ".complete").write_text("", encoding="utf-8")
    return [str(tree)]


HEADER = """\
# -----------------------------------------------------------------------------------------
# {path}
#
# Managed by the radiology platform team. Changes go through a merge request reviewed by
# the imaging infrastructure owners and the information security office; the pipeline runs
# terraform fmt, validate, the compliance gate and a plan before anything is applied.
#
# Patient data rules: DICOM and HL7 ports stay on private networks, every volume, bucket and
# database holding studies or their index is encrypted with a customer-managed key, and no
# viewer or archive endpoint is reachable without authentication.
# -----------------------------------------------------------------------------------------

"""


def _write(directory: Path, templates: dict[str, str], values: dict[str, object]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for file_name, template in templates.items():
        text = HEADER.format(path=f"{directory.parent.name}/{directory.name}/{file_name}")
        (directory / file_name).write_text(text + template.format(**values), encoding="utf-8")
