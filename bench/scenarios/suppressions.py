"""Many findings, half suppressed inline: the suppression and report path of a scan."""

from pathlib import Path

NAME = "suppressions"
DESCRIPTION = "100 compose stacks, 200 findings, half suppressed inline (reports, suppress)"
STACKS = 100

COMPOSE = """\
services:
  gateway:
    image: nginx:1.27
    ports:
      # dicomguard:ignore DG101 reason="modality VLAN only, reviewed by SecOps" until=2999-12-31
      - "104:104"
      - "11112:11112"
"""


def build(workdir: Path) -> list[str]:
    for n in range(STACKS):
        stack = workdir / f"stack_{n:03}"
        stack.mkdir(exist_ok=True)
        (stack / "docker-compose.yml").write_text(COMPOSE, encoding="utf-8")
    return [str(workdir)]
