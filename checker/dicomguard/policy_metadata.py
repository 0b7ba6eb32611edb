"""The METADATA block of a Rego module, and the built-in rules' blocks kept already read.

OPA reads the YAML of a module's first `# METADATA` comment block. Reading YAML costs a scan more
than the rest of loading the policies, so the blocks of the built-in rules are also shipped read,
as JSON in data/policy_metadata.json, keyed by the block's whole text: only a block with exactly
that text gets the stored value, so a user's policy or an edited built-in one is always read as
YAML. tools/policy_metadata_index.py writes the file; a test keeps it current.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Iterable
from functools import cache
from typing import Any

from dicomguard.shipped import shipped_text

INDEX = "data/policy_metadata.json"

_METADATA_START = re.compile(r"^#\s*METADATA\s*$")


def metadata_block(source: str) -> str | None:
    """The text of the first `# METADATA` comment block, comment markers removed."""
    lines = source.splitlines()
    for index, line in enumerate(lines):
        if not _METADATA_START.match(line.strip()):
            continue
        block: list[str] = []
        for following in lines[index + 1:]:
            if not following.startswith("#"):
                break
            block.append(following[2:] if following.startswith("# ") else following[1:])
        return "\n".join(block)
    return None


@cache
def _index() -> dict[str, dict[str, Any]]:
    text = shipped_text(INDEX)
    entries: dict[str, dict[str, Any]] = json.loads(text)["blocks"]
    return entries


def stored_metadata(block: str) -> dict[str, Any] | None:
    """The stored reading of a built-in rule's block; None for any other block."""
    stored = _index().get(block)
    return copy.deepcopy(stored) if stored is not None else None


def index_document(blocks: Iterable[str], read: Callable[[str], Any]) -> dict[str, Any]:
    """The index of the blocks that `read` (a YAML reader) turns into a mapping JSON keeps as
    it is; any other block is left out and read as YAML at every scan."""
    entries: dict[str, Any] = {}
    for block in blocks:
        value = read(block)
        if isinstance(value, dict) and _survives_json(value):
            entries[block] = value
    return {"blocks": dict(sorted(entries.items()))}


def _survives_json(value: Any) -> bool:
    try:
        kept = json.loads(json.dumps(value))
    except (TypeError, ValueError):  # a date, a set, a non-finite number
        return False
    return bool(kept == value and _same_types(kept, value))


def _same_types(kept: Any, value: Any) -> bool:
    if type(kept) is not type(value):
        return False
    if isinstance(value, dict):
        return all(_same_types(kept[key], item) for key, item in value.items())
    if isinstance(value, list):
        return all(_same_types(a, b) for a, b in zip(kept, value, strict=True))
    return True
