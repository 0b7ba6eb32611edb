"""iptables-save semantics: order, chains, RETURN, policies, negation, conntrack, NAT, and what
cannot be decided."""

from __future__ import annotations

import pytest

from dicomguard.firewall import iptables
from dicomguard.model import InputError
from tests.firewall.conftest import status_by_port, verdicts_of


def save(*rules: str, policy: str = "DROP", chains: str = "", nat: str = "") -> str:
    nat_table = (f"*nat\n:PREROUTING ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n{nat}\nCOMMIT\n"
                 if nat else "")
    body = "\n".join(rules)
    return (f"{nat_table}*filter\n:INPUT {policy} [0:0]\n:FORWARD DROP [0:0]\n"
            f":OUTPUT ACCEPT [0:0]\n{chains}{body}\nCOMMIT\n")


def status(text: str, port: int = 104, version: int = 4) -> str:
    kind = "iptables" if version == 4 else "ip6tables"
    return status_by_port(kind, text)[(version, port)]


def test_an_accepting_policy_exposes_every_port() -> None:
    assert set(status_by_port("iptables", save(policy="ACCEPT")).values()) == {"exposed"}


def test_a_dropping_policy_with_no_rules_closes_every_port() -> None:
    assert set(status_by_port("iptables", save()).values()) == {"closed"}


def test_first_matching_rule_wins() -> None:
    text = save("-A INPUT -p tcp --dport 104 -j DROP", "-A INPUT -p tcp --dport 104 -j ACCEPT")
    assert status(text) == "closed"
    text = save("-A INPUT -p tcp --dport 104 -j ACCEPT", "-A INPUT -p tcp --dport 104 -j DROP")
    assert status(text) == "exposed"


def test_the_admitting_rule_line_and_path_are_reported() -> None:
    text = save("-A INPUT -p tcp -j PACS", "-A PACS -p udp -j ACCEPT",
                "-A PACS -p tcp --dport 104 -j ACCEPT", chains=":PACS - [0:0]\n")
    verdict = next(v for v in verdicts_of("iptables", text) if v.port == 104)
    decision = verdict.admissions[0].decision
    assert verdict.status == "exposed"
    assert decision.line == 8
    assert decision.path == "INPUT rule 1 -> PACS rule 2"


def test_return_goes_back_to_the_calling_chain() -> None:
    text = save("-A INPUT -j PACS", "-A INPUT -p tcp --dport 104 -j ACCEPT",
                "-A PACS -p tcp --dport 104 -j RETURN", "-A PACS -j DROP",
                chains=":PACS - [0:0]\n")
    assert status(text) == "exposed"
    assert status(text, 4242) == "closed"


def test_goto_does_not_come_back() -> None:
    text = save("-A INPUT -g PACS", "-A INPUT -j ACCEPT", "-A PACS -p tcp --dport 4242 -j DROP",
                chains=":PACS - [0:0]\n")
    assert status(text, 4242) == "closed"
    assert status(text, 104) == "closed"  # falls off PACS, back to INPUT's caller: the policy


def test_multiport_lists_and_ranges() -> None:
    text = save("-A INPUT -p tcp -m multiport --dports 100:110,4242 -j ACCEPT")
    assert status(text, 104) == "exposed"
    assert status(text, 4242) == "exposed"
    assert status(text, 8042) == "closed"


def test_a_private_or_partner_source_is_not_the_internet() -> None:
    text = save("-A INPUT -s 10.0.0.0/8 -j ACCEPT", "-A INPUT -s 203.0.113.0/24 -j ACCEPT",
                "-A INPUT -s 198.18.0.0/15,192.168.0.0/16 -p tcp --dport 104 -j ACCEPT")
    assert set(status_by_port("iptables", text).values()) == {"closed"}


def test_a_negated_private_source_is_the_internet() -> None:
    assert status(save("-A INPUT ! -s 10.0.0.0/8 -p tcp --dport 104 -j ACCEPT")) == "exposed"


