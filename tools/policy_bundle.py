"""Rewrite the embedded engine's shipped plan of the built-in policies:
checker/dicomguard/data/builtin_policies.rbb and the record of what it was compiled from,
builtin_policies.json.

    python tools/policy_bundle.py

Run it after changing a built-in policy or the catalogue, or with a new regopy
(tests/engines/test_prebuilt_plan.py says when): until then every scan compiles the policies
itself, which is correct, only slower.
"""

from __future__ import annotations

import json

from dicomguard.engines.embedded import EmbeddedEngine, import_regopy
from dicomguard.engines.prebuilt import COMPILED_FROM, PLAN, compiled_from
from dicomguard.policies import RULES_PACKAGE, PolicySet, load_policies
from dicomguard.shipped import PACKAGE_DIRECTORY


def write_plan() -> None:
    regopy = import_regopy()
    policies = load_policies()
    query = f"data.{RULES_PACKAGE}"
    record = compiled_from(policies, query, regopy.__version__)
    assert record is not None, "the built-in policies are not where the package says"
    renamed = PolicySet(modules=dict(record["modules"]), data=policies.data)
    engine = EmbeddedEngine(prebuilt=False)
    interpreter = engine.interpreter(renamed)
    plan = engine.compiled(interpreter, query)
    interpreter.save_bundle(str(PACKAGE_DIRECTORY / PLAN), plan, regopy.BundleFormat.Binary)
    (PACKAGE_DIRECTORY / COMPILED_FROM).write_text(
        json.dumps(record, indent=1, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")


if __name__ == "__main__":
    write_plan()
