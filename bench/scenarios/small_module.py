"""The pre-commit case: one small Terraform module. Budget: 0.3 s wall median."""

from pathlib import Path

NAME = "small_module"
DESCRIPTION = "one small Terraform module (examples/terraform/secure-pacs), the pre-commit case"


def build(workdir: Path) -> list[str]:
    module = Path(__file__).resolve().parents[2] / "examples" / "terraform" / "secure-pacs"
    return [str(module)] if module.is_dir() else []