def test_dropping_part_of_the_internet_leaves_the_rest_exposed() -> None:
    text = save("-A INPUT -s 1.0.0.0/8 -j DROP", "-A INPUT -p tcp --dport 104 -j ACCEPT")
    verdict = next(v for v in verdicts_of("iptables", text) if v.port == 104)
    assert verdict.status == "exposed"


def test_dropping_the_whole_internet_in_pieces_closes() -> None:
    text = save("-A INPUT -s 0.0.0.0/1 -j DROP", "-A INPUT -s 128.0.0.0/1 -j DROP",
                "-A INPUT -j ACCEPT")
    assert status(text) == "closed"


def test_conntrack_established_only_does_not_admit_new_connections() -> None:
    text = save("-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
                "-A INPUT -m state --state INVALID -j ACCEPT")
    assert status(text) == "closed"
    assert status(save("-A INPUT -m conntrack --ctstate NEW -j ACCEPT")) == "exposed"
    assert status(save("-A INPUT -m conntrack ! --ctstate NEW -j ACCEPT")) == "closed"


def test_loopback_and_syn_matches() -> None:
    assert status(save("-A INPUT -i lo -j ACCEPT")) == "closed"
    assert status(save("-A INPUT ! -i lo -p tcp --dport 104 -j ACCEPT")) == "exposed"
    assert status(save("-A INPUT -p tcp ! --syn -j ACCEPT")) == "closed"
    assert status(save("-A INPUT -p tcp --syn -j ACCEPT")) == "exposed"


def test_log_is_not_a_verdict() -> None:
    assert status(save("-A INPUT -j LOG --log-prefix \"in \"")) == "closed"


def test_a_source_port_is_the_senders_choice() -> None:
    assert status(save("-A INPUT -p tcp --sport 53 -j ACCEPT")) == "exposed"


def test_undecidable_matches_make_the_verdict_unresolved() -> None:
    text = save("-A INPUT -p tcp --dport 104 -m recent --update --hitcount 4 -j DROP",
                "-A INPUT -p tcp --dport 104 -j ACCEPT")
    verdict = next(v for v in verdicts_of("iptables", text) if v.port == 104)
    assert verdict.status == "unresolved"
    assert any("-m recent" in reason for a in verdict.admissions for reason in a.reasons)
    set_allow = save("-A INPUT -m set --match-set allowed src -p tcp --dport 104 -j ACCEPT")
    assert status(set_allow) == "unresolved"


def test_an_undecidable_accept_before_an_accept_stays_confirmed() -> None:
    text = save("-A INPUT -m geoip --src-cc DE -j ACCEPT", "-A INPUT -j ACCEPT")
    assert status(text) == "exposed"


def test_an_unknown_interface_is_unresolved_but_loopback_is_not() -> None:
    assert status(save("-A INPUT -i eth1 -j ACCEPT")) == "unresolved"


def test_a_jump_to_a_logging_chain_changes_nothing() -> None:
    text = save("-A INPUT -m limit --limit 3/min -j LOGDROP", "-A INPUT -j ACCEPT",
                "-A LOGDROP -j LOG", "-A LOGDROP -j RETURN", chains=":LOGDROP - [0:0]\n")
    assert status(text) == "exposed"


def test_dnat_forwarding_counts_as_exposure_of_the_service_port() -> None:
    text = save("-A FORWARD -m conntrack --ctstate DNAT -j ACCEPT",
                nat="-A PREROUTING -p tcp --dport 8443 -j DNAT --to-destination 10.0.0.5:8042")
    verdicts = {(v.port, v.status) for v in verdicts_of("iptables", text)}
    assert (8443, "exposed") in verdicts
    assert (8042, "closed") in verdicts  # nothing arrives on 8042 itself


