"""nftables configuration: tables of every family, base chains, sets, defines, verdict maps,
jump/goto, NAT, and the errors `nft -f` would report."""

from __future__ import annotations

import pytest

from dicomguard.firewall import nftables
from dicomguard.model import InputError
from tests.firewall.conftest import status_by_port, verdicts_of


def inet(*rules: str, policy: str = "drop", extra: str = "") -> str:
    body = "\n\t\t".join(rules)
    return (f"table inet filter {{\n\tchain input {{\n\t\ttype filter hook input priority 0; "
            f"policy {policy};\n\t\t{body}\n\t}}\n{extra}}}\n")


def status(text: str, port: int = 104, version: int = 4) -> str:
    return status_by_port("nftables", text)[(version, port)]


def test_an_inet_table_gives_both_ip_versions() -> None:
    found = status_by_port("nftables", inet(policy="accept"))
    assert {version for version, _ in found} == {4, 6}
    assert set(found.values()) == {"exposed"}


def test_an_ip_table_gives_only_ipv4() -> None:
    text = "table ip filter {\n chain input {\n  type filter hook input priority 0;\n }\n}\n"
    assert {version for version, _ in status_by_port("nftables", text)} == {4}


def test_anonymous_sets_ranges_and_negation() -> None:
    text = inet("tcp dport { 100-110, 4242 } accept", "tcp dport != 8042 drop",
                "tcp dport 8042 accept")
    assert status(text, 104) == "exposed"
    assert status(text, 4242) == "exposed"
    assert status(text, 11112) == "closed"
    assert status(text, 8042) == "exposed"


def test_defines_and_named_sets() -> None:
    extra = ("\tset allowed {\n\t\ttype ipv4_addr\n\t\tflags interval\n"
             "\t\telements = { 10.0.0.0/8 }\n\t}\n")
    text = "define PACS = { 104, 11112 }\n" + inet("ip saddr @allowed accept",
                                                   "tcp dport $PACS accept", extra=extra)
    assert status(text, 104) == "exposed"
    assert status(text, 4242) == "closed"


def test_ip_saddr_does_not_match_ipv6() -> None:
    text = inet("ip saddr != 10.0.0.0/8 accept")
    assert status(text, 104, 4) == "exposed"
    assert status(text, 104, 6) == "closed"


def test_a_set_filled_at_run_time_is_unresolved() -> None:
    extra = "\tset blocked {\n\t\ttype ipv4_addr\n\t\tflags dynamic, timeout\n\t}\n"
    text = inet("ip saddr @blocked drop", policy="accept", extra=extra)
    assert status(text, 104, 4) == "unresolved"
    assert status(text, 104, 6) == "exposed"


def test_verdict_maps_on_ct_state_and_ports() -> None:
    text = inet("ct state vmap { established : accept, related : accept, invalid : drop }",
                "tcp dport vmap { 104 : accept, 4000-4999 : jump pacs, 8042 : drop }",
                extra="\tchain pacs {\n\t\tip saddr 10.0.0.0/8 accept\n\t\taccept\n\t}\n")
    assert status(text, 104) == "exposed"
    assert status(text, 4242) == "exposed"
    assert status(text, 8042) == "closed"
    assert status(text, 11112) == "closed"


def test_jump_returns_and_goto_does_not() -> None:
    chains = ("\tchain a {\n\t\ttcp dport 104 return\n\t\tdrop\n\t}\n"
              "\tchain b {\n\t\ttcp dport 104 return\n\t}\n")
    jump = inet("jump a", "accept", extra=chains)
    goto = inet("goto b", "accept", extra=chains)
    assert status(jump, 104) == "exposed"
    assert status(jump, 4242) == "closed"
    assert status(goto, 104) == "closed"


def test_every_base_chain_of_a_hook_must_accept() -> None:
    text = (inet(policy="accept") +
            "table ip guard {\n chain input {\n  type filter hook input priority 10; policy drop;\n"
            "  tcp dport 4242 accept\n }\n}\n")
    assert status(text, 104, 4) == "closed"
    assert status(text, 4242, 4) == "exposed"
    assert status(text, 104, 6) == "exposed"


