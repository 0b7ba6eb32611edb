"""The embedded engine and a real OPA give the same findings on application facts, including
the rules written for them (DG304, DG401)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

from dicomguard.engines import deny_sets
from dicomguard.engines.embedded import EmbeddedEngine
from dicomguard.policies import load_policies
from tests.conftest import EXAMPLES, PROJECT, need, run_cli


def _opa_binary() -> str | None:
    cached = Path.home() / ".cache" / "dicomguard-opa" / "v1.22.3" / "opa"
    return os.environ.get("DICOMGUARD_OPA_BINARY") or shutil.which("opa") or (
        str(cached) if cached.is_file() else None)


def _normalised(denials: dict) -> dict:
    return {package: sorted(json.dumps(entry, sort_keys=True) for entry in entries)
            for package, entries in denials.items() if entries}


def test_embedded_and_opa_agree_on_the_application_examples(tmp_path):
    opa = _opa_binary()
    need(opa is not None, "an OPA binary (.ci/ensure-opa)")
    facts = tmp_path / "facts.json"
    run_cli("scan", "--format", "json", "--dump-facts", str(facts),
            str(EXAMPLES / "compose"), str(EXAMPLES / "kubernetes"))
    document = json.loads(facts.read_text())
    evaluated = subprocess.run(
        [opa, "eval", "--format", "json", "--data", str(PROJECT / "policies"),
         "--input", str(facts), "data.dicomguard.rules"],
        capture_output=True, text=True, timeout=120, check=True)
    value = json.loads(evaluated.stdout)["result"][0]["expressions"][0]["value"]
    from_opa = _normalised(deny_sets(value))
    embedded = _normalised(EmbeddedEngine().evaluate(load_policies(), document))
    assert embedded == from_opa
    assert {"dicomguard.rules.unencrypted_transport", "dicomguard.rules.open_dicom_store"} \
        <= set(embedded)
