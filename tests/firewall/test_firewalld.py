"""firewalld zones: dispatch by source, interface and default zone; rich rules; services;
targets; forward-ports; and malformed XML."""

from __future__ import annotations

import pytest

from dicomguard.firewall import firewalld
from dicomguard.firewall.analyse import verdicts
from dicomguard.model import InputError
from tests.firewall.conftest import CATALOGUE


def zone(body: str, target: str = "default") -> str:
    return f'<?xml version="1.0" encoding="utf-8"?>\n<zone target="{target}">\n{body}\n</zone>\n'


def status(zones: dict[str, str], conf: str | None = None, services: dict | None = None,
           version: int = 4) -> dict[int, str]:
    ruleset = firewalld.from_files({name: (text, 0) for name, text in zones.items()},
                                   {name: (text, 0) for name, text in (services or {}).items()},
                                   ("firewalld.conf", conf) if conf else None)
    return {v.port: v.status for v in verdicts(ruleset, CATALOGUE) if v.version == version}


def test_ports_of_the_default_zone_are_exposed() -> None:
    found = status({"zones/public.xml": zone('<port protocol="tcp" port="104"/>')})
    assert found[104] == "exposed"
    assert found[4242] == "closed"


def test_a_source_bound_zone_is_not_the_internet() -> None:
    found = status({"zones/public.xml": zone('<service name="ssh"/>'),
                    "zones/pacs.xml": zone('<source address="10.20.0.0/16"/>\n'
                                           '<port protocol="tcp" port="104"/>')})
    assert found[104] == "closed"


def test_default_zone_from_firewalld_conf_and_shipped_zones() -> None:
    pacs = zone('<port protocol="tcp" port="11112"/>')
    assert status({"zones/pacs.xml": pacs}, "DefaultZone=pacs\n")[11112] == "exposed"
    assert status({"zones/pacs.xml": pacs})[11112] == "closed"  # public is the default
    assert status({"zones/pacs.xml": pacs}, "DefaultZone=trusted\n")[104] == "exposed"


def test_rich_rules_deny_before_allow_and_priorities() -> None:
    body = ('<port protocol="tcp" port="104"/>\n'
            '<rule><port protocol="tcp" port="104"/><reject/></rule>\n'
            '<rule priority="-5"><port protocol="tcp" port="4242"/><accept/></rule>\n'
            '<rule priority="-1"><port protocol="tcp" port="4242"/><drop/></rule>\n'
            '<rule family="ipv6"><port protocol="tcp" port="8042"/><accept/></rule>')
    found = status({"zones/public.xml": zone(body)})
    assert found[104] == "closed"
    assert found[4242] == "exposed"
    assert found[8042] == "closed"
    assert status({"zones/public.xml": zone(body)}, version=6)[8042] == "exposed"


def test_custom_and_unknown_services() -> None:
    service = ('<?xml version="1.0"?>\n<service>\n<port protocol="tcp" port="4242"/>\n'
               "</service>\n")
    found = status({"zones/public.xml": zone('<service name="orthanc"/>\n'
                                             '<service name="mystery"/>')},
                   services={"services/orthanc.xml": service})
    assert found[4242] == "exposed"
    assert found[104] == "unresolved"


def test_zone_targets() -> None:
    assert status({"zones/public.xml": zone("", "ACCEPT")})[104] == "exposed"
    assert status({"zones/public.xml": zone("", "DROP")})[104] == "closed"


def test_a_zone_on_another_interface_makes_it_unresolved() -> None:
    found = status({"zones/public.xml": zone('<service name="ssh"/>'),
                    "zones/internal.xml": zone('<interface name="eth1"/>\n'
                                               '<port protocol="tcp" port="104"/>')})
    assert found[104] == "unresolved"
    assert found[4242] == "closed"


def test_forward_port_to_another_host_is_exposure() -> None:
    body = '<forward-port port="11112" protocol="tcp" to-addr="10.0.0.5" to-port="104"/>'
    ruleset = firewalld.from_files({"zones/public.xml": (zone(body), 0)}, {}, None)
    found = [v for v in verdicts(ruleset, CATALOGUE) if v.version == 4 and v.port == 11112]
    assert found[0].status == "exposed"
    assert found[0].admissions[0].service_port == 104
    assert found[0].admissions[0].decision.line == 3


@pytest.mark.parametrize("text", [
    "<zone><port port='104'", "<service/>",
    '<!DOCTYPE z [<!ENTITY a "aaaa">]><zone>&a;</zone>',
    zone('<source address="not-an-address"/>'),
])
def test_bad_zone_files_are_errors(text: str) -> None:
    with pytest.raises(InputError):
        firewalld.from_files({"zones/public.xml": (text, 0)}, {}, None)


def test_a_zone_rendered_from_a_template_keeps_its_name() -> None:
    found = status({"roles/fw/templates/public.xml.j2": zone('<port protocol="tcp" port="104"/>')})
    assert found[104] == "exposed"
