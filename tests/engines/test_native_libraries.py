"""regopy's library and RE2 live in one process (the embedded engine and patterns from scanned
files, in the scan and in every worker), whichever of them is asked for first. Each case runs
in a fresh interpreter: the order in which the libraries load is what is under test."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import PROJECT

pytest.importorskip("regopy")

PATTERNS_AFTER_THE_ENGINE = """
import regopy  # as a library user or a test may load it, before any pattern
from dicomguard.engines.embedded import EmbeddedEngine
from dicomguard.policies import load_policies
from dicomguard.regexes import compile_pattern
engine = EmbeddedEngine()
engine.evaluate(load_policies(), {})
for pattern, text, found in [("Orth[a-z]+", "Orthanc", "Orthanc"),
                             ("[0-9]+", "dicom-11112", "11112"),
                             ("(?P<port>[0-9]{3,5})$", "pacs:4242", "4242")]:
    assert compile_pattern(pattern).search(text).group(0) == found, pattern
engine.evaluate(load_policies(), {})
print("ok")
"""

ENGINE_AFTER_THE_PATTERNS = """
from dicomguard.regexes import compile_pattern
assert compile_pattern("Orth[a-z]+").search("Orthanc").group(0) == "Orthanc"
from dicomguard.engines.embedded import EmbeddedEngine
from dicomguard.policies import load_policies
EmbeddedEngine().evaluate(load_policies(), {})
assert compile_pattern("Dic[a-z]+").search("Dicom").group(0) == "Dicom"
print("ok")
"""


@pytest.mark.parametrize("program", [PATTERNS_AFTER_THE_ENGINE, ENGINE_AFTER_THE_PATTERNS],
                         ids=["patterns after the engine", "engine after the patterns"])
def test_patterns_and_the_engine_share_a_process(program: str) -> None:
    completed = subprocess.run([sys.executable, "-c", program], cwd=PROJECT, capture_output=True,
                               text=True, timeout=120)
    assert (completed.returncode, completed.stdout.strip()) == (0, "ok"), completed.stderr
