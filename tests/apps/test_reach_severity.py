"""Missing authentication weighs by reach: the internet is critical, an unknown reach high,
other machines or containers of the service's network medium, and only the host itself no
finding. The severity, and the reach in the message, are those of each finding in every
report format and in the gate's threshold."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import run_cli, scan_json

OPEN_ORTHANC = '{\n  "RemoteAccessAllowed": true,\n  "AuthenticationEnabled": false\n}\n'


def _compose(tmp_path: Path, ports: str) -> Path:
    (tmp_path / "compose.yaml").write_text(
        "services:\n"
        "  orthanc:\n"
        "    image: orthancteam/orthanc:24.10.3\n"
        f"    ports: [{ports}]\n"
        "    environment:\n"
        "      ORTHANC__AUTHENTICATION_ENABLED: \"false\"\n"
        "      ORTHANC__DICOM_ALWAYS_ALLOW_STORE: \"false\"\n")
    return tmp_path


def _unauthenticated(report: dict) -> list[dict]:
    return [finding for finding in report["findings"] if finding["rule_id"] == "DG301"]


def test_severity_follows_the_reach_and_the_message_names_it(tmp_path):
    (tmp_path / "internet").mkdir()
    (tmp_path / "network").mkdir()
    internet = _compose(tmp_path / "internet", '"8042:8042"')
    network = _compose(tmp_path / "network", '"10.1.2.3:8042:8042"')
    found = {}
    for name, directory in (("internet", internet), ("network", network)):
        _, report = scan_json(str(directory))
        [finding] = _unauthenticated(report)
        found[name] = finding["severity"]
        assert finding["line"] == 6
    assert found == {"internet": "critical", "network": "medium"}
    _, report = scan_json(str(network))
    assert "reachable from other machines or containers on its network" in \
        _unauthenticated(report)[0]["message"]


def test_the_gate_fails_on_the_severity_the_reach_gives(tmp_path):
    (tmp_path / "orthanc.json").write_text(OPEN_ORTHANC)
    lenient = run_cli("scan", "--fail-on", "high", str(tmp_path))
    assert lenient.returncode == 0, lenient.stdout
    assert "DG301" in lenient.stdout
    strict = run_cli("scan", "--fail-on", "medium", str(tmp_path))
    assert strict.returncode == 1


def test_sarif_carries_each_finding_s_severity(tmp_path):
    (tmp_path / "orthanc.json").write_text(OPEN_ORTHANC)
    result = run_cli("scan", "--format", "sarif", str(tmp_path))
    sarif = json.loads(result.stdout)
    [dg301] = [item for item in sarif["runs"][0]["results"] if item["ruleId"] == "DG301"]
    assert dg301["level"] == "warning"
    assert dg301["properties"]["severity"] == "medium"
    assert dg301["properties"]["security-severity"] == "5.5"
    rules = {rule["id"]: rule for rule in sarif["runs"][0]["tool"]["driver"]["rules"]}
    assert rules["DG301"]["defaultConfiguration"]["level"] == "error"


def test_junit_and_text_name_the_severity(tmp_path):
    (tmp_path / "orthanc.json").write_text(OPEN_ORTHANC)
    text = run_cli("scan", str(tmp_path)).stdout
    assert "MEDIUM  DG301" in text
    junit = run_cli("scan", "--format", "junit", str(tmp_path)).stdout
    assert "MEDIUM DG301" in junit


def test_compose_neighbours_reach_a_service_published_on_the_loopback_only(tmp_path):
    alone = _compose(tmp_path, '"127.0.0.1:8042:8042"')
    _, report = scan_json(str(alone))
    assert _unauthenticated(report) == []
    with (tmp_path / "compose.yaml").open("a") as compose:
        compose.write("  viewer:\n    image: ohif/app:v3.8.0\n")
    _, report = scan_json(str(tmp_path))
    [finding] = _unauthenticated(report)
    assert finding["severity"] == "medium"
    assert "reachable from other machines or containers on its network" in finding["message"]
    # The neighbours' traffic stays on the host's bridge: not a transport finding.
    assert [item for item in report["findings"] if item["rule_id"] == "DG401"] == []
    # On a network of its own, no other container reaches it: host-only again.
    apart = tmp_path / "apart"
    apart.mkdir()
    _compose(apart, '"127.0.0.1:8042:8042"')
    with (apart / "compose.yaml").open("a") as compose:
        compose.write("    networks: [archive]\n"
                      "  viewer:\n    image: ohif/app:v3.8.0\n    networks: [front]\n"
                      "networks:\n  archive: {}\n  front: {}\n")
    _, report = scan_json(str(apart))
    assert _unauthenticated(report) == []
