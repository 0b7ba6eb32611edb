"""Accuracy over the labelled corpus: the Terraform targets (bench/accuracy.py)."""

from __future__ import annotations

import importlib.util
import sys

from tests.conftest import PROJECT


def _accuracy():
    spec = importlib.util.spec_from_file_location("accuracy", PROJECT / "bench" / "accuracy.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being built
    spec.loader.exec_module(module)
    return module


def test_terraform_precision_and_recall_on_the_corpus(shared_dir):
    accuracy = _accuracy()
    tallies, disagreements = accuracy.measure(shared_dir / "corpus")
    terraform = [(unit, predicted) for unit, predicted in disagreements
                 if unit.platform == "terraform"]
    unexplained = [accuracy.describe(unit, predicted) for unit, predicted in terraform
                   if (unit.path, unit.resource) not in accuracy.KNOWN_GAPS]
    assert unexplained == []
    assert tallies["platform terraform"].precision == 1.0
    covered = tallies["platform terraform, within coverage"]
    assert (covered.precision, covered.recall) == (1.0, 1.0)
    assert all(not predicted for _, predicted in terraform), "no false alarm is accepted"
    explained = {(unit.path, unit.resource) for unit, _ in terraform}
    assert explained == set(accuracy.KNOWN_GAPS), "a known gap that no longer happens"
