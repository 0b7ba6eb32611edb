"""The whole pipeline on the firewall examples, as users run it; and the engine reused on text
from elsewhere (an Ansible template)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dicomguard.firewall import analyse_text
from dicomguard.sources import ScanContext
from tests.conftest import scan_json
from tests.firewall.conftest import CATALOGUE, FIREWALL_EXAMPLES

FORMATS = ["iptables", "nftables", "nftables-json", "ufw", "ufw-status", "firewalld"]


@pytest.mark.parametrize("name", FORMATS)
def test_insecure_examples_fail_with_the_admitting_line(name: str) -> None:
    code, report = scan_json(str(FIREWALL_EXAMPLES / name / "insecure"))
    assert code == 1, report
    assert not report["errors"]
    exposed = [f for f in report["findings"] if f["category"] == "exposed-dicom-port"]
    assert exposed
    for finding in exposed:
        line = Path(finding["file"]).read_text().splitlines()[finding["line"] - 1]
        assert line.strip(), finding
        assert finding["path"] and finding["path"] in finding["message"]


@pytest.mark.parametrize("name", FORMATS)
def test_secure_examples_pass(name: str) -> None:
    code, report = scan_json(str(FIREWALL_EXAMPLES / name / "secure"))
    assert (code, report["findings"], report["errors"]) == (0, [], [])


def test_iptables_finding_names_rule_path_and_ports() -> None:
    _, report = scan_json(str(FIREWALL_EXAMPLES / "iptables" / "insecure" / "rules.v4"))
    finding = next(f for f in report["findings"] if f["ports"] == [104])
    assert finding["line"] == 20
    assert finding["platform"] == "iptables"
    assert finding["confidence"] == "confirmed"
    assert "INPUT rule 5 -> PACS rule 3" in finding["message"]


def test_a_broken_rules_file_is_an_error_and_others_are_still_scanned(tmp_path: Path) -> None:
    (tmp_path / "rules.v4").write_text("*filter\n:INPUT DROP [0:0]\n-A INPUT -j NOPE\nCOMMIT\n")
    (tmp_path / "rules.v6").write_text("*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n")
    code, report = scan_json(str(tmp_path))
    assert code == 2
    assert [(e["line"], "NOPE" in e["message"]) for e in report["errors"]] == [(3, True)]
    assert {f["platform"] for f in report["findings"]} == {"ip6tables"}


def test_unresolved_verdicts_are_reported_not_passed(tmp_path: Path) -> None:
    (tmp_path / "rules.v4").write_text(
        "*filter\n:INPUT DROP [0:0]\n-A INPUT -i eth1 -p tcp --dport 104 -j ACCEPT\nCOMMIT\n")
    code, report = scan_json(str(tmp_path))
    finding = report["findings"][0]
    assert (finding["confidence"], finding["line"], finding["ports"]) == ("unresolved", 3, [104])
    assert "eth1" in " ".join(finding["unknown"])
    assert code == 0  # unresolved fails only with --strict
    strict_code, _ = scan_json(str(tmp_path), "--strict")
    assert strict_code == 1


def test_analyse_text_reuses_the_engine_with_a_line_offset() -> None:
    text = "*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n"
    context = ScanContext(roots=["."], catalogue=CATALOGUE)
    result = analyse_text("iptables", text, "roles/pacs/templates/rules.v4.j2", context,
                          line_offset=10)
    assert not result.errors
    fact = next(f for f in result.facts.ingress if f["ports"] == [[104, 104]])
    assert fact["origin"]["file"] == "roles/pacs/templates/rules.v4.j2"
    assert fact["origin"]["line"] == 12
    assert fact["peers"][0]["scope"] == "internet"
    assert fact["path"] == "INPUT policy ACCEPT"
    broken = analyse_text("nftables", "table inet f {\n", "x.nft", context, line_offset=5)
    assert broken.errors and broken.errors[0].line == 6


def test_facts_of_every_example_match_the_schema(tmp_path: Path) -> None:
    import json
    from importlib import resources

    import jsonschema

    dump = tmp_path / "facts.json"
    scan_json(str(FIREWALL_EXAMPLES), "--dump-facts", str(dump))
    schema = json.loads(resources.files("dicomguard").joinpath("schemas/facts.schema.json")
                        .read_text())
    document = json.loads(dump.read_text())
    jsonschema.validate(document, schema)
    platforms = {fact["platform"] for fact in document["ingress"]}
    assert platforms == {"iptables", "ip6tables", "nftables", "ufw", "firewalld"}


def test_an_inline_suppression_above_the_admitting_rule(tmp_path: Path) -> None:
    text = (FIREWALL_EXAMPLES / "iptables" / "insecure" / "rules.v4").read_text().replace(
        "-A PACS -p tcp -m tcp --dport 104 -j ACCEPT",
        '# dicomguard:ignore DG101 reason="teleradiology gateway, reviewed"\n'
        "-A PACS -p tcp -m tcp --dport 104 -j ACCEPT")
    (tmp_path / "rules.v4").write_text(text)
    _, report = scan_json(str(tmp_path))
    suppressed = {f["ports"][0]: f["suppressed"] for f in report["findings"]}
    assert suppressed == {104: True, 2575: False}


def test_configured_udp_ports_are_probed_as_udp() -> None:
    catalogue = [*CATALOGUE, {"port": 5000, "protocol": "udp", "service": "configured port "
                              "5000", "severity": "high"}]
    context = ScanContext(roots=["."], catalogue=catalogue)
    text = ("*filter\n:INPUT DROP [0:0]\n-A INPUT -p udp --dport 5000 -j ACCEPT\n"
            "-A INPUT -p tcp --dport 5000 -j DROP\nCOMMIT\n")
    result = analyse_text("iptables", text, "rules.v4", context)
    [fact] = result.facts.ingress
    assert (fact["protocol"], fact["ports"], fact["origin"]["line"]) == ("udp", [[5000, 5000]], 3)
