"""The generated vendor tables in dicomguard/data/, read once."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any


@cache
def table(name: str) -> dict[str, Any]:
    text = resources.files("dicomguard").joinpath(f"data/{name}.json").read_text("utf-8")
    document: dict[str, Any] = json.loads(text)
    return document
