"""The built-in policies compiled ahead of time for the embedded engine, shipped in the package.

Compiling the built-in modules into a plan costs every scan (and every worker) about 45 ms;
loading the shipped plan about 6 ms. The plan is used only when what it was compiled from is
exactly what the scan would compile: the same module texts, the same data (a configured
catalogue changes it), the same query and the same regopy version. Anything else, a user's own
policy among them, is compiled as before. tools/policy_bundle.py writes both files; a test keeps
them current and checks that the plan gives the findings the compiled policies give.
"""

from __future__ import annotations

import json
import os
from typing import Any

from dicomguard.policies import PolicySet, builtin_policy_dir
from dicomguard.shipped import PACKAGE_DIRECTORY, shipped_text

PLAN = "data/builtin_policies.rbb"
COMPILED_FROM = "data/builtin_policies.json"
MODULE_PREFIX = "dicomguard/builtin_policies/"  # module names in the plan: no build machine path


def compiled_from(policies: PolicySet, query: str, regopy_version: str) -> dict[str, Any] | None:
    """What a plan of `policies` is compiled from, or None when a module is not a built-in
    one."""
    builtin = str(builtin_policy_dir())
    modules = {}
    for path, source in policies.modules.items():
        relative = os.path.relpath(path, builtin)
        if relative.startswith(os.pardir) or os.path.isabs(relative):
            return None
        modules[MODULE_PREFIX + relative.replace(os.sep, "/")] = source
    return {"regopy": regopy_version, "query": query, "data": policies.data, "modules": modules}


def shipped_plan(regopy: Any, policies: PolicySet, query: str) -> tuple[Any, Any] | None:
    """An interpreter and the shipped plan, when it was compiled from what `policies` would
    compile to; None otherwise."""
    wanted = compiled_from(policies, query, regopy.__version__)
    if wanted is None:
        return None
    try:
        if json.loads(shipped_text(COMPILED_FROM)) != wanted:
            return None
    except (OSError, ValueError):
        return None
    interpreter = regopy.Interpreter()
    try:
        plan = interpreter.load_bundle(str(PACKAGE_DIRECTORY / PLAN), regopy.BundleFormat.Binary)
    except Exception:  # regopy raises its own error types: compile instead
        return None
    return (interpreter, plan) if plan.ok() else None
