"""A malformed or hostile file costs only its own findings, through the command line.

Each case puts one hostile unit (a Terraform module, an Ansible project, a rule set, a compose
project, a Kubernetes file) beside an insecure example of every family. The scan must end (the
subprocess timeout only guards against a hang), stay within a bounded memory, write its report,
name the hostile file (and line) as an input error with exit code 2, and still report every
example."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, measured_cli, run_cli

HANG_GUARD_SECONDS = 60
MEMORY_GUARD_MIB = 1024  # a scan of the canaries alone peaks near 100 MiB
CANARIES = {  # one insecure example per family, each reported whatever the hostile unit does
    "terraform": "terraform/insecure-pacs",
    "ansible": "ansible/insecure",
    "apps": "compose/insecure",
    "firewall": "firewall/iptables/insecure",
}


def _terraform(expression: str) -> dict[str, str]:
    """A module whose local `v` is the expression, read by a resource an adapter evaluates."""
    return {"main.tf": (
        f"locals {{\n  v = {expression}\n}}\n"
        'resource "aws_security_group" "h" {\n  name = "h"\n  description = local.v\n}\n')}


def _jinja(expression: str) -> dict[str, str]:
    """A play whose firewall task's port is the Jinja expression (line 4 is the task)."""
    return {"site.yml": (
        "- name: p\n  hosts: localhost\n  tasks:\n    - name: t\n"
        f'      community.general.ufw:\n        rule: allow\n        port: "{expression}"\n')}


