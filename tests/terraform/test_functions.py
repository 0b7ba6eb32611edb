"""Built-in functions, with the examples of https://developer.hashicorp.com/terraform/language/functions."""

import pytest

from dicomguard.model import Unknown


@pytest.mark.parametrize(("expression", "expected"), [
    ("abs(-12.4)", 12.4), ("ceil(4.1)", 5), ("floor(4.9)", 4), ("max(12, 54, 3)", 54),
    ("min(12, 54, 3)", 3),
    ('coalesce("", "b")', "b"), ('coalescelist([], ["c"])', ["c"]),
    ('compact(["a", "", null, "b"])', ["a", "b"]), ("concat([1], [2, 3])", [1, 2, 3]),
    ('contains(["a", "b"], "b")', True), ("distinct([1, 2, 1])", [1, 2]),
    ('element(["a", "b", "c"], 3)', "a"), ("flatten([[1, [2]], [3]])", [1, 2, 3]),
    ('index(["a", "b"], "b")', 1), ("keys({b = 1, a = 2})", ["a", "b"]),
    ("values({b = 1, a = 2})", [2, 1]), ('length("hello")', 5), ("length({a = 1})", 1),
    ('lookup({a = "x"}, "b", "d")', "d"), ("merge({a = 1}, {a = 2, b = 3})", {"a": 2, "b": 3}),
    ("one([])", None), ("one([5])", 5), ("range(3)", [0, 1, 2]), ("range(1, 8, 3)", [1, 4, 7]),
    ("reverse([1, 2])", [2, 1]), ('setunion(["b"], ["a", "b"])', ["a", "b"]),
    ("slice([1, 2, 3, 4], 1, 3)", [2, 3]), ('sort(["b", "a"])', ["a", "b"]),
    ('zipmap(["a", "b"], [1, 2])', {"a": 1, "b": 2}),
    ('format("%s:%d", "pacs", 104)', "pacs:104"), ('format("%05.1f", 3.14159)', "003.1"),
    ('formatlist("%s-%s", ["a", "b"], "x")', ["a-x", "b-x"]),
    ('join(",", ["a", "b"])', "a,b"), ('lower("AB")', "ab"), ('upper("ab")', "AB"),
    ('replace("1 + 2", "+", "-")', "1 - 2"), ('replace("hello", "/l+/", "L")', "heLo"),
    ('replace("a-1", "/(\\\\w)-(\\\\d)/", "$2$1")', "1a"),
    ('split(",", "a,b")', ["a", "b"]), ('substr("hello world", 1, 4)', "ello"),
    ('substr("hello", -3, -1)', "llo"), ('trim("?!hello?!", "!?")', "hello"),
    ('trimspace("  x \\n")', "x"), ('startswith("dicom", "di")', True),
    ('endswith("dicom", "om")', True), ('regex("[a-z]+", "53453453.345345aaabbbccc23454")',
                                         "aaabbbccc"),
    ('regex("(\\\\d+)-(\\\\d+)", "ports 100-110")', ["100", "110"]),
    ('tonumber("104")', 104), ("tostring(104)", "104"), ('tobool("true")', True),
    ('toset(["b", "a", "b"])', ["a", "b"]), ('tolist(["a"])', ["a"]), ('tomap({a = 1})', {"a": 1}),
    ('jsonencode({b = [1], a = "<x>"})', '{"a":"\\u003cx\\u003e","b":[1]}'),
    ('jsondecode("{\\"port\\": 104}")', {"port": 104}),
    ('yamldecode("a: [1, 2]")', {"a": [1, 2]}),
    # Same document as Terraform's `"a": 1`, not the same text (PyYAML's style).
    ('yamldecode(yamlencode({a = 1, b = ["x"]}))', {"a": 1, "b": ["x"]}),
    ('base64encode("Hello World")', "SGVsbG8gV29ybGQ="),
    ('cidrhost("10.12.112.0/20", 16)', "10.12.112.16"),
    ('cidrhost("10.12.112.0/20", 268)', "10.12.113.12"),
    ('cidrnetmask("172.16.0.0/12")', "255.240.0.0"),
    ('cidrsubnet("172.16.0.0/12", 4, 2)', "172.18.0.0/16"),
    ('cidrsubnet("fd00:fd12:3456:7890::/56", 16, 162)', "fd00:fd12:3456:7800:a200::/72"),
    ('cidrsubnets("10.1.0.0/16", 4, 4, 8, 4)',
     ["10.1.0.0/20", "10.1.16.0/20", "10.1.32.0/24", "10.1.48.0/20"]),
])
def test_documented_examples(value, expression: str, expected: object) -> None:
    assert value(expression) == expected


def test_functions_that_only_move_values_keep_unknown_elements(value) -> None:
    extra = 'variable "x" {}\n'
    assert len(value("concat([var.x], [1])", extra=extra)) == 2
    assert value('length(["a", var.x])', extra=extra) == 2
    assert isinstance(value('merge({a = var.x}, {b = 1})', extra=extra)["a"], Unknown)
    assert isinstance(value('join(",", ["a", var.x])', extra=extra), Unknown)
    assert isinstance(value("coalesce(var.x, 1)", extra=extra), Unknown)
    assert value('coalesce("a", var.x)', extra=extra) == "a"


def test_try_of_an_unknown_is_unknown(value) -> None:
    assert isinstance(value("try(var.x, 1)", extra='variable "x" {}\n'), Unknown)


def test_functions_known_only_after_apply_are_unknown(value) -> None:
    assert isinstance(value("timestamp()"), Unknown)
    assert isinstance(value('provider::aws::arn_parse("x")'), Unknown)


def test_expanding_a_list_into_arguments(value) -> None:
    assert value("max([3, 104, 5]...)") == 104
