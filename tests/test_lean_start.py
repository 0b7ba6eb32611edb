"""A pre-commit scan of a few Terraform files loads only what reading Terraform needs: no YAML
parser, no gitignore matcher without patterns, nothing of the other families, and neither
dataclasses nor inspect (records.py builds the value classes; pkgutil's listing of modules
imports inspect)."""

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
    "dataclasses", "inspect", "pkgutil",
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


# Runs the command line with an audit hook that records every program the process starts.
SCAN_AND_LIST_PROGRAMS = """
import json, runpy, sys
listing = sys.argv.pop(1)
started = []
def record(event, arguments):
    if event in ("subprocess.Popen", "os.exec", "os.posix_spawn", "os.spawn", "os.system"):
        started.append(repr(arguments)[:200])
sys.addaudithook(record)
sys.argv[0] = "dicomguard"
try:
    runpy.run_module("dicomguard", run_name="__main__")
except SystemExit:
    pass
with open(listing, "w") as handle:
    json.dump(started, handle)
"""


def test_a_small_scan_starts_no_other_program(tmp_path: Path) -> None:
    """The embedded engine runs in the scan's process: no child process, not even the `uname`
    that Python runs to name the processor when it is asked for the system's name."""
    listing = tmp_path / "programs.json"
    completed = subprocess.run(
        [sys.executable, "-c", SCAN_AND_LIST_PROGRAMS, str(listing), "scan",
         "examples/terraform/insecure-pacs", "--format", "json", "-o", str(tmp_path / "r.json")],
        cwd=PROJECT, env={**os.environ, "NO_COLOR": "1"}, capture_output=True, text=True,
        timeout=300)
    assert json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["findings"], \
        completed.stderr
    assert json.loads(listing.read_text(encoding="utf-8")) == []
