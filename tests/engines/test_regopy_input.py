"""The embedded engine sees exactly the facts Python built, whatever characters they hold."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("regopy")

from dicomguard.engines.embedded import import_regopy
from dicomguard.engines.regopy_input import build_input

regopy = import_regopy()

AWKWARD = {
    "address": 'module.pacs["eu"].aws_security_group.this[0]',
    "windows": "C:\\pacs\\orthanc.json",
    "lines": "first\nsecond\ttabbed",
    "accents": "Hôpital Saint-Éloi, 東京",
    "control": "bell\x07",
    'key with "quotes"': [1, 2.5, True, False, None, {"nested": "ok"}],
}


def _round_trip(value: object) -> object:
    interpreter = regopy.Interpreter()
    interpreter.add_module("echo", "package echo\n\nvalue := input\n")
    interpreter.set_input(build_input(regopy, value))
    return json.loads(str(interpreter.query("data.echo.value")))["expressions"][0]


def test_every_value_arrives_unchanged() -> None:
    assert _round_trip(AWKWARD) == AWKWARD


def test_strings_compare_equal_to_policy_literals() -> None:
    interpreter = regopy.Interpreter()
    interpreter.add_module("check", 'package check\n\nsame := input.address == '
                           '"module.pacs[\\"eu\\"].aws_security_group.this[0]"\n')
    interpreter.set_input(build_input(regopy, AWKWARD))
    assert json.loads(str(interpreter.query("data.check.same")))["expressions"] == [True]


def test_a_value_that_is_not_json_is_refused() -> None:
    with pytest.raises(TypeError, match="cannot pass a set"):
        build_input(regopy, {"ports": {104}})
