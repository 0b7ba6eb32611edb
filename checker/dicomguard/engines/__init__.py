"""Policy engines: each evaluates the same Rego policies over a facts document."""

from __future__ import annotations

from typing import Any, Protocol

from dicomguard.policies import PolicySet


class EngineError(Exception):
    """The engine could not evaluate the policies; the scan fails with exit 2."""


class Engine(Protocol):
    """Evaluates every rule package's `deny` set.

    Returns {rule package: [deny entries]} where each entry is the object a policy produced.
    """

    def evaluate(self, policies: PolicySet, facts_input: dict[str, Any]) -> dict[str, list[Any]]:
        ...


def deny_sets(packages: Any, prefix: str = "") -> dict[str, list[Any]]:
    """Flatten the value of `data.dicomguard.rules` into {package: deny entries}."""
    result: dict[str, list[Any]] = {}
    if not isinstance(packages, dict):
        return result
    for name, value in packages.items():
        if not isinstance(value, dict):
            continue
        package = f"{prefix}.{name}" if prefix else name
        if "deny" in value and isinstance(value["deny"], list):
            result[f"dicomguard.rules.{package}"] = value["deny"]
        result.update(deny_sets({k: v for k, v in value.items() if k != "deny"}, package))
    return result


def make_engine(name: str, **options: Any) -> Engine:
    """The engine a user asked for; heavy clients are imported only when chosen."""
    if name in {"auto", "embedded"}:
        from dicomguard.engines.embedded import EmbeddedEngine

        return EmbeddedEngine()
    raise EngineError(f"unknown engine {name!r}")
