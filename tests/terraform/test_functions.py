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


@pytest.mark.parametrize(("expression", "expected"), [
    ('setproduct(["development", "staging"], ["app1", "app2"])',
     [["development", "app1"], ["development", "app2"], ["staging", "app1"],
      ["staging", "app2"]]),
    ('setproduct(["a"], [])', []),
    ('setproduct(["0.0.0.0/0"], [104, 11112])', [["0.0.0.0/0", 104], ["0.0.0.0/0", 11112]]),
    ('transpose({a = ["1", "2"], b = ["2", "3"]})', {"1": ["a"], "2": ["a", "b"], "3": ["b"]}),
    ('matchkeys(["i-123", "i-abc", "i-def"], ["us-west", "us-east", "us-east"], ["us-east"])',
     ["i-abc", "i-def"]),
    ("log(16, 2)", 4), ("log(1, 10)", 0),
    ('csvdecode("a,b,c\\n1,2,3\\n4,5,6")',
     [{"a": "1", "b": "2", "c": "3"}, {"a": "4", "b": "5", "c": "6"}]),
    ('urlencode("Hello World!")', "Hello+World%21"), ('urlencode("☃")', "%E2%98%83"),
    ('urlencode("foo:bar@localhost?foo=bar&bar=baz")',
     "foo%3Abar%40localhost%3Ffoo%3Dbar%26bar%3Dbaz"),
    ('textencodebase64("Hello World", "UTF-16LE")', "SABlAGwAbABvACAAVwBvAHIAbABkAA=="),
    ('textdecodebase64("SABlAGwAbABvACAAVwBvAHIAbABkAA==", "UTF-16LE")', "Hello World"),
    ('sha1("hello world")', "2aae6c35c94fcfb415dbe95f408b9ce91ee846ed"),
    ('base64sha256("hello world")', "uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek="),
    ('base64sha512("hello world")', "MJ7MSJwS1utMxA9QyQLytNDtd+5RGnx6m808qG1M2G+YndNbxf9JlnDaNCVb"
                                   "RbDP2DDoH2Bdz33FVC6TrpzXbw=="),
    ('uuidv5("dns", "www.terraform.io")', "a5008fae-b28c-5ba5-96cd-82b4c53552d6"),
    ('uuidv5("url", "https://www.terraform.io/")', "9db6f67c-dd95-5ea0-aa5b-e70e5c5f7cf5"),
    ('formatdate("DD MMM YYYY hh:mm ZZZ", "2018-01-02T23:12:01Z")', "02 Jan 2018 23:12 UTC"),
    ('formatdate("EEEE, DD-MMM-YY hh:mm:ss ZZZ", "2018-01-02T23:12:01Z")',
     "Tuesday, 02-Jan-18 23:12:01 UTC"),
    ('formatdate("EEE, DD MMM YYYY hh:mm:ss ZZZ", "2018-01-02T23:12:01-08:00")',
     "Tue, 02 Jan 2018 23:12:01 -0800"),
    ('formatdate("MMM DD, YYYY", "2018-01-02T23:12:01Z")', "Jan 02, 2018"),
    ('formatdate("HH:mmaa", "2018-01-02T23:12:01Z")', "11:12pm"),
    ("formatdate(\"h'h'mm\", \"2018-01-02T23:12:01-08:00\")", "23h12"),
    ("formatdate(\"H 'o''clock'\", \"2018-01-02T23:12:01Z\")", "11 o'clock"),
    ('formatdate("YYYY-MM-DD\'T\'hh:mm:ssZ", "2018-01-02T23:12:01+05:30")',
     "2018-01-02T23:12:01+05:30"),
    ('timeadd("2017-11-22T00:00:00Z", "10m")', "2017-11-22T00:10:00Z"),
    ('timeadd("2017-11-22T00:00:00+01:00", "-1h30m")', "2017-11-21T22:30:00+01:00"),
    ('timecmp("2017-11-22T00:00:00Z", "2017-11-22T00:00:00Z")', 0),
    ('timecmp("2017-11-22T00:00:00Z", "2017-11-22T01:00:00Z")', -1),
    ('timecmp("2017-11-22T01:00:00Z", "2017-11-22T01:00:00+01:00")', 1),
    ('pathexpand("/etc/pacs/orthanc.json")', "/etc/pacs/orthanc.json"),
    ('abspath("/etc/../etc/pacs")', "/etc/pacs"),
    ('ephemeralasnull("x")', "x"),
])
def test_the_remaining_built_in_functions_with_known_inputs(
        value, expression: str, expected: object) -> None:
    assert value(expression) == expected


def test_templatestring_renders_a_template_held_in_a_value(value) -> None:
    extra = 'locals {\n  rule = "allow %%{ for p in ports }$${p} %%{ endfor }"\n}\n'
    assert value("templatestring(local.rule, { ports = [104, 4242] })",
                 extra=extra) == "allow 104 4242 "


@pytest.mark.parametrize("expression", [
    'pathexpand("~/.ssh/id_rsa")', 'abspath("modules/pacs")', 'issensitive("x")',
    'bcrypt("x")', 'uuid()', 'base64gzip("x")'])
def test_functions_whose_result_depends_on_the_machine_are_unknown(value, expression) -> None:
    assert isinstance(value(expression), Unknown)


@pytest.mark.parametrize(("expression", "message"), [
    ('list("a")', "removed in Terraform 0.12"), ('map("a", 1)', "removed in Terraform 0.12"),
    ('formatdate("YYYY", "yesterday")', "not an RFC 3339 timestamp"),
    ('formatdate("YYY", "2018-01-02T23:12:01Z")', "invalid date format sequence"),
    ('timeadd("2017-11-22T00:00:00Z", "10 minutes")', "not a duration"),
    ('csvdecode("a,b\\n1")', "has 1 fields"),
    ('textencodebase64("x", "no-such-encoding")', "unknown character encoding"),
    ('matchkeys(["a"], [], [])', "as many keys as values"),
])
def test_a_function_called_wrongly_names_the_cause_and_the_line(
        configuration, expression: str, message: str) -> None:
    """Wrong use is an error (malformed) or a note (a value Terraform would reject), never a
    guessed value."""
    loaded = configuration({"main.tf": f'resource "test" "probe" {{\n  value = {expression}\n}}\n'})
    assert isinstance(loaded.by_address("test.probe").body.attr("value"), Unknown)
    reported = [(error.line, error.message) for error in loaded.errors] + [
        (note["origin"]["line"], note["message"]) for note in loaded.notes]
    assert any(line == 2 and message in text for line, text in reported), reported


SETPRODUCT_RULES = '''locals {
  rules = setproduct(["0.0.0.0/0"], [104, 11112])
}

resource "aws_security_group" "pacs" {
  name = "pacs"
}

resource "aws_security_group_rule" "dicom" {
  count             = length(local.rules)
  type              = "ingress"
  security_group_id = aws_security_group.pacs.id
  protocol          = "tcp"
  from_port         = local.rules[count.index][1]
  to_port           = local.rules[count.index][1]
  cidr_blocks       = [local.rules[count.index][0]]
}
'''


def test_rules_built_with_setproduct_are_judged_on_their_values(tmp_path) -> None:
    from tests.conftest import scan_json

    (tmp_path / "main.tf").write_text(SETPRODUCT_RULES, encoding="utf-8")
    code, report = scan_json(str(tmp_path))
    assert code == 1
    assert [(finding["resource"], finding["confidence"]) for finding in report["findings"]] == [
        ("aws_security_group_rule.dicom[0]", "confirmed"),
        ("aws_security_group_rule.dicom[1]", "confirmed")]
