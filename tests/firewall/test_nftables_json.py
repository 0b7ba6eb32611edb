"""`nft -j list ruleset` JSON gives the same verdicts as the configuration it was listed from."""

from __future__ import annotations

import json

import pytest

from dicomguard.firewall import nftables_json
from dicomguard.model import InputError
from tests.firewall.conftest import FIREWALL_EXAMPLES, status_by_port


@pytest.mark.parametrize("variant", ["insecure", "secure"])
def test_json_listing_agrees_with_the_configuration(variant: str) -> None:
    conf = (FIREWALL_EXAMPLES / "nftables" / variant / "nftables.conf").read_text()
    listing = (FIREWALL_EXAMPLES / "nftables-json" / variant / "ruleset.json").read_text()
    assert status_by_port("nftables-json", listing) == status_by_port("nftables", conf)


def document(*expressions: dict, policy: str = "drop") -> str:
    return json.dumps({"nftables": [
        {"table": {"family": "inet", "name": "filter"}},
        {"chain": {"family": "inet", "table": "filter", "name": "input", "type": "filter",
                   "hook": "input", "prio": 0, "policy": policy}},
        {"rule": {"family": "inet", "table": "filter", "chain": "input",
                  "expr": list(expressions)}},
    ]}, indent=1)


def dport(value: object) -> dict:
    return {"match": {"op": "==", "left": {"payload": {"protocol": "tcp", "field": "dport"}},
                      "right": value}}


def test_sets_ranges_and_prefixes() -> None:
    text = document(dport({"set": [{"range": [100, 110]}, 4242]}),
                    {"match": {"op": "!=", "left": {"payload": {"protocol": "ip",
                                                                "field": "saddr"}},
                               "right": {"prefix": {"addr": "10.0.0.0", "len": 8}}}},
                    {"accept": None})
    found = status_by_port("nftables-json", text)
    assert found[(4, 104)] == "exposed"
    assert found[(4, 4242)] == "exposed"
    assert found[(4, 8042)] == "closed"
    assert found[(6, 104)] == "closed"


def test_rule_lines_point_into_pretty_printed_json() -> None:
    from dicomguard.firewall.analyse import verdicts
    from tests.firewall.conftest import CATALOGUE

    text = document(dport(104), {"accept": None})
    ruleset = nftables_json.parse(text, "ruleset.json")
    verdict = next(v for v in verdicts(ruleset, CATALOGUE) if v.port == 104)
    line = verdict.admissions[0].decision.line
    assert '"rule"' in text.splitlines()[line - 1]


@pytest.mark.parametrize("text", ['{"nftables": 3}', "[1, 2", '{"nftables": [{"rule": '
                                  '{"family": "inet", "table": "t", "chain": "c", "expr": 5}}]}'])
def test_malformed_json_is_an_error(text: str) -> None:
    with pytest.raises(InputError):
        nftables_json.parse(text, "ruleset.json")