def test_forward_rules_see_the_translated_address() -> None:
    nat = "-A PREROUTING -p tcp --dport 104 -j DNAT --to-destination 10.0.0.5"
    open_to_host = save("-A FORWARD -d 10.0.0.5 -p tcp --dport 104 -j ACCEPT", nat=nat)
    other_host = save("-A FORWARD -d 10.0.0.6 -p tcp --dport 104 -j ACCEPT", nat=nat)
    assert status(open_to_host) == "exposed"
    assert status(other_host) == "closed"


def test_redirect_reaches_a_local_port() -> None:
    text = save("-A INPUT -p tcp --dport 11112 -j ACCEPT",
                nat="-A PREROUTING -p tcp --dport 104 -j REDIRECT --to-ports 11112")
    verdict = next(v for v in verdicts_of("iptables", text) if v.port == 104)
    assert verdict.status == "exposed"
    assert verdict.admissions[0].service_port == 11112


def test_ipv6_rules_and_addresses() -> None:
    text = save("-A INPUT -s fd00::/8 -j ACCEPT", "-A INPUT -p tcp --dport 4242 -j ACCEPT")
    assert status(text, 104, 6) == "closed"
    assert status(text, 4242, 6) == "exposed"


def test_a_file_without_a_filter_table_is_unresolved() -> None:
    text = "*nat\n:PREROUTING ACCEPT [0:0]\nCOMMIT\n"
    assert status(text) == "unresolved"


def test_counters_and_quoted_comments_are_read() -> None:
    text = save('[5:300] -A INPUT -p tcp -m comment --comment "PACS from anywhere" '
                "--dport 104 -j ACCEPT")
    assert status(text) == "exposed"


def test_inserted_rules_come_first() -> None:
    text = save("-A INPUT -p tcp --dport 104 -j ACCEPT", "-I INPUT 1 -p tcp --dport 104 -j DROP")
    assert status(text) == "closed"


@pytest.mark.parametrize(("text", "line", "message"), [
    ("*filter\n:INPUT DROP [0:0]\n-A INPUT -j NOWHERE\nCOMMIT\n", 3, "NOWHERE"),
    ("*filter\n:INPUT DROP [0:0]\n-A INPUT -j ACCEPT\n", 1, "COMMIT"),
    ("*filter\n:INPUT MAYBE [0:0]\nCOMMIT\n", 2, "policy"),
    ("*filter\n-A OTHER -j ACCEPT\nCOMMIT\n", 2, "not declared"),
    ("-A INPUT -j ACCEPT\n", 1, "outside a table"),
    # iptables resolves service names through /etc/services (`--dport http` is port 80); a
    # name netbase does not list is refused.
    ("*filter\n:INPUT DROP [0:0]\n-A INPUT -p tcp --dport nosuchservice -j ACCEPT\nCOMMIT\n", 3,
     "port"),
])
def test_what_the_kernel_would_refuse_is_an_error_with_its_line(text: str, line: int,
                                                                message: str) -> None:
    with pytest.raises(InputError) as raised:
        iptables.parse(text, "rules.v4", 4)
    assert raised.value.line == line
    assert message in raised.value.message


def test_container_bridges_are_not_where_the_internet_arrives() -> None:
    text = save("-A FORWARD -d 172.17.0.2/32 ! -i docker0 -p tcp --dport 8042 -j ACCEPT",
                nat="-A PREROUTING -i docker0 -j RETURN\n"
                    "-A PREROUTING ! -i docker0 -p tcp --dport 8042 -j DNAT "
                    "--to-destination 172.17.0.2:8042")
    assert status(text, 8042) == "exposed"
    assert status(save("-A INPUT -i br-0123456789ab -j ACCEPT")) == "closed"


def test_multiport_ports_matches_either_side() -> None:
    assert status(save("-A INPUT -p tcp -m multiport --ports 104 -j ACCEPT")) == "exposed"
    assert status(save("-A INPUT -p tcp -m multiport --ports 53 -j ACCEPT")) == "exposed"
    assert status(save("-A INPUT -p tcp -m multiport ! --ports 104 -j DROP",
                       "-A INPUT -j ACCEPT"), 4242) == "exposed"


