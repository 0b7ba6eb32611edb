"""Hostile or malformed documents: every value of the examples swapped for a value of another
type must give facts or errors, never an exception."""

from __future__ import annotations

import copy
import json

import pytest
import yaml

from dicomguard.apps.collect import analyse_text
from tests.conftest import EXAMPLES

SWAPS = (None, 7, "x", ["x"], {"x": 1})
CASES = [
    ("compose", EXAMPLES / "compose" / "insecure" / "docker-compose.yml"),
    ("kubernetes", EXAMPLES / "kubernetes" / "insecure" / "orthanc.yaml"),
    ("orthanc-json", EXAMPLES / "compose" / "secure" / "orthanc.json"),
]


def _paths(value, prefix=()):
    if prefix:
        yield prefix
    children = value.items() if isinstance(value, dict) else enumerate(value) \
        if isinstance(value, list) else ()
    for key, child in children:
        yield from _paths(child, (*prefix, key))


def _mutations(documents):
    for index, document in enumerate(documents):
        for path in _paths(document):
            for swap in SWAPS:
                mutated = copy.deepcopy(documents)
                target = mutated[index]
                for key in path[:-1]:
                    target = target[key]
                target[path[-1]] = swap
                yield mutated


@pytest.mark.parametrize(("kind", "path"), CASES, ids=[kind for kind, _ in CASES])
def test_type_swaps_never_raise(kind, path, context):
    text = path.read_text()
    if kind == "orthanc-json":
        from dicomguard.apps import jsonc

        documents = [jsonc.loads(text).value]
        render = json.dumps
    else:
        documents = list(yaml.safe_load_all(text))
        render = yaml.safe_dump
    checked = 0
    for mutated in _mutations(documents):
        rendered = "\n---\n".join(render(document) for document in mutated)
        analyse_text(kind, rendered, path.name, context)
        checked += 1
    assert checked > 50
