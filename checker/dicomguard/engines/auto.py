"""`--engine auto` with a local opa binary present: each evaluation goes to the engine that is
faster for its size, and only where the two engines are proven to give the same findings.

The embedded engine costs a fixed part per call and then grows faster than its input; a local
`opa eval` costs a process start and then grows slowly. Measured on real facts documents
(docs/decisions.md), OPA is faster from a few hundred facts: a scan's batches of about 100
files stay embedded, a large single unit goes to OPA. The engines' findings are proven identical
for the built-in rules (tests/engines/test_engine_parity.py runs both over the corpus, every
example and generated documents); a user's own policy is not covered by that proof, so with one
every call stays embedded.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from dicomguard.engines import BINARY_VARIABLE, Engine, EngineError
from dicomguard.policies import PolicySet, builtin_policy_dir

# Facts in one input from which a local OPA evaluates faster than the embedded engine.
OPA_FROM_FACTS = 500
# The OPA major version the parity tests run against.
PROVEN_OPA_MAJOR = 1


def fact_count(facts_input: dict[str, Any]) -> int:
    return sum(len(value) for value in facts_input.values() if isinstance(value, list))


def only_builtin(policies: PolicySet) -> bool:
    """True when every module loaded is a shipped one, so the parity proof covers them."""
    shipped = builtin_policy_dir().resolve()
    return all(Path(path).resolve().is_relative_to(shipped) for path in policies.modules)


def trusted_opa_binary(scanned: list[str]) -> str | None:
    """The opa that `auto` may run unasked: $DICOMGUARD_OPA_BINARY as the operator set it, else
    `opa` found through the absolute entries of PATH, and never a file inside the scanned
    paths or the working directory (a repository's own `opa`, reached through `.` or a
    `bin/` that a tool put on PATH, would run code from the repository)."""
    configured = os.environ.get(BINARY_VARIABLE)
    if configured:
        return configured
    absolute = os.pathsep.join(entry for entry in os.environ.get("PATH", "").split(os.pathsep)
                               if os.path.isabs(entry))
    found = shutil.which("opa", path=absolute)
    if found is None:
        return None
    real = Path(found).resolve()
    untrusted = [Path(path).resolve() for path in [*scanned, os.getcwd()]]
    if any(real == root or real.is_relative_to(root) for root in untrusted):
        return None
    return found


class AutoEngine:

    def __init__(self, embedded: Engine, opa_binary: str) -> None:
        self.embedded = embedded
        self.opa_binary = opa_binary
        self._opa: Engine | None = None
        self._opa_refused = False
        self._proven: tuple[PolicySet, bool] | None = None

    @property
    def worker_name(self) -> str:
        """How a worker process builds the same engine (engines.make_engine)."""
        return f"auto:{self.opa_binary}"

    def evaluate(self, policies: PolicySet, facts_input: dict[str, Any]) -> dict[str, list[Any]]:
        if fact_count(facts_input) >= OPA_FROM_FACTS and self._proven_for(policies):
            opa = self._local_opa()
            if opa is not None:
                try:
                    return opa.evaluate(policies, facts_input)
                except EngineError:  # a broken binary: the embedded engine gives the same
                    self._opa_refused = True
        return self.embedded.evaluate(policies, facts_input)

    def _proven_for(self, policies: PolicySet) -> bool:
        if self._proven is None or self._proven[0] is not policies:
            self._proven = (policies, only_builtin(policies))
        return self._proven[1]

    def _local_opa(self) -> Engine | None:
        if self._opa is None and not self._opa_refused:
            from dicomguard.engines.opa_local import LocalOpaEngine, opa_version

            version = opa_version(self.opa_binary)
            if version is None or version[0] != PROVEN_OPA_MAJOR:
                self._opa_refused = True
            else:
                self._opa = LocalOpaEngine(self.opa_binary)
        return None if self._opa_refused else self._opa
