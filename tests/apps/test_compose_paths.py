"""Every path a compose deployment takes to its configuration: secrets, configs, Dockerfiles,
extends, include and override files. Findings name the file and line that set the value."""

from __future__ import annotations

import textwrap
from pathlib import Path

from tests.conftest import scan_json

WEAK_USERS = '{\n  "RemoteAccessAllowed": true,\n  "RegisteredUsers": {"admin": "admin"}\n}\n'
STRONG_USERS = ('{\n  "RemoteAccessAllowed": true,\n  "AuthenticationEnabled": true,\n'
                '  "RegisteredUsers": {"radiology": "k7#Qv9!pLm2@xR4s"}\n}\n')


def write(directory: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


def findings(directory: Path) -> tuple[int, list[tuple[str, str, int]], list[dict]]:
    code, report = scan_json(str(directory))
    found = sorted((finding["rule_id"], Path(finding["file"]).name, finding["line"])
                   for finding in report["findings"])
    return code, found, report["errors"]


def test_an_orthanc_configuration_given_as_a_secret_is_judged_on_its_content(tmp_path):
    write(tmp_path, {
        "docker-compose.yml": """\
            services:
              orthanc:
                image: jodogne/orthanc-python
                command: /run/secrets/
                secrets:
                  - orthanc.json
                ports:
                  - 127.0.0.1:8042:8042
            secrets:
              orthanc.json:
                file: orthanc.json
            """,
        "orthanc.json": STRONG_USERS})
    code, found, errors = findings(tmp_path)
    assert errors == []
    # Not the image's orthanc/orthanc: the secret replaces /etc/orthanc as the configuration.
    assert not [rule for rule in found if rule[0] == "DG303"]
    (tmp_path / "orthanc.json").write_text(WEAK_USERS)
    code, found, errors = findings(tmp_path)
    assert ("DG303", "orthanc.json", 3) in found
    assert code == 1


def test_a_config_with_a_target_in_etc_orthanc_is_read(tmp_path):
    write(tmp_path, {
        "compose.yaml": """\
            services:
              pacs:
                image: orthancteam/orthanc:25.9.0
                configs:
                  - source: orthanc
                    target: /etc/orthanc/orthanc.json
                ports:
                  - 8042:8042
            configs:
              orthanc:
                file: ./config/pacs.json
            """,
        "config/pacs.json": WEAK_USERS})
    code, report = scan_json(str(tmp_path))
    assert report["errors"] == []
    weak = [finding for finding in report["findings"] if finding["rule_id"] == "DG303"]
    # Reported once, in the context of the container that reads it.
    assert [(Path(finding["file"]).name, finding["line"], finding["resource"])
            for finding in weak] == [("pacs.json", 3, "services.pacs")]
    assert code == 1


def test_an_external_secret_in_the_configuration_path_leaves_settings_unresolved(tmp_path):
    write(tmp_path, {
        "compose.yaml": """\
            services:
              pacs:
                image: jodogne/orthanc
                command: /run/secrets/orthanc.json
                secrets:
                  - source: pacs
                    target: orthanc.json
                ports:
                  - 8042:8042
            secrets:
              pacs:
                external: true
            """})
    _, report = scan_json(str(tmp_path))
    assert report["errors"] == []
    service_findings = [finding for finding in report["findings"]
                        if finding["rule_id"] != "DG101"]
    assert service_findings
    assert {finding["confidence"] for finding in service_findings} == {"unresolved"}
    assert "DG303" not in {finding["rule_id"] for finding in service_findings}
