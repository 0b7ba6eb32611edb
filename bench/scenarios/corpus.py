"""The labelled corpus in ../shared/corpus."""

import os
from pathlib import Path

NAME = "corpus"
DESCRIPTION = "../shared/corpus (210 real IaC samples)"


def build(workdir: Path) -> list[str]:
    shared = Path(os.environ.get("DICOMGUARD_SHARED",
                                 Path(__file__).resolve().parents[3] / "shared"))
    corpus = shared / "corpus"
    return [str(corpus)] if corpus.is_dir() else []
