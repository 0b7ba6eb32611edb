"""The examples are real Ansible: ansible-playbook accepts them."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib.util import find_spec
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, need

COLLECTIONS = ("ansible.posix", "community.general", "community.docker", "amazon.aws")


@pytest.mark.parametrize("variant", ["insecure", "secure", "nginx-insecure", "nginx-secure"])
def test_the_example_passes_ansible_syntax_check(variant: str, tmp_path: Path) -> None:
    playbook_command = Path(sys.executable).parent / "ansible-playbook"
    need(playbook_command.exists(), "ansible-core is not installed (the test extra has it)")
    for collection in COLLECTIONS:
        need(find_spec(f"ansible_collections.{collection}") is not None,
             f"the {collection} collection is not installed (the test extra has it)")
    example = EXAMPLES / "ansible" / variant
    result = subprocess.run(
        [str(playbook_command), "-i", "inventory/hosts.ini", "--syntax-check", "site.yml"],
        cwd=example, capture_output=True, text=True, timeout=300,
        env={**os.environ, "ANSIBLE_HOME": str(tmp_path), "ANSIBLE_LOCAL_TEMP": str(tmp_path),
             "ANSIBLE_NOCOLOR": "1"})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "playbook: site.yml" in result.stdout
