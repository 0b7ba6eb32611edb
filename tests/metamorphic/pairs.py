"""The (transformation, input) pairs that are meaningful: those where the transformation
changes something. Computed once per session, at collection."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

from tests.conftest import EXAMPLES, SHARED
from tests.metamorphic.inputs import Input, corpus_inputs, example_inputs
from tests.metamorphic.transformations import TRANSFORMATIONS
from tests.metamorphic.tree import NotApplicable, Variant


@dataclass(slots=True)
class Plan:
    inputs: list[Input]
    pairs: list[tuple[str, Input]]
    variants: dict[tuple[str, str], Variant] = field(default_factory=dict)
    not_convertible: Counter[str] = field(default_factory=Counter)


@lru_cache(maxsize=1)
def plan() -> Plan:
    inputs = example_inputs(EXAMPLES)
    if (SHARED / "corpus").is_dir():
        inputs += corpus_inputs(SHARED / "corpus")
    planned = Plan(inputs, [])
    for item in inputs:
        tree = item.tree()
        for name, transformation in TRANSFORMATIONS.items():
            try:
                planned.variants[(name, item.id)] = transformation(tree)
            except NotApplicable as reason:
                if str(reason):
                    planned.not_convertible[f"{name}: {reason}"] += 1
                continue
            planned.pairs.append((name, item))
    return planned
