"""The examples beside the built-in rules as test cases: one per snippet, named
`DG101-terraform-aws-bad-0`, and written to disk as a user would have them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from dicomguard.policies import load_policies
from dicomguard.rule_examples import VERDICTS, Example, examples_of


@dataclass(frozen=True, slots=True)
class ExampleCase:
    rule_id: str
    kind: str
    verdict: str  # bad or good
    index: int
    example: Example

    @property
    def name(self) -> str:
        return f"{self.rule_id}-{self.kind}-{self.verdict}-{self.index}"


def example_cases() -> Iterator[ExampleCase]:
    for rule in sorted(load_policies().rules.values(), key=lambda rule: rule.id):
        examples = examples_of(rule)
        for kind in examples.kinds if examples else []:
            for verdict in VERDICTS:
                for index, example in enumerate(getattr(kind, verdict)):
                    yield ExampleCase(rule.id, kind.kind, verdict, index, example)


def write_snippet(example: Example, root: Path) -> None:
    for relative, content in example.files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
