"""Policy loading: METADATA is what users read in `policies show` and in every report."""

from __future__ import annotations

from pathlib import Path

import pytest

from dicomguard.policies import CATEGORIES, PolicyError, load_policies


def test_every_builtin_rule_has_complete_metadata() -> None:
    policies = load_policies()
    assert {rule.id for rule in policies.rules.values()} >= {"DG101", "DG201", "DG301", "DG302",
                                                             "DG303"}
    for rule in policies.rules.values():
        assert rule.category in CATEGORIES
        assert rule.title and rule.description and rule.remediation
        assert any("164.312" in reference for reference in rule.references), rule.id


def test_every_rule_has_rego_tests_beside_it() -> None:
    for rule in load_policies().rules.values():
        assert Path(rule.path.replace(".rego", "_test.rego")).is_file(), rule.path


def test_the_catalogue_ships_the_dicom_ports() -> None:
    ports = {entry["port"]: entry for entry in load_policies().catalogue()}
    assert set(ports) == {104, 11112, 2761, 2762, 4242, 8042, 2575}
    assert ports[2762]["severity"] != "critical"  # TLS is lower


def test_a_rule_without_metadata_is_refused(tmp_path: Path) -> None:
    (tmp_path / "mine.rego").write_text("package dicomguard.rules.mine\n\ndeny contains 1\n")
    with pytest.raises(PolicyError, match=r"mine.rego: a rule needs a # METADATA block"):
        load_policies([str(tmp_path)])


def test_a_duplicate_rule_id_is_refused(tmp_path: Path) -> None:
    (tmp_path / "copy.rego").write_text(
        "# METADATA\n# title: copy\n# custom:\n#   id: DG101\n#   severity: low\n"
        "#   category: exposed-dicom-port\npackage dicomguard.rules.copy\n")
    with pytest.raises(PolicyError, match="DG101 is already used"):
        load_policies([str(tmp_path)])
