"""Windows Firewall tasks through the command line: a rule or an open firewall on the public
profile (or on every profile, the default) admits the internet; on the domain or private
profile only it admits the networks Windows trusts there."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, scan_json

PLAY = '''
- name: Windows PACS
  hosts: pacs
  vars:
    dicom_port: "11112"
  tasks:
{tasks}
'''


def _task(module: str = "community.windows.win_firewall_rule", **args: str) -> str:
    lines = [f"    - name: {args.pop('title', 'DICOM')}", f"      {module}:"]
    lines += [f"        {key}: {value}" for key, value in args.items()]
    return "\n".join(lines)


def _rule(**args: str) -> str:
    return _task(**{"localport": '"104,11112"', "action": "allow", "direction": "in",
                    "protocol": "tcp", **args})


def _scan(tmp_path: Path, *tasks: str, strict: bool = False) -> tuple[int, list[tuple]]:
    (tmp_path / "site.yml").write_text(textwrap.dedent(PLAY).format(tasks="\n".join(tasks)))
    code, report = scan_json(*(["--strict"] if strict else []), str(tmp_path))
    assert report["errors"] == []
    return code, sorted({(finding["line"], tuple(finding["ports"]), finding["confidence"])
                         for finding in report["findings"] if finding["rule_id"] == "DG101"})


@pytest.mark.parametrize("profiles", [None, "public", "[domain, public]", "domain,private,public",
                                      "any"])
def test_a_rule_on_the_public_profile_admits_the_internet(tmp_path: Path,
                                                        profiles: str | None) -> None:
    task = _rule(**({"profiles": profiles} if profiles else {}))
    assert _scan(tmp_path, task) == (1, [(7, (104, 11112), "confirmed")])


@pytest.mark.parametrize("profiles", ["domain", "[domain, private]", "private"])
def test_a_rule_on_trusted_profiles_only_is_not_the_internet(tmp_path: Path,
                                                            profiles: str) -> None:
    exposed = _rule(title="Orthanc", localport="4242")
    trusted = _rule(profiles=profiles)
    _, findings = _scan(tmp_path, exposed, trusted)
    assert findings == [(7, (4242,), "confirmed")]


@pytest.mark.parametrize(("remoteip", "flagged"), [
    ("any", True), ("Internet", True), ("0.0.0.0/0", True),
    ("1.0.0.0-223.255.255.255", True),
    ("10.20.0.0/16", False), ("LocalSubnet", False), ('"10.20.0.0/16,Intranet"', False),
    ("203.0.113.10", False),
])
def test_the_remote_addresses_decide(tmp_path: Path, remoteip: str, flagged: bool) -> None:
    _, findings = _scan(tmp_path, _rule(title="Orthanc", localport="4242"),
                        _rule(remoteip=remoteip))
    expected = [(7, (4242,), "confirmed")]
    if flagged:
        expected.append((13, (104, 11112), "confirmed"))
    assert findings == expected


def test_rules_that_admit_nothing_are_not_exposures(tmp_path: Path) -> None:
    tasks = [_rule(title="Orthanc", localport="4242"), _rule(action="block"),
             _rule(direction="out"), _rule(state="absent"), _rule(enabled="false")]
    assert _scan(tmp_path, *tasks) == (1, [(7, (4242,), "confirmed")])


def test_the_short_module_name_and_a_port_from_a_variable(tmp_path: Path) -> None:
    task = _rule(localport='"{{ dicom_port }}"').replace(
        "community.windows.win_firewall_rule", "win_firewall_rule")
    assert _scan(tmp_path, task) == (1, [(7, (11112,), "confirmed")])


def test_what_the_task_does_not_say_is_unresolved(tmp_path: Path) -> None:
    unknown_port = _rule(localport='"{{ undefined_port }}"')
    existing_rule = _task(title="Enable the vendor's rule", localport="11112", enabled="true")
    code, findings = _scan(tmp_path, unknown_port, existing_rule)
    assert code == 0
    assert {(line, confidence) for line, _, confidence in findings} == {
        (7, "unresolved"), (13, "unresolved")}
    assert (13, (11112,), "unresolved") in findings


def test_a_firewall_off_on_the_public_profile_opens_every_port(tmp_path: Path) -> None:
    off = _task("community.windows.win_firewall", title="Firewall off", state="disabled",
                profiles="public")
    allowing = _task("community.windows.win_firewall", title="Inbound allowed",
                     state="enabled", inbound_action="allow", profiles="[domain, private]")
    code, findings = _scan(tmp_path, off, allowing)
    assert code == 1
    assert {line for line, _, _ in findings} == {7}
    assert {port for _, ports, _ in findings for port in ports} >= {104, 4242, 8042, 11112}


def test_a_firewall_turned_on_admits_nothing_by_itself(tmp_path: Path) -> None:
    on = _task("community.windows.win_firewall", title="Firewall on", state="enabled")
    off = _task("win_firewall", title="Firewall off", state="disabled")
    _, findings = _scan(tmp_path, on, off)
    assert {line for line, _, _ in findings} == {10}


def test_the_windows_examples() -> None:
    code, report = scan_json(str(EXAMPLES / "ansible" / "windows-insecure"))
    assert (code, {finding["rule_id"] for finding in report["findings"]}) == (1, {"DG101"})
    assert {finding["path"] for finding in report["findings"]} == {
        "Windows Firewall domain, private, public profile", "Windows Firewall public profile"}
    code, report = scan_json("--strict", str(EXAMPLES / "ansible" / "windows-secure"))
    assert (code, report["findings"], report["errors"]) == (0, [], [])
