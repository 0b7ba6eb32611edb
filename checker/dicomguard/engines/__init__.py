"""Policy engines: each evaluates the same Rego policies over a facts document."""

from __future__ import annotations

from typing import Any, Protocol

from dicomguard.policies import PolicySet

# The opa binary the operator chose, for the opa engine and for `auto`.
BINARY_VARIABLE = "DICOMGUARD_OPA_BINARY"


class EngineError(Exception):
    """The engine could not evaluate the policies; the scan fails with exit 2."""


class Engine(Protocol):
    """Evaluates every rule package's `deny` set.

    Returns {rule package: [deny entries]} where each entry is the object a policy produced.
    """

    def evaluate(self, policies: PolicySet, facts_input: dict[str, Any]) -> dict[str, list[Any]]:
        ...


def deny_sets(packages: Any, prefix: str = "") -> dict[str, list[Any]]:
    """Flatten the value of `data.dicomguard.rules` into {package: deny entries}.

    `deny` is a set of findings (`deny contains finding if ...`) or an object of findings keyed
    by a string unique to each (`deny[key] := finding if ...`)."""
    result: dict[str, list[Any]] = {}
    if not isinstance(packages, dict):
        return result
    for name, value in packages.items():
        if not isinstance(value, dict):
            continue
        package = f"{prefix}.{name}" if prefix else name
        denials = value.get("deny")
        if isinstance(denials, list):
            result[f"dicomguard.rules.{package}"] = denials
        elif isinstance(denials, dict):  # deny[key] := finding, see docs/decisions.md
            result[f"dicomguard.rules.{package}"] = [denials[key] for key in sorted(denials)]
        result.update(deny_sets({k: v for k, v in value.items() if k != "deny"}, package))
    return result


NO_ENGINE_MESSAGE = (
    "no policy engine available: the embedded engine needs regopy (pip install regopy; wheels "
    "for Linux x86_64 and aarch64, and Windows), the opa engine needs the opa binary on PATH or in "
    "DICOMGUARD_OPA_BINARY (https://www.openpolicyagent.org/docs/#running-opa), or an OPA "
    "server given with --opa-url"
)


def make_engine(name: str, **options: Any) -> Engine:
    """The engine a user asked for; heavy clients are imported only when chosen.

    `auto` is an OPA server when a URL is configured, else the embedded engine when regopy
    imports, joined by a local opa binary when there is one (engines/auto.py), else a local
    opa binary alone.
    """
    opa_url = options.get("opa_url")
    if name == "embedded":
        from dicomguard.engines.embedded import EmbeddedEngine

        return EmbeddedEngine()
    if name == "opa" or (name == "auto" and opa_url):
        return _opa_engine(**options)
    if name.startswith("auto:"):  # a worker's copy of the scan's automatic engine
        from dicomguard.engines.auto import AutoEngine
        from dicomguard.engines.embedded import EmbeddedEngine

        return AutoEngine(EmbeddedEngine(), name.removeprefix("auto:"))
    if name == "auto":
        from dicomguard.engines.auto import trusted_opa_binary
        from dicomguard.engines.embedded import EmbeddedEngine

        binary = trusted_opa_binary(list(options.get("scanned_paths") or []))
        try:
            embedded = EmbeddedEngine()
        except EngineError:
            from dicomguard.engines.opa_local import LocalOpaEngine

            if binary is None:
                raise EngineError(NO_ENGINE_MESSAGE) from None
            return LocalOpaEngine(binary)
        if binary is None:
            return embedded
        from dicomguard.engines.auto import AutoEngine

        return AutoEngine(embedded, binary)
    raise EngineError(f"unknown engine {name!r}")


def _opa_engine(opa_url: str | None = None, opa_preloaded: bool = False,
                scanned_paths: list[str] | None = None,
                opa_token_env: str | None = None, opa_ca_bundle: str | None = None,
                opa_timeout: float | None = None) -> Engine:
    if not opa_url:
        if opa_preloaded:
            raise EngineError("--opa-preloaded needs an OPA server: give --opa-url")
        from dicomguard.engines.opa_local import LocalOpaEngine

        return LocalOpaEngine()
    from dicomguard.engines.opa_server import (
        DEFAULT_TIMEOUT_SECONDS,
        TOKEN_VARIABLE,
        OpaServerEngine,
    )

    return OpaServerEngine(opa_url, preloaded=opa_preloaded,
                           token_variable=opa_token_env or TOKEN_VARIABLE,
                           ca_bundle=opa_ca_bundle, timeout=opa_timeout or DEFAULT_TIMEOUT_SECONDS)
