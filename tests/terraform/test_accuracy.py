"""Accuracy over the labelled corpus (bench/accuracy.py): the figures may not fall, and every
label the project reads differently must really differ and say why."""

from __future__ import annotations

import importlib.util
import sys

import pytest

from tests.conftest import PROJECT

# Measured figures this project may not fall below: (precision, recall) per scope, against the
# corpus labels as they are and after the documented decisions.
UPSTREAM_FLOORS = {"all": (0.885, 0.666), "platform terraform": (0.915, 0.650)}
DECIDED_FLOORS = {"all": (1.0, 0.839), "platform terraform": (1.0, 0.819)}


def _accuracy():
    spec = importlib.util.spec_from_file_location("accuracy", PROJECT / "bench" / "accuracy.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being built
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def accuracy():
    return _accuracy()


@pytest.fixture(scope="module")
def measured(accuracy, shared_dir):
    return accuracy.measure(shared_dir / "corpus")


@pytest.mark.parametrize(("labels", "floors"), [("upstream", UPSTREAM_FLOORS),
                                                 ("decided", DECIDED_FLOORS)])
def test_precision_and_recall_stay_at_or_above_the_measured_floors(measured, labels, floors):
    tallies = getattr(measured, labels)
    for scope, (precision, recall) in floors.items():
        tally = tallies[scope]
        assert tally.precision is not None and tally.precision >= precision, (scope, tally)
        assert tally.recall is not None and tally.recall >= recall, (scope, tally)


def test_every_decision_changes_an_upstream_label(accuracy, measured):
    decided = {(unit.path, unit.resource): unit for unit in measured.decisions_applied}
    assert set(accuracy.DECISIONS) <= set(decided), "a decision that names no corpus unit"
    agreeing = [key for key, unit in decided.items() if unit.decision.truth == unit.label]
    assert agreeing == [], "a decision that agrees with the upstream label"


def test_every_decision_gives_its_reason_and_source(measured):
    for unit in measured.decisions_applied:
        assert unit.decision.reason.strip(), unit.path
        assert unit.decision.source.strip(), unit.path


def test_every_known_gap_names_a_corpus_unit_and_gives_its_reason(accuracy, measured):
    names = {(unit.path, unit.resource) for unit in measured.units}
    for key, reason in accuracy.KNOWN_GAPS.items():
        assert key in names, key
        assert reason.strip(), key


def test_no_scope_without_a_case_reports_a_perfect_score(accuracy):
    empty = accuracy.Tally(tn=9)
    assert (accuracy.percent(empty.precision), accuracy.percent(empty.recall)) == ("n/a", "n/a")
