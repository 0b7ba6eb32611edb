"""Inputs the fuzzer once found dicomguard mishandling (fuzz/regressions/<target>/) are each
read as their target's kind of file and must give an input error or facts, never a defect."""

from __future__ import annotations

import pytest

from fuzz.targets import TARGETS, Defect, make_runner
from tests.conftest import PROJECT

REGRESSIONS = PROJECT / "fuzz" / "regressions"
CASES = sorted(path for path in REGRESSIONS.glob("*/*") if path.is_file())


def test_every_regression_names_a_target():
    assert CASES, "fuzz/regressions holds no input"
    assert {path.parent.name for path in CASES} <= set(TARGETS)


@pytest.mark.parametrize("path", CASES, ids=[f"{p.parent.name}/{p.name}" for p in CASES])
def test_a_once_mishandled_input_is_handled(path):
    run = make_runner(TARGETS[path.parent.name])
    try:
        run(path.read_bytes())
    except Defect as defect:
        pytest.fail(str(defect))