def _alias_bomb(indent: str = "") -> str:
    """Nine levels of aliases, each naming the previous nine times: 9**9 values when expanded."""
    lines = [f"{indent}a: &a [x, x, x, x, x, x, x, x, x]"]
    for level in range(1, 10):
        name, previous = chr(97 + level), chr(96 + level)
        lines.append(f"{indent}{name}: &{name} [" + ", ".join([f"*{previous}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def _deep_json(depth: int) -> str:
    return "[" * depth + "]" * depth


HUNDRED_THOUSAND = 'flatten([for i in range(1000): [for j in range(100): "${i}-${j}"]])'
PLAY_HEAD = "- name: p\n  hosts: localhost\n"
ZONE = '<?xml version="1.0"?>\n<zone>\n  <port protocol="tcp" port="{}"/>\n</zone>\n'
RULES_V4 = "*filter\n:INPUT DROP [0:0]\n-A INPUT -p tcp --dport {} -j ACCEPT\nCOMMIT\n"
NFT_HEAD = "table inet f {\n chain input {\n  type filter hook input priority 0; policy accept;\n"

# id: (files of the hostile unit, the file the error names, its line or None, words in it)
CASES: dict[str, tuple[dict[str, str], str, int | None, str]] = {
    # Crashes that used to drop a whole family
    "ansible-roles-not-a-list": ({"site.yml": PLAY_HEAD + "  roles: 5\n"}, "site.yml", 1,
                                 "roles must be a list"),
    "ansible-role-name-too-long": ({"site.yml": PLAY_HEAD + "  roles:\n    - " + "r" * 300 + "\n"},
                                   "site.yml", None, "File name too long"),
    "terraform-pow-overflow": (_terraform("pow(10, 1000)"), "main.tf", 2, "too large"),
    "terraform-ceil-infinity": (_terraform("ceil(1.0e400)"), "main.tf", 2, "too large"),
    "terraform-count-infinity": ({"main.tf": 'resource "aws_security_group" "h" {\n'
                                             "  count = 1.0e400\n}\n"}, "main.tf", 2,
                                 "whole number"),
    "terraform-cidrsubnet-negative": (_terraform('cidrsubnet("10.0.0.0/8", -8, 0)'), "main.tf",
                                      2, "cidrsubnet"),
    "terraform-format-width": (_terraform('format("%01000000000000d", 1)'), "main.tf", 2,
                               "longer than"),
    "terraform-escape-beyond-unicode": (_terraform('"\\U0011FFFF"'), "main.tf", 2,
                                        "not a Unicode character"),
    "terraform-empty-interpolation": (_terraform('"${}"'), "main.tf", 2, "needs an expression"),
    "terraform-tfvars-json-deep": ({"main.tf": 'variable "x" {}\n',
                                    "terraform.tfvars.json": '{"x": ' + _deep_json(100_000) + "}"},
                                   "terraform.tfvars.json", 1, "nested too deeply"),
    "terraform-tf-json-deep": ({"main.tf.json": '{\n"locals": {"x": ' + _deep_json(100_000) + "}}"},
                               "main.tf.json", 2, "nests deeper than 200 levels"),
    "terraform-plan-json-deep": ({"plan.json": '{"format_version": "1.2", '
                                               '"terraform_version": "1.6.0", "planned_values": '
                                               '{"root_module": {"resources": '
                                               + _deep_json(100_000) + "}}}"},
                                 "plan.json", 1, "nested too deeply"),
    "terraform-tfvars-lone-surrogate": ({"main.tf": 'variable "x" {}\n'
                                                    'resource "aws_security_group" "h" {\n'
                                                    "  for_each = toset([var.x])\n}\n",
                                         "terraform.tfvars.json": '{\n"x": "\\uD800"\n}'},
                                        "terraform.tfvars.json", 2, "lone surrogate"),
    "orthanc-json-deep": ({"orthanc.json": '{"Name": ' + _deep_json(50_000) + "}"},
                          "orthanc.json", None, "nested too deeply"),
    "orthanc-json-lone-surrogate": ({"orthanc.json": '{\n  "Name": "\\uD800"\n}\n'},
                                    "orthanc.json", 2, "lone surrogate"),
    "nft-service-name-with-nul": ({"r.nft": NFT_HEAD + "  # " + "x" * 5000 + "\n"
                                   '  tcp dport "ht\x00tp" accept\n }\n}\n'},
                                  "r.nft", 5, "NUL"),
    "nftables-json-elements-not-a-list": (
        {"ruleset.json": '{"nftables": [\n  {"table": {"family": "inet", "name": "f"}},\n'
                         '  {"set": {"family": "inet", "table": "f", "name": "s", "elem": 5}}\n'
                         "]}\n"}, "ruleset.json", 3, "not a list"),
    "firewalld-port-0": ({"etc/firewalld/zones/public.xml": ZONE.format(0)},
                         "etc/firewalld/zones/public.xml", 3, "out of range"),
    "firewalld-port-65536": ({"etc/firewalld/zones/public.xml": ZONE.format(65536)},
                             "etc/firewalld/zones/public.xml", 3, "out of range"),
    "iptables-port-0": ({"rules.v4": RULES_V4.format(0)}, "rules.v4", 3, "out of range"),
    "iptables-port-65536": ({"rules.v4": RULES_V4.format(65536)}, "rules.v4", 3, "out of range"),
    "iptables-port-99999999": ({"rules.v4": RULES_V4.format(99999999)}, "rules.v4", 3,
                               "out of range"),
    # Memory and time from a few bytes
    "ansible-group-vars-alias-bomb": (
        {"site.yml": "- name: p\n  hosts: pacs\n  tasks:\n"
                     "    - community.general.ufw: {rule: allow, port: '{{ b }}'}\n",
         "inventory/hosts.ini": "[pacs]\nh1\n", "inventory/group_vars/pacs.yml": _alias_bomb()},
        "inventory/group_vars/pacs.yml", None, "aliases"),
    "compose-alias-bomb": ({"docker-compose.yml": "x-bomb:\n" + _alias_bomb("  ")
                            + "services:\n  orthanc:\n    image: orthancteam/orthanc\n"},
                           "docker-compose.yml", None, "aliases"),
    "kubernetes-alias-bomb": ({"service.yaml": "apiVersion: v1\nkind: Service\nmetadata:\n"
                               "  name: s\n  labels:\n" + _alias_bomb("    ")
                               + "spec:\n  type: LoadBalancer\n  ports: [{port: 4242}]\n"},
                              "service.yaml", None, "aliases"),
    "terraform-count-billion": ({"main.tf": 'resource "aws_security_group" "h" {\n'
                                            "  count = 1000000000\n}\n"}, "main.tf", 2,
                                "instances"),
    "terraform-nested-for-billion": (
        _terraform("[for a in range(1000): [for b in range(1000): [for c in range(1000): c]]]"),
        "main.tf", 2, "steps"),
    "terraform-indent-billion": (_terraform('indent(1000000000, "a\\nb")'), "main.tf", 2,
                                 "longer than"),
    "terraform-doubling-locals": (
        {"main.tf": 'locals {\n  a0 = "xxxxxxxx"\n'
                    + "".join(f'  a{i + 1} = "${{local.a{i}}}${{local.a{i}}}"\n'
                              for i in range(40))
                    + '}\nresource "aws_security_group" "h" {\n  description = local.a40\n}\n'},
        "main.tf", None, "longer than"),
    "terraform-yamldecode-bomb": (_terraform(f"yamldecode({json.dumps(_alias_bomb())})"),
                                  "main.tf", 2, "aliases"),
    "terraform-setunion-past-limit": (
        _terraform(f"length(setunion({HUNDRED_THOUSAND}, [for i in range(1000): i]))"),
        "main.tf", 2, "elements"),
    "jinja-center-billion": (_jinja("{{ 'a' | center(1000000000) }}"), "site.yml", 4,
                             "longer than"),
    "jinja-printf-width": (_jinja("{{ '%0999999999d' % 1 }}"), "site.yml", 4, "width"),
    "jinja-format-width": (_jinja("{{ '{:>999999999}'.format(1) }}"), "site.yml", 4, "width"),
    "jinja-nested-range": (_jinja("{% for a in range(100000) %}{% for b in range(100000) %}x"
                                  "{% endfor %}{% endfor %}"), "site.yml", 4, "steps"),
    "jinja-tower-of-powers": (_jinja("{{ ((9 ** 1000) ** 1000) ** 1000 }}"), "site.yml", 4,
                              "digits"),
    "nft-define-doubling": ({"r.nft": "define a0 = 1\n"
                             + "".join(f"define a{i + 1} = {{ $a{i}, $a{i} }}\n"
                                       for i in range(40))
                             + NFT_HEAD + "  tcp dport $a40 accept\n }\n}\n"},
                            "r.nft", None, "elements"),
    "iptables-chain-ladder": ({"rules.v4": "*filter\n:INPUT ACCEPT [0:0]\n"
                               + "".join(f":L{i} - [0:0]\n" for i in range(41))
                               + "-A INPUT -j L0\n"
                               + "".join(f"-A L{i} -p tcp -j L{i + 1}\n"
                                         f"-A L{i} -p udp -j L{i + 1}\n-A L{i} -j L{i + 1}\n"
                                         for i in range(40))
                               + "-A L40 -p tcp --dport 4242 -j ACCEPT\nCOMMIT\n"},
                              "rules.v4", None, "steps"),
}

# Valid input that used to hang: now evaluated, quickly and without error.
EVALUATED: dict[str, dict[str, str]] = {
    "terraform-regex-backtracking": _terraform(f'regexall("(a|a)*b", "{"a" * 40}")'),
    "terraform-replace-backtracking": _terraform(f'replace("{"a" * 40}", "/(a*)*b/", "x")'),
    "terraform-distinct-hundred-thousand": _terraform(f"length(distinct({HUNDRED_THOUSAND}))"),
    "jinja-regex-search-backtracking": _jinja(f"{{{{ '{'a' * 40}' | regex_search('(a*)*b') }}}}"),
    "jinja-regex-replace-backtracking": _jinja(
        f"{{{{ '{'a' * 40}' | regex_replace('(a|a)*b', 'x') }}}}"),
    "jinja-match-backtracking": _jinja(f"{{{{ '{'a' * 40}' is match('(a*)*b') }}}}"),
}


def _tree(root: Path, hostile: dict[str, str] | None) -> None:
    for family, example in CANARIES.items():
        shutil.copytree(EXAMPLES / example, root / f"canary-{family}")
    for name, text in (hostile or {}).items():
        path = root / "hostile" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def _scan(root: Path) -> tuple[int, dict]:
    result = measured_cli("scan", "--format", "json", ".", cwd=root, timeout=HANG_GUARD_SECONDS)
    assert result["stdout"], result["stderr"]
    assert "Traceback" not in result["stderr"] and "internal error" not in result["stderr"]
    assert result["peak_kib"] < MEMORY_GUARD_MIB * 1024, f"{result['peak_kib']} KiB at peak"
    return result["code"], json.loads(result["stdout"])


def _assert_canaries_reported(report: dict) -> None:
    reported = {finding["file"].split("/")[0] for finding in report["findings"]}
    assert {f"canary-{family}" for family in CANARIES} <= reported, reported
    assert not [error for error in report["errors"] if error["file"].startswith("canary-")]


@pytest.mark.parametrize("case", list(CASES))
def test_hostile_unit_is_an_input_error_of_its_own(case: str, tmp_path: Path) -> None:
    files, file, line, words = CASES[case]
    _tree(tmp_path, files)
    code, report = _scan(tmp_path)
    assert code == 2
    errors = [error for error in report["errors"] if error["file"] == f"hostile/{file}"]
    assert errors, report["errors"]
    assert any(words in error["message"] for error in errors), errors
    if line is not None:
        assert any(error["line"] == line for error in errors), errors
    _assert_canaries_reported(report)


@pytest.mark.parametrize("case", list(EVALUATED))
def test_patterns_and_sets_that_used_to_hang_are_evaluated(case: str, tmp_path: Path) -> None:
    _tree(tmp_path, EVALUATED[case])
    _, report = _scan(tmp_path)
    assert not [error for error in report["errors"] if error["file"].startswith("hostile/")]
    _assert_canaries_reported(report)


def test_symbolic_link_loop_is_an_error_and_the_scan_goes_on(tmp_path: Path) -> None:
    _tree(tmp_path, None)
    (tmp_path / "hostile").mkdir()
    (tmp_path / "hostile" / "a.tf").symlink_to("b.tf")
    (tmp_path / "hostile" / "b.tf").symlink_to("a.tf")
    code, report = _scan(tmp_path)
    assert code == 2
    assert {error["file"] for error in report["errors"]} == {"hostile/a.tf", "hostile/b.tf"}
    _assert_canaries_reported(report)


def test_lone_surrogate_reaching_the_facts_still_gives_every_report_format(tmp_path: Path
                                                                           ) -> None:
    """Even where a value is not caught as it is read, the report is written and the value is
    an input error; a for_each key holding it becomes part of a resource address."""
    _tree(tmp_path, {"main.tf": 'resource "aws_security_group" "h" {\n'
                                '  for_each = toset(jsondecode("[\\"\\\\uD800\\"]"))\n'
                                '  ingress {\n    from_port = 104\n    to_port = 104\n'
                                '    protocol = "tcp"\n    cidr_blocks = ["0.0.0.0/0"]\n  }\n}\n'})
    for report_format in ("text", "json", "sarif", "junit", "github"):
        result = run_cli("scan", "--format", report_format, ".", cwd=tmp_path,
                         timeout=HANG_GUARD_SECONDS)
        assert result.returncode == 2, (report_format, result.stderr)
        assert "hostile/main.tf" in result.stdout, report_format
    _, report = _scan(tmp_path)
    assert any(error["file"] == "hostile/main.tf" and "surrogate" in error["message"]
               for error in report["errors"])
    _assert_canaries_reported(report)
