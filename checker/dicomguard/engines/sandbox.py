"""Rego is evaluated without network or environment access, user policies included.

A policy that could send a request, resolve a name or read the environment could carry a CI
runner's secrets out through the network or into a report. Every engine refuses such a policy
before evaluating anything, and the local opa binary is also given capabilities without those
built-ins, so anything this scan misses fails OPA's own compiler.
"""

from __future__ import annotations

import json
import re
from typing import Any

from dicomguard.engines import EngineError

FORBIDDEN_BUILTINS = {
    "http.send": "sends requests over the network",
    "net.lookup_ip_addr": "resolves names over the network",
    "opa.runtime": "reads the environment and OPA's configuration",
}

# Strings and comments are matched first so that a name inside them is never counted; a
# reference is matched whether it is written `http.send` or `http["send"]`.
_REFERENCES = re.compile(
    r'"(?:\\.|[^"\\\n])*"'
    r"|`[^`]*`"
    r"|#[^\n]*"
    r"|(?<![\w.])(?P<root>http|net|opa)\s*"
    r'(?:\.\s*(?P<dotted>\w+)|\[\s*(?P<quoted>"(?:\\.|[^"\\\n])*"|`[^`]*`)\s*\])'
)


def _member(match: re.Match[str]) -> str:
    quoted = match.group("quoted")
    if quoted is None:
        return match.group("dotted")
    if quoted.startswith("`"):
        return quoted[1:-1]
    try:
        return str(json.loads(quoted))
    except json.JSONDecodeError:
        return quoted[1:-1]


def forbidden_calls(modules: dict[str, str]) -> list[str]:
    """`file:line: name what it does` for each reference to a forbidden built-in."""
    found = []
    for path, source in modules.items():
        for match in _REFERENCES.finditer(source):
            if not match.group("root"):
                continue
            name = f"{match.group('root')}.{_member(match)}"
            if name in FORBIDDEN_BUILTINS:
                line = source.count("\n", 0, match.start()) + 1
                found.append(f"{path}:{line}: {name} {FORBIDDEN_BUILTINS[name]}")
    return found


def refuse_forbidden_calls(modules: dict[str, str]) -> None:
    found = forbidden_calls(modules)
    if found:
        raise EngineError(
            "policies may not reach the network or the environment; dicomguard evaluates Rego "
            "without them:\n  " + "\n  ".join(found))


def restricted_capabilities(current: str) -> dict[str, Any]:
    """OPA's own `opa capabilities --current` document less the forbidden built-ins, with no
    host allowed for network access."""
    try:
        document = json.loads(current)
        builtins = document["builtins"]
    except (json.JSONDecodeError, TypeError, KeyError) as error:
        raise EngineError("opa capabilities --current gave output dicomguard cannot read: "
                          f"{current[:200]!r}") from error
    document["builtins"] = [builtin for builtin in builtins
                            if builtin.get("name") not in FORBIDDEN_BUILTINS]
    document["allow_net"] = []
    return dict(document)
