"""Rewrite checker/dicomguard/data/policy_metadata.json from the built-in policies.

    python tools/policy_metadata_index.py

Run it after changing a built-in rule's METADATA block (tests/policies/test_metadata_index.py
says when): until then that rule's block is read as YAML at every scan, which is correct, only
slower.
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from dicomguard.policy_metadata import INDEX, index_document, metadata_block

PROJECT = Path(__file__).resolve().parent.parent
POLICIES = PROJECT / "policies"


def builtin_blocks() -> list[str]:
    blocks = (metadata_block(path.read_text(encoding="utf-8"))
              for path in sorted(POLICIES.rglob("*.rego")) if not path.name.endswith("_test.rego"))
    return [block for block in blocks if block is not None]


def index_text() -> str:
    document = index_document(builtin_blocks(), yaml.safe_load)
    return json.dumps(document, indent=1, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    (PROJECT / "checker" / "dicomguard" / INDEX).write_text(index_text(), encoding="utf-8")
