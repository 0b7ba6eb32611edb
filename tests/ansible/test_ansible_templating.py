from __future__ import annotations

import pytest

from dicomguard.ansible.evaluate import HostOnly
from dicomguard.ansible.templating import condition, template
from dicomguard.limits import LimitExceeded
from dicomguard.model import Unknown, is_unknown

VARIABLES = {
    "port": 4242, "ports": [104, 11112], "name": "Orthanc", "enabled": "yes",
    "users": {"admin": "s3cret"}, "registered": Unknown("result of a task"),
    "chain": "{{ port + 1 }}", "extra": {"b": 2}, "text": '{"a": 1}',
}


@pytest.mark.parametrize(("expression", "expected"), [
    ("{{ port }}", 4242),
    ("{{ ports }}", [104, 11112]),
    ("{{ chain }}", 4243),
    ("port {{ port }}/tcp", "port 4242/tcp"),
    ("{{ missing | default(8042) }}", 8042),
    ("{{ missing | d(8042) }}", 8042),
    ("{{ enabled | bool }}", True),
    ("{{ '104' | int }}", 104),
    ("{{ port | string }}", "4242"),
    ("{{ name | lower }}", "orthanc"),
    ("{{ name | upper }}", "ORTHANC"),
    ("{{ ports | join(',') }}", "104,11112"),
    ("{{ users.keys() | list }}", ["admin"]),
    ("{{ users | dict2items }}", [{"key": "admin", "value": "s3cret"}]),
    ("{{ [{'key': 'a', 'value': 1}] | items2dict }}", {"a": 1}),
    ("{{ {'a': 1} | combine(extra) }}", {"a": 1, "b": 2}),
    ("{{ (port == 4242) | ternary('dicom', 'web') }}", "dicom"),
    ("{{ '10.0.0.1/8' | regex_replace('/.*$', '') }}", "10.0.0.1"),
    ("{{ users | to_json }}", '{"admin": "s3cret"}'),
    ("{{ (text | from_json).a }}", 1),
    ("{{ port | mandatory }}", 4242),
    ("{{ {'b': 1} | to_nice_json }}", '{\n    "b": 1\n}'),
])
def test_filters_playbooks_use(expression: str, expected: object) -> None:
    assert template(expression, VARIABLES) == expected


def test_undefined_names_become_unknown_not_errors() -> None:
    value = template("{{ nowhere }}", VARIABLES)
    assert is_unknown(value) and "nowhere" in value.reason


def test_a_runtime_value_stays_unknown_even_with_a_default() -> None:
    """`default` replaces a name defined nowhere, not a value only the run will know."""
    assert is_unknown(template("{{ registered | default(8042) }}", VARIABLES))


def test_host_facts_are_unknown_even_with_a_default() -> None:
    variables = HostOnly(VARIABLES)
    address = template("{{ ansible_facts.default_ipv4.address }}", variables)
    assert is_unknown(address) and "managed host" in address.reason
    assert is_unknown(template("{{ ansible_host | default('10.0.0.1') }}", variables))
    assert template("{{ port }}", variables) == 4242


def test_mandatory_on_an_undefined_name_is_unknown() -> None:
    assert is_unknown(template("{{ nowhere | mandatory }}", VARIABLES))


def test_lookups_are_unknown_and_never_run() -> None:
    value = template("{{ lookup('pipe', 'touch /tmp/pwned') }}", VARIABLES)
    assert is_unknown(value) and "lookup" in value.reason


def test_the_sandbox_refuses_python_internals() -> None:
    value = template("{{ name.__class__.__mro__[1].__subclasses__() }}", VARIABLES)
    assert is_unknown(value)


def test_nested_values_are_templated_and_unknown_parts_stay_in_place() -> None:
    result = template({"a": ["{{ port }}", "{{ registered }}"]}, VARIABLES)
    assert result["a"][0] == 4242
    assert is_unknown(result["a"][1])


def test_a_variable_that_refers_to_itself_is_unknown() -> None:
    assert is_unknown(template("{{ loop_me }}", {"loop_me": "{{ loop_me }}"}))


@pytest.mark.parametrize(("expression", "expected"), [
    ("port == 4242", True),
    ("port != 4242", False),
    ("nowhere is defined", False),
    ("registered is defined", True),
    (["port > 100", "name is match('Orth')"], True),
    (["port > 100", "false"], False),
    (True, True),
])
def test_conditions_that_can_be_decided(expression: object, expected: bool) -> None:
    assert condition(expression, VARIABLES) is expected


def test_a_condition_on_a_runtime_value_cannot_be_decided() -> None:
    verdict = condition("registered.rc == 0", VARIABLES)
    assert isinstance(verdict, Unknown)


@pytest.mark.parametrize("expression", [
    "{{ 'x' * 10000000000 }}", "{{ 2 ** 100000000 }}", "{{ range(10 ** 9) | list }}"])
def test_hostile_expressions_do_not_exhaust_the_machine(expression: str) -> None:
    with pytest.raises(LimitExceeded):
        template(expression, VARIABLES)


def test_aliases_that_nest_widely_are_bounded() -> None:
    from dicomguard.ansible.loader import load_yaml

    lines = ["a: &a ['{{ port }}', '{{ port }}', '{{ port }}', '{{ port }}', '{{ port }}']"]
    for level in range(1, 12):
        previous = chr(ord("a") + level - 1)
        name = chr(ord("a") + level)
        lines.append(f"{name}: &{name} [*{previous}, *{previous}, *{previous}, *{previous}]")
    with pytest.raises(LimitExceeded, match="aliases"):
        load_yaml("\n".join(lines) + "\n")
