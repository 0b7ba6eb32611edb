"""A pre-commit scan of a few Terraform files loads only what reading Terraform needs: no YAML
parser, no gitignore matcher without patterns, nothing of the other families."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import PROJECT

# Runs the command line as `python -m dicomguard` does, then lists the modules it imported.
SCAN_AND_LIST_MODULES = """
import json, runpy, sys
listing = sys.argv.pop(1)
sys.argv[0] = "dicomguard"
try:
    runpy.run_module("dicomguard", run_name="__main__")
except SystemExit as exit_request:
    code = exit_request.code
else:
    code = 0
with open(listing, "w") as handle:
    json.dump({"exit": code, "modules": sorted(sys.modules)}, handle)
"""

NOT_FOR_TERRAFORM = (
    "yaml", "pathspec", "dicomguard.workers",
    "dicomguard.firewall.detect", "dicomguard.firewall.collect",
    "dicomguard.apps.detect", "dicomguard.apps.collect",
    "dicomguard.ansible.detect", "dicomguard.ansible.collect",
    "dicomguard.terraform.adapters.azure", "dicomguard.terraform.adapters.gcp",
)


def test_a_terraform_only_scan_loads_nothing_it_does_not_use(tmp_path: Path) -> None:
    listing = tmp_path / "modules.json"
    environment = {**os.environ, "NO_COLOR": "1"}
    completed = subprocess.run(
        [sys.executable, "-c", SCAN_AND_LIST_MODULES, str(listing), "scan",
         "examples/terraform/secure-pacs", "--format", "json", "-o", str(tmp_path / "r.json")],
        cwd=PROJECT, env=environment, capture_output=True, text=True, timeout=300)

    result = json.loads(listing.read_text(encoding="utf-8"))
    assert result["exit"] == 0, completed.stderr
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert report["summary"]["files_scanned"] == 7
    loaded = set(result["modules"])
    assert "dicomguard.terraform.collect" in loaded
    assert [name for name in NOT_FOR_TERRAFORM if name in loaded] == []
