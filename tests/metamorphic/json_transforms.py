"""Rewrites of plain JSON inputs (Terraform plans, nftables JSON, Orthanc configuration)."""

from __future__ import annotations

import json

from tests.metamorphic.tree import NotApplicable, Tree, Variant, changed, reversed_keys


def reverse_keys(tree: Tree) -> Variant:
    """Every JSON object's keys in reverse order, written one value per line."""
    files = dict(tree)
    for name, text in tree.items():
        if not name.endswith(".json") or name.endswith(".tf.json"):
            continue
        try:
            document = json.loads(text)
        except ValueError:
            continue
        files[name] = json.dumps(reversed_keys(document), indent=2) + "\n"
    if files == tree:
        raise NotApplicable
    return Variant(changed(tree, files))


TRANSFORMATIONS = {"json-reverse-keys": reverse_keys}
