"""A large generated Terraform tree: many modules, each with exposed, private and encrypted
resources, so every engine has thousands of facts to evaluate."""

from pathlib import Path

NAME = "large_generated"
DESCRIPTION = "generated Terraform tree: 250 modules, 500 files, ~2,000 resources"
MODULES = 250

MODULE = """\
resource "aws_security_group" "pacs_{index}" {{
  name = "pacs-{index}"
  ingress {{
    from_port   = 104
    to_port     = 104
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }}
  ingress {{
    from_port   = 8042
    to_port     = 8042
    protocol    = "tcp"
    cidr_blocks = [var.office_cidr]
  }}
}}

resource "aws_security_group_rule" "all_{index}" {{
  type              = "ingress"
  from_port         = 0
  to_port           = 65535
  protocol          = "-1"
  cidr_blocks       = ["10.{octet}.0.0/16"]
  security_group_id = aws_security_group.pacs_{index}.id
}}

resource "aws_ebs_volume" "images_{index}" {{
  availability_zone = "eu-west-1a"
  size              = 500
  encrypted         = {encrypted}
}}

resource "aws_db_instance" "index_{index}" {{
  engine            = "postgres"
  instance_class    = "db.t3.medium"
  storage_encrypted = true
}}
"""

VARIABLES = """\
variable "office_cidr" {
  type    = string
  default = "192.168.10.0/24"
}
"""


def build(workdir: Path) -> list[str]:
    tree = workdir / "tree"
    if not (tree / f"module_{MODULES - 1:03d}" / "variables.tf").is_file():
        for index in range(MODULES):
            module = tree / f"module_{index:03d}"
            module.mkdir(parents=True, exist_ok=True)
            (module / "main.tf").write_text(MODULE.format(
                index=index, octet=index % 256,
                encrypted="true" if index % 2 else "false"), encoding="utf-8")
            (module / "variables.tf").write_text(VARIABLES, encoding="utf-8")
    return [str(tree)]
