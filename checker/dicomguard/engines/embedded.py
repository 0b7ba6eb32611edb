"""The embedded engine: regopy (rego-cpp) in-process, nothing to install or run."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from dicomguard.engines import EngineError, deny_sets
from dicomguard.engines.prebuilt import shipped_plan
from dicomguard.engines.regopy_input import build_input
from dicomguard.policies import RULES_PACKAGE, PolicySet


def import_regopy() -> Any:
    """regopy, loaded as native.regopy loads it (before RE2, which then shares its allocator)."""
    from dicomguard.native import regopy

    try:
        return regopy()
    except ImportError as error:  # pragma: no cover - depends on the platform's wheels
        raise EngineError(
            "the embedded engine needs regopy, which has no wheel for this platform; "
            "install OPA and use --engine opa"
        ) from error


@contextmanager
def _native_stdout_captured() -> Iterator[list[str]]:
    """rego-cpp prints compile errors to file descriptor 1, which would corrupt a JSON or
    SARIF report on stdout. Capture them to use as the error message instead."""
    import tempfile  # only a compile that fails needs it

    captured: list[str] = []
    sys.stdout.flush()
    saved = os.dup(1)
    with tempfile.TemporaryFile(mode="w+b") as sink:
        os.dup2(sink.fileno(), 1)
        try:
            yield captured
        finally:
            os.dup2(saved, 1)
            os.close(saved)
            sink.seek(0)
            captured.append(sink.read().decode("utf-8", "replace"))


def _check(output: Any, what: str, printed: str) -> Any:
    if not output.ok():
        detail = printed.strip() or str(output).strip()
        raise EngineError(f"embedded engine failed to {what}:\n{detail}")
    return output


class EmbeddedEngine:
    worker_name = "embedded"  # how a worker process builds the same engine

    def __init__(self, prebuilt: bool = True) -> None:
        self._regopy = import_regopy()
        self._compiled: tuple[PolicySet, Any, Any] | None = None
        self.prebuilt = prebuilt  # use the shipped plan of the built-in policies when it fits

    def interpreter(self, policies: PolicySet) -> Any:
        from dicomguard.engines.portability import unsupported_calls
        from dicomguard.engines.sandbox import refuse_forbidden_calls

        refuse_forbidden_calls(policies.modules)
        interpreter = self._regopy.Interpreter()
        unsupported = unsupported_calls(policies.modules, interpreter.is_builtin)
        if unsupported:
            raise EngineError(
                "the embedded engine (regopy) does not implement built-ins these policies call, "
                "so their rules would silently match nothing:\n  " + "\n  ".join(unsupported)
                + "\nuse --engine opa (a local opa binary, or an OPA server with --opa-url), "
                "or rewrite the rule on facts fields (address arithmetic is already done: "
                "peer.scope)")
        for path, source in policies.modules.items():
            try:
                interpreter.add_module(path, source)
            except Exception as error:  # regopy raises its own error types
                raise EngineError(f"{path}: {error}") from error
        if policies.data:
            interpreter.add_data_json(json.dumps(policies.data))
        return interpreter

    def compiled(self, interpreter: Any, query: str) -> Any:
        """The query compiled once into a plan: querying a plan skips the compilation of every
        module that a plain query repeats (about 65 ms a call, measured in docs/decisions.md)."""
        with _native_stdout_captured() as printed:
            plan = interpreter.build(query)
        if not plan.ok():
            raise EngineError(f"embedded engine failed to compile {query}:\n"
                              + ("".join(printed).strip() or str(plan.node()).strip()))
        return plan

    def query(self, interpreter: Any, plan: Any, facts_input: dict[str, Any]) -> Any:
        interpreter.set_input(build_input(self._regopy, facts_input))
        with _native_stdout_captured() as printed:
            output = interpreter.query_bundle(plan)
        _check(output, "evaluate the policies", "".join(printed))
        document = json.loads(str(output))
        expressions = document.get("expressions") if isinstance(document, dict) else None
        if not expressions:
            return None
        return expressions[0]

    def evaluate(self, policies: PolicySet, facts_input: dict[str, Any]) -> dict[str, list[Any]]:
        """Deny sets of every rule. The interpreter, with the policies compiled, is kept for
        the next call with the same policies (a scan evaluates its units one call each)."""
        if self._compiled is None or self._compiled[0] is not policies:
            query = f"data.{RULES_PACKAGE}"
            shipped = shipped_plan(self._regopy, policies, query) if self.prebuilt else None
            if shipped is None:
                interpreter = self.interpreter(policies)
                shipped = interpreter, self.compiled(interpreter, query)
            self._compiled = (policies, *shipped)
        _, interpreter, plan = self._compiled
        return deny_sets(self.query(interpreter, plan, facts_input))