def test_notrack_makes_later_state_matches_unresolved() -> None:
    raw = ("*raw\n:PREROUTING ACCEPT [0:0]\n"
           "-A PREROUTING -p tcp --dport 104 -j CT --notrack\nCOMMIT\n")
    text = raw + save("-A INPUT -m conntrack --ctstate NEW -p tcp -j ACCEPT")
    assert status(text, 104) == "unresolved"
    assert status(text, 4242) == "exposed"



def test_a_drop_on_an_extension_header_does_not_stop_an_ordinary_connection() -> None:
    assert status("*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -m rt --rt-type 0 -j DROP\n"
                  "-A INPUT -m frag --fragmore -j DROP\n-A INPUT -p tcp --dport 104 -j ACCEPT\n"
                  "-A INPUT -j DROP\nCOMMIT\n", version=6) == "exposed"
    # a sender could add the header to get through an accept
    assert status("*filter\n:INPUT DROP [0:0]\n-A INPUT -p tcp --dport 104 -m hbh -j ACCEPT\n"
                  "COMMIT\n", version=6) == "unresolved"


UPLINK = """*nat
:POSTROUTING ACCEPT [0:0]
-A POSTROUTING -s 10.0.0.0/24 -o eth0 -j MASQUERADE
COMMIT
*filter
:INPUT DROP [0:0]
-A INPUT -i eth0 -p tcp --dport 104 -j ACCEPT
-A INPUT -i eth1 -p tcp --dport 4242 -j ACCEPT
-A INPUT -i eth0 -p tcp --dport 11112 -j DROP
-A INPUT -p tcp --dport 11112 -j ACCEPT
COMMIT
"""


def test_the_interface_a_rule_set_masquerades_through_is_where_the_internet_arrives() -> None:
    assert status(UPLINK, port=104) == "exposed"
    assert status(UPLINK, port=11112) == "closed"
    assert status(UPLINK, port=4242) == "unresolved"  # eth1 may or may not face the internet
    without_nat = UPLINK.split("*filter", 1)[1]
    assert status("*filter" + without_nat, port=104) == "unresolved"


def test_the_uplink_is_named_in_a_note_at_the_masquerade_rule(tmp_path) -> None:
    from tests.conftest import scan_json

    (tmp_path / "iptables.rules").write_text(UPLINK, encoding="utf-8")
    _, report = scan_json(str(tmp_path))
    [note] = [note for note in report["notes"] if "internet arrives" in note["message"]]
    assert note["origin"]["line"] == 3 and note["message"].startswith("eth0 ")


def test_configured_internet_interfaces_decide_interface_bound_rules(tmp_path) -> None:
    from tests.conftest import scan_json

    rules = UPLINK.split("*filter", 1)[1]  # no masquerade rule to infer the uplink from
    (tmp_path / "iptables.rules").write_text("*filter" + rules, encoding="utf-8")
    _, inferred = scan_json(str(tmp_path))
    assert {finding["confidence"] for finding in inferred["findings"]} == {"unresolved"}
    (tmp_path / ".dicomguard.yaml").write_text("internet_interfaces: [eth0]\n")
    _, configured = scan_json(str(tmp_path))
    assert [(finding["message"].split(" admits")[0], finding["confidence"])
            for finding in configured["findings"]] == [("IPv4 INPUT rule 1", "confirmed")]
    assert any("internet_interfaces" in note["message"] for note in configured["notes"])


def test_internet_interfaces_must_be_interface_names(tmp_path) -> None:
    from tests.conftest import run_cli

    (tmp_path / ".dicomguard.yaml").write_text("internet_interfaces: ['eth0; rm -rf /']\n")
    (tmp_path / "iptables.rules").write_text("*filter" + UPLINK.split("*filter", 1)[1])
    result = run_cli("scan", str(tmp_path))
    assert result.returncode == 2
    assert "internet_interfaces" in result.stderr and "Traceback" not in result.stderr
