"""The built-in rules' METADATA shipped already read: current, and never applied to other text."""

from __future__ import annotations

import json
import runpy
from pathlib import Path

from dicomguard.policy_metadata import INDEX
from tests.conftest import PROJECT, run_cli

SHIPPED = PROJECT / "checker" / "dicomguard" / INDEX


def test_the_shipped_metadata_is_that_of_the_builtin_rules() -> None:
    tool = runpy.run_path(str(PROJECT / "tools" / "policy_metadata_index.py"))
    assert SHIPPED.read_text(encoding="utf-8") == tool["index_text"](), (
        "a built-in rule's METADATA changed: run python tools/policy_metadata_index.py")
    rules = [path for path in (PROJECT / "policies").glob("*.rego")
             if not path.name.endswith("_test.rego")]
    assert len(json.loads(SHIPPED.read_text(encoding="utf-8"))["blocks"]) == len(rules)


def test_a_user_rule_edited_from_a_builtin_one_shows_its_own_metadata(tmp_path: Path) -> None:
    source = (PROJECT / "policies" / "exposed_dicom_port.rego").read_text(encoding="utf-8")
    edited = (source.replace("package dicomguard.rules.", "package dicomguard.rules.mine_", 1)
              .replace("id: DG101", "id: DG901", 1)
              .replace("# title: ", "# title: Mine - ", 1))
    assert edited.count("DG901") == 1 and "Mine - " in edited
    (tmp_path / "mine.rego").write_text(edited, encoding="utf-8")

    shown = run_cli("policies", "show", "DG901", "--policy", str(tmp_path))

    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith("DG901  Mine - ")
