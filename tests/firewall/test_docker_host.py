"""A Docker host behind ufw: a published port is DNATed to the container in nat PREROUTING and
forwarded through DOCKER-USER and DOCKER, so ufw's INPUT rules never see it; the container's
subnet is reached only through Docker's bridge, which the rule set shows by masquerading that
subnet out of every other interface."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import scan_json
from tests.firewall.conftest import FIREWALL_EXAMPLES

INSECURE = FIREWALL_EXAMPLES / "iptables" / "docker-insecure" / "rules.v4"


def test_a_published_port_is_exposed_whatever_ufw_input_says() -> None:
    code, report = scan_json(str(INSECURE))
    assert code == 1 and not report["errors"]
    [finding] = report["findings"]
    assert (finding["rule_id"], finding["ports"], finding["confidence"]) == ("DG101", [4242],
                                                                              "confirmed")
    assert finding["path"] == ("nat PREROUTING rule 1 -> nat DOCKER rule 2 (DNAT to "
                               "172.17.0.2:4242) -> FORWARD rule 4 -> DOCKER rule 1")
    line = INSECURE.read_text().splitlines()[finding["line"] - 1]
    assert line.startswith("-A DOCKER -d 172.17.0.2/32")


def test_docker_user_dropping_the_internet_protects_the_published_port() -> None:
    code, report = scan_json(str(FIREWALL_EXAMPLES / "iptables" / "docker-secure"))
    assert (code, report["findings"], report["errors"]) == (0, [], [])


def test_a_rule_for_another_outgoing_interface_does_not_apply(tmp_path: Path) -> None:
    """`-o eth1` cannot be where a packet for 172.17.0.2 leaves: only `-o docker0` can."""
    text = INSECURE.read_text().replace(
        "-A DOCKER-USER -j RETURN\n",
        "-A DOCKER-USER -o eth1 -j RETURN\n-A DOCKER-USER -o docker0 -j DROP\n")
    (tmp_path / "rules.v4").write_text(text)
    code, report = scan_json(str(tmp_path))
    assert (code, report["findings"], report["errors"]) == (0, [], [])


def test_the_report_says_which_subnet_is_taken_as_behind_the_bridge() -> None:
    _, report = scan_json(str(INSECURE))
    notes = [note["message"] for note in report["notes"]]
    assert any("172.17.0.0/16" in note and "docker0" in note for note in notes), notes
