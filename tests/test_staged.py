"""`dicomguard scan --staged`: the pre-commit hook judges what is committed, with its context."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.conftest import run_cli

SECURITY_GROUP = """\
variable "dicom_cidr" {
  type    = string
  default = "10.0.0.0/8"
}

resource "aws_security_group" "pacs" {
  name = "pacs"
  ingress {
    from_port   = 104
    to_port     = 104
    protocol    = "tcp"
    cidr_blocks = [var.dicom_cidr]
  }
}
"""
OPEN_TFVARS = 'dicom_cidr = "0.0.0.0/0"\n'
OPEN_COMPOSE = 'services:\n  gateway:\n    image: nginx:1.27\n    ports:\n      - "104:104"\n'
CLOSED_COMPOSE = 'services:\n  gateway:\n    image: nginx:1.27\n'


def _rule_ids(result: subprocess.CompletedProcess[str]) -> list[tuple[str, str]]:
    assert result.stdout, result.stderr
    report = json.loads(result.stdout)
    return sorted((finding["rule_id"], finding["file"])
                  for finding in report["findings"])


def test_a_terraform_file_on_the_command_line_is_read_with_its_module(tmp_path: Path) -> None:
    module = tmp_path / "mod"
    module.mkdir()
    (module / "sg.tf").write_text(SECURITY_GROUP)
    (module / "terraform.tfvars").write_text(OPEN_TFVARS)
    result = run_cli("scan", "--format", "json", "mod/sg.tf", cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert ("DG101", "mod/sg.tf") in _rule_ids(result)
