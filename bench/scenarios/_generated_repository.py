"""A large generated git repository for the hook scenarios: 300 Terraform modules, 100 compose
projects, 100 iptables rule sets and 1,000 files no family reads (docs, scripts), committed, with
one module's variables edited and staged: the commit a developer is about to make."""

import subprocess
from pathlib import Path

MODULES = 300
CHANGED = "modules/m017/variables.tf"

MODULE = """\
resource "aws_security_group" "pacs" {{
  name = "pacs-{index}"
  ingress {{
    from_port   = 104
    to_port     = 104
    protocol    = "tcp"
    cidr_blocks = [var.dicom_cidr]
  }}
}}

resource "aws_ebs_volume" "images" {{
  availability_zone = "eu-west-1a"
  size              = 500
  encrypted         = true
}}
"""
VARIABLES = 'variable "dicom_cidr" {\n  type    = string\n  default = "10.%d.0.0/16"\n}\n'
COMPOSE = 'services:\n  orthanc:\n    image: orthancteam/orthanc:24.1.2\n    ports:\n' \
          '      - "127.0.0.1:4242:4242"\n'
RULES = "*filter\n:INPUT DROP [0:0]\n-A INPUT -s 10.0.0.0/8 -p tcp --dport 104 -j ACCEPT\nCOMMIT\n"


def _git(repository: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.email=bench@example.org", "-c", "user.name=bench", *args],
                   cwd=repository, check=True, capture_output=True)


def build(workdir: Path) -> Path:
    repository = workdir / "repository"
    if (repository / ".git").is_dir():
        return repository
    for index in range(MODULES):
        module = repository / "modules" / f"m{index:03d}"
        module.mkdir(parents=True)
        (module / "main.tf").write_text(MODULE.format(index=index))
        (module / "variables.tf").write_text(VARIABLES % (index % 256))
    for index in range(100):
        project = repository / "compose" / f"site{index:03d}"
        project.mkdir(parents=True)
        (project / "docker-compose.yml").write_text(COMPOSE)
        hosts = repository / "hosts" / f"pacs{index:03d}"
        hosts.mkdir(parents=True)
        (hosts / "rules.v4").write_text(RULES)
    for index in range(1000):
        docs = repository / "docs" / f"part{index // 100}"
        docs.mkdir(parents=True, exist_ok=True)
        (docs / f"page{index:04d}.md").write_text(f"# Page {index}\n\n" + "Text. " * 200)
    _git(repository, "init", "-q")
    _git(repository, "add", ".")
    _git(repository, "commit", "-qm", "infrastructure")
    with (repository / CHANGED).open("a") as variables:
        variables.write("\n# reviewed\n")
    _git(repository, "add", CHANGED)
    return repository