def test_dnat_in_a_nat_chain_forwards() -> None:
    text = ("table ip nat {\n chain prerouting {\n  type nat hook prerouting priority dstnat;\n"
            "  tcp dport 104 dnat to 10.0.0.5\n }\n}\n" +
            inet(extra="\tchain forward {\n\t\ttype filter hook forward priority 0; policy drop;\n"
                       "\t\tct status dnat accept\n\t}\n"))
    verdict = next(v for v in verdicts_of("nftables", text) if (v.version, v.port) == (4, 104))
    assert verdict.status == "exposed"
    assert verdict.admissions[0].forwarded_to == "10.0.0.5"


def test_limit_and_interfaces_are_unresolved_loopback_is_not() -> None:
    assert status(inet('iifname "lo" accept')) == "closed"
    assert status(inet('iifname "eth0" accept')) == "unresolved"
    assert status(inet("limit rate 10/second accept")) == "unresolved"


def test_expressions_not_evaluated_are_unresolved_not_errors() -> None:
    extra = ("\tset pairs {\n\t\ttype ipv4_addr . inet_service\n"
             "\t\telements = { 10.0.0.1 . 104 }\n\t}\n")
    assert status(inet("ip saddr . tcp dport @pairs accept", extra=extra)) == "unresolved"
    assert status(inet("tcp dport 104 meter flood size 128 { ip saddr limit rate 5/second } "
                       "accept")) == "unresolved"
    assert status(inet("ip saddr . tcp dport vmap { 10.0.0.1 . 104 : accept }")) == "unresolved"


def test_add_commands_build_the_same_rule_set() -> None:
    text = ("add table inet filter\n"
            "add chain inet filter input { type filter hook input priority 0; policy drop; }\n"
            "add rule inet filter input tcp dport 104 accept\n")
    assert status(text, 104) == "exposed"
    assert status(text, 4242) == "closed"


def test_comments_counters_and_logging_are_not_verdicts() -> None:
    text = inet('tcp dport 104 counter log prefix "pacs " comment "archive"',
                'meta l4proto tcp counter packets 0 bytes 0')
    assert status(text) == "closed"


def test_policy_line_is_the_origin_of_a_policy_verdict() -> None:
    text = inet(policy="accept")
    verdict = next(v for v in verdicts_of("nftables", text) if v.port == 104)
    assert verdict.admissions[0].decision.line == 3
    assert verdict.admissions[0].decision.path == "inet filter input policy ACCEPT"


@pytest.mark.parametrize(("text", "line", "message"), [
    ("table inet filter {\n chain input {\n  jump nowhere\n }\n}\n", 3, "nowhere"),
    ("table inet filter {\n chain input {\n  tcp dport $PORTS accept\n }\n}\n", 3, "$PORTS"),
    ("table inet filter {\n chain input {\n  accept\n", 3, "end of file"),
    ("tabel inet filter {\n}\n", 1, "not an nft command"),
    ("table inet f {\n chain input {\n  ip saddr @nope accept\n }\n}\n", 3, "@nope"),
])
def test_what_nft_would_refuse_is_an_error_with_its_line(text: str, line: int,
                                                         message: str) -> None:
    with pytest.raises(InputError) as raised:
        nftables.parse(text, "nftables.conf")
    assert raised.value.line == line
    assert message in raised.value.message


def test_notrack_makes_later_state_matches_unresolved() -> None:
    text = ("table ip raw {\n chain pre {\n  type filter hook prerouting priority raw;\n"
            "  tcp dport 104 notrack\n }\n}\n" + inet("ct state new accept"))
    assert status(text, 104, 4) == "unresolved"
    assert status(text, 104, 6) == "exposed"


def test_a_drop_on_an_extension_header_does_not_stop_an_ordinary_connection() -> None:
    ruleset = ("table inet filter {\n  chain input {\n    type filter hook input priority 0; "
               "policy drop;\n    rt type 0 drop\n    frag frag-off != 0 drop\n"
               "    tcp dport 104 accept\n  }\n}\n")
    assert status(ruleset, version=6) == "exposed"
    assert status(ruleset, version=4) == "exposed"


def test_the_interface_a_rule_set_masquerades_through_is_where_the_internet_arrives() -> None:
    ruleset = ('table inet filter {\n  chain input {\n    type filter hook input priority 0; '
               'policy drop;\n    iifname "wan0" tcp dport 104 accept\n  }\n}\n'
               'table ip nat {\n  chain postrouting {\n    type nat hook postrouting priority 100;'
               '\n    oifname "wan0" masquerade\n  }\n}\n')
    assert status(ruleset) == "exposed"
    assert status(ruleset.replace('oifname "wan0" masquerade', "masquerade")) == "unresolved"
