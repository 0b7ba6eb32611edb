"""The inputs the metamorphic tests rewrite: every example project and every labelled corpus
sample, each sample file on its own (as bench/accuracy.py scans them)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from tests.metamorphic.tree import Tree, read_tree

# Each example project is one of these directories (a test checks that together they hold
# every file under examples/ but the READMEs).
EXAMPLE_PROJECTS = ("terraform/*", "compose/*", "kubernetes/*", "ansible/*", "firewall/*/*",
                    "databases/*")


@dataclass(frozen=True, slots=True)
class Input:
    id: str
    path: Path

    def tree(self) -> Tree:
        return read_tree(self.path)


def example_inputs(examples: Path) -> list[Input]:
    projects = sorted({path for pattern in EXAMPLE_PROJECTS for path in examples.glob(pattern)
                       if path.is_dir()})
    return [Input(f"examples/{project.relative_to(examples)}", project) for project in projects]


def corpus_inputs(corpus: Path) -> list[Input]:
    samples: set[str] = set()
    for manifest in sorted(corpus.glob("*/MANIFEST.json")):
        samples.update(entry["path"] for entry in json.loads(manifest.read_text("utf-8")))
    return [Input(f"corpus/{sample}", corpus / sample) for sample in sorted(samples)]
