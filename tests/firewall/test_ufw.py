"""ufw: user.rules evaluated inside the chains ufw builds, with /etc/default/ufw policies, and
the text of `ufw status`."""

from __future__ import annotations

from dicomguard.firewall import ufw
from tests.firewall.conftest import CATALOGUE, FIREWALL_EXAMPLES, status_by_port

USER = FIREWALL_EXAMPLES / "ufw" / "insecure" / "etc" / "ufw" / "user.rules"


def ufw_status(texts: dict, version: int = 4) -> dict:
    from dicomguard.firewall.analyse import verdicts

    return {v.port: v.status for v in verdicts(ufw.from_files(texts, version), CATALOGUE)}


def test_user_rules_with_ufw_defaults() -> None:
    found = ufw_status({"user": (str(USER), USER.read_text(), 0)})
    assert found[104] == "exposed"
    assert found[4242] == "closed"
    assert found[8042] == "unresolved"  # `ufw limit`: -m recent
    assert found[11112] == "closed"  # default incoming policy: deny


def test_an_accepting_default_policy_points_at_etc_default_ufw() -> None:
    from dicomguard.firewall.analyse import verdicts

    default = 'IPV6=yes\nDEFAULT_INPUT_POLICY="ACCEPT"\n'
    ruleset = ufw.from_files({"user": ("user.rules", USER.read_text(), 0),
                              "default": ("etc/default/ufw", default, 0)}, 4)
    verdict = next(v for v in verdicts(ruleset, CATALOGUE) if v.port == 11112)
    assert verdict.status == "exposed"
    assert (verdict.admissions[0].decision.file, verdict.admissions[0].decision.line) == (
        "etc/default/ufw", 2)


def test_a_before_rules_drop_applies_before_user_rules() -> None:
    before = ("*filter\n:ufw-before-input - [0:0]\n"
              "-A ufw-before-input -p tcp --dport 104 -j DROP\nCOMMIT\n")
    found = ufw_status({"user": ("user.rules", USER.read_text(), 0),
                        "before": ("before.rules", before, 0)})
    assert found[104] == "closed"


def test_ipv6_disabled_means_no_ipv6_verdicts() -> None:
    texts = {"user6": ("user6.rules", USER.read_text().replace("ufw-", "ufw6-"), 0),
             "default": ("ufw", "IPV6=no\n", 0)}
    assert ufw_status(texts, 6) == {}


def test_status_text_rules_in_order_then_default() -> None:
    text = ("Status: active\nDefault: deny (incoming), allow (outgoing), disabled (routed)\n\n"
            "To                         Action      From\n"
            "--                         ------      ----\n"
            "104/tcp                    DENY IN     1.2.3.4\n"
            "104/tcp                    ALLOW IN    Anywhere\n"
            "4242/tcp on eth0           ALLOW IN    Anywhere\n"
            "Nginx Full                 ALLOW IN    Anywhere\n"
            "Orthanc                    ALLOW IN    10.0.0.0/8\n"
            "11112/tcp (v6)             ALLOW IN    Anywhere (v6)\n")
    found = status_by_port("ufw-status", text)
    assert found[(4, 104)] == "exposed"
    assert found[(4, 4242)] == "unresolved"
    assert found[(4, 8042)] == "closed"  # an unknown profile, but only from 10/8
    assert found[(4, 11112)] == "closed"
    assert found[(6, 11112)] == "exposed"


def test_status_without_verbose_has_an_unknown_default() -> None:
    text = "Status: active\n\nTo   Action  From\n--   ------  ----\n22/tcp  ALLOW  Anywhere\n"
    assert set(status_by_port("ufw-status", text).values()) == {"unresolved"}


def test_inactive_ufw_leaves_the_verdict_to_other_firewalls() -> None:
    assert set(status_by_port("ufw-status", "Status: inactive\n").values()) == {"unresolved"}


def test_user6_rules_are_read_with_the_same_defaults() -> None:
    from tests.conftest import scan_json

    _, report = scan_json(str(FIREWALL_EXAMPLES / "ufw" / "insecure"))
    ipv6 = {f["ports"][0]: f["file"] for f in report["findings"]
            if f["message"].startswith("IPv6")}
    assert ipv6[11112].endswith("user6.rules")
    assert ipv6[8042].endswith("default/ufw")  # DEFAULT_INPUT_POLICY="ACCEPT"
    assert 4242 not in ipv6


BEFORE6_HEADER_DROPS = """*filter
:ufw6-before-input - [0:0]
:ufw6-before-output - [0:0]
:ufw6-before-forward - [0:0]
# drop packets with RH0 headers, as ufw's shipped before6.rules does
-A ufw6-before-input -m rt --rt-type 0 -j DROP
-A ufw6-before-forward -m rt --rt-type 0 -j DROP
-A ufw6-before-output -m rt --rt-type 0 -j DROP
-A ufw6-before-input -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A ufw6-before-input -m conntrack --ctstate INVALID -j DROP
COMMIT
"""


def test_the_routing_header_drop_of_before6_rules_keeps_ipv6_verdicts_decided(
        tmp_path) -> None:
    """A sender leaves the routing header out; the rule cannot stop an ordinary connection."""
    from tests.conftest import scan_json

    (tmp_path / "etc" / "ufw").mkdir(parents=True)
    user6 = USER.parent / "user6.rules"
    (tmp_path / "etc" / "ufw" / "user6.rules").write_text(user6.read_text())
    (tmp_path / "etc" / "ufw" / "before6.rules").write_text(BEFORE6_HEADER_DROPS)
    _, report = scan_json(str(tmp_path))
    ipv6 = [finding for finding in report["findings"] if "IPv6" in finding["message"]]
    assert ipv6 and {finding["confidence"] for finding in ipv6} == {"confirmed"}, ipv6
