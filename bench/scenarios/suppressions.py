"""A module where most findings are suppressed inline: the suppression and report path."""

from pathlib import Path

NAME = "suppressions"
DESCRIPTION = "100 Terraform files, 200 findings, half suppressed inline (reports, suppress)"
FILES = 100

RESOURCES = """\
# dicomguard:ignore DG101 reason="reachable only through the site VPN" until=2999-12-31
resource "aws_security_group" "pacs_{n}" {{
  name = "pacs-{n}"
  ingress {{
    from_port   = 104
    to_port     = 104
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }}
}}

resource "aws_ebs_volume" "images_{n}" {{
  availability_zone = "eu-west-1a"
  size              = 500
  encrypted         = false
}}
"""


def build(workdir: Path) -> list[str]:
    module = workdir / "module"
    module.mkdir(exist_ok=True)
    for n in range(FILES):
        (module / f"pacs_{n:03}.tf").write_text(RESOURCES.format(n=n), encoding="utf-8")
    return [str(module)]
