"""Which OPA built-in functions a policy calls, and which of them an engine lacks.

regopy leaves a call to a built-in it does not implement (net.cidr_contains, http.send,
rego.metadata.rule, print ...) undefined, so the rule silently matches nothing. The embedded
engine refuses such policies up front instead.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from functools import cache

from dicomguard.shipped import shipped_text

# Strings and comments are matched first so that a call inside them is never counted.
_TOKENS = re.compile(
    r'"(?:\\.|[^"\\\n])*"'
    r"|`[^`]*`"
    r"|#[^\n]*"
    r"|(?<![\w.])(?P<name>[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)\s*\("
)


@cache
def opa_builtins() -> frozenset[str]:
    """Every built-in function of the pinned OPA release (data/opa_builtins.json)."""
    text = shipped_text("data/opa_builtins.json")
    return frozenset(json.loads(text)["builtins"])


def builtin_calls(source: str) -> list[tuple[int, str]]:
    """(line, name) of each call of an OPA built-in in a Rego module."""
    known = opa_builtins()
    calls = []
    for match in _TOKENS.finditer(source):
        name = match.group("name")
        if name and name in known:
            calls.append((source.count("\n", 0, match.start()) + 1, name))
    return calls


def unsupported_calls(modules: dict[str, str], implemented: Callable[[str], bool]) -> list[str]:
    """`file:line: name` for each built-in call the engine does not implement."""
    return [f"{path}:{line}: {name}"
            for path, source in modules.items()
            for line, name in builtin_calls(source)
            if not implemented(name)]
