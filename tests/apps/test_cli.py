"""The command line over application configs, as users run it."""

from __future__ import annotations

from importlib.util import find_spec

import pytest

from dicomguard.report import FORMATS
from tests.conftest import EXAMPLES, run_cli, scan_json

INSECURE = EXAMPLES / "compose" / "insecure"
SECURE = EXAMPLES / "compose" / "secure"


def test_insecure_compose_example_fails_with_each_problem_at_its_line():
    code, report = scan_json(str(INSECURE))
    assert code == 1
    assert report["errors"] == []
    found = {(finding["rule_id"], finding["file"].rsplit("/", 1)[-1], finding["line"])
             for finding in report["findings"]}
    expected = {
        ("DG101", "docker-compose.yml", 8),    # 8042 on every host interface
        ("DG101", "docker-compose.yml", 9),    # 104 -> Orthanc DICOM
        ("DG301", "docker-compose.yml", 12),   # C-FIND open to any modality
        ("DG304", "docker-compose.yml", 12),   # C-STORE from anyone
        ("DG303", "docker-compose.yml", 19),   # the jodogne image's orthanc/orthanc
        ("DG306", "docker-compose.yml", 26),   # PostgreSQL trust, published
        ("DG303", "docker-compose.yml", 26),
        ("DG301", "docker-compose.yml", 32),   # dcm4chee-arc without -secure
        ("DG301", "docker-compose.yml", 38),   # JDWP published
        ("DG303", "orthanc.json", 6),          # weak users in the mounted config
        ("DG401", "orthanc.json", 10),         # HTTP without TLS: SslEnabled
        ("DG401", "orthanc.json", 11),         # DICOM without TLS: DicomTlsEnabled
    }
    assert expected <= found
    assert all(finding["confidence"] == "confirmed" for finding in report["findings"])


def test_mounted_config_is_reported_once_in_its_container_context():
    _, report = scan_json(str(INSECURE))
    orthanc_json = [finding for finding in report["findings"]
                    if finding["file"].endswith("orthanc.json")]
    assert orthanc_json
    assert {finding["resource"] for finding in orthanc_json} == {"services.orthanc"}


def test_passwords_never_appear_in_reports():
    available = [name for name in FORMATS
                 if find_spec(f"dicomguard.report.{name}_format") is not None]
    for report_format in available:
        result = run_cli("scan", "--format", report_format, str(INSECURE))
        assert "radiologist" in result.stdout, report_format
        for password in ("password123", "WILDFLY_ADMIN_PASSWORD=admin"):
            assert password not in result.stdout, report_format


def test_secure_compose_example_passes():
    code, report = scan_json(str(SECURE))
    assert report["errors"] == []
    assert report["findings"] == []
    assert code == 0


def test_kubernetes_examples():
    code, report = scan_json(str(EXAMPLES / "kubernetes" / "insecure"))
    assert code == 1
    found = {(finding["rule_id"], finding["line"]) for finding in report["findings"]}
    assert {("DG301", 13), ("DG101", 58), ("DG101", 61)} <= found
    code, report = scan_json(str(EXAMPLES / "kubernetes" / "secure"))
    assert (code, report["findings"], report["errors"]) == (0, [], [])


def test_unparseable_compose_is_an_error_with_file_and_line(tmp_path):
    (tmp_path / "compose.yaml").write_text("services:\n  pacs:\n    image: [unclosed\n")
    (tmp_path / "orthanc.json").write_text('{\n  "RemoteAccessAllowed": true,\n'
                                           '  "AuthenticationEnabled": false\n}\n')
    code, report = scan_json(str(tmp_path))
    assert code == 2
    assert report["errors"][0]["file"].endswith("compose.yaml")
    assert report["errors"][0]["line"] == 4
    assert any(finding["rule_id"] == "DG301" for finding in report["findings"])


def test_facts_of_every_application_kind_match_the_schema(tmp_path):
    import json
    from importlib import resources

    import jsonschema

    schema = json.loads(resources.files("dicomguard").joinpath(
        "schemas/facts.schema.json").read_text())
    dump = tmp_path / "facts.json"
    result = run_cli("scan", "--format", "json", "--dump-facts", str(dump), str(INSECURE),
                     str(SECURE), str(EXAMPLES / "kubernetes"))
    assert result.returncode == 1, result.stderr
    document = json.loads(dump.read_text())
    jsonschema.validate(document, schema)
    assert {fact["platform"] for fact in document["services"]} == {"compose", "kubernetes",
                                                                    "traefik"}


def test_compose_override_publishes_what_the_base_file_describes(tmp_path):
    (tmp_path / "docker-compose.yml").write_text(
        "services:\n"
        "  pacs:\n"
        "    image: orthancteam/orthanc:25.9.0\n"
        "    environment:\n"
        "      ORTHANC__AUTHENTICATION_ENABLED: \"false\"\n")
    (tmp_path / "docker-compose.override.yml").write_text(
        "services:\n"
        "  pacs:\n"
        "    ports:\n"
        "      - \"8042:8042\"\n")
    code, report = scan_json(str(tmp_path))
    found = sorted((finding["rule_id"], finding["file"].rsplit("/", 1)[-1], finding["line"])
                   for finding in report["findings"])
    assert ("DG301", "docker-compose.yml", 5) in found
    assert ("DG101", "docker-compose.override.yml", 4) in found
    assert [rule for rule, _, _ in found].count("DG301") == 1
    assert code == 1


@pytest.mark.parametrize(("module", "directory"), [("copy", "files"), ("template", "templates")])
def test_a_file_a_role_deploys_is_reported_once_through_its_task(tmp_path, module, directory):
    role = tmp_path / "roles" / "pacs"
    (role / "tasks").mkdir(parents=True)
    (role / directory).mkdir()
    (tmp_path / "site.yml").write_text("- hosts: pacs\n  roles:\n    - pacs\n")
    (tmp_path / "inventory").write_text("[pacs]\npacs1.hospital.example\n")
    (role / "tasks" / "main.yml").write_text(
        "- name: deploy orthanc config\n"
        f"  ansible.builtin.{module}:\n"
        "    src: orthanc.json\n"
        "    dest: /etc/orthanc/orthanc.json\n")
    (role / directory / "orthanc.json").write_text(
        '{\n  "RemoteAccessAllowed": true,\n  "AuthenticationEnabled": false\n}\n')
    _, report = scan_json(str(tmp_path))
    unauthenticated = [finding for finding in report["findings"]
                       if finding["rule_id"] == "DG301"]
    assert len(unauthenticated) == 1
    assert unauthenticated[0]["line"] == 3
    assert unauthenticated[0]["file"].endswith(f"roles/pacs/{directory}/orthanc.json")
    assert "deploy orthanc config" in unauthenticated[0]["resource"]


def test_a_jinja_template_in_a_templates_directory_is_not_parsed_as_json(tmp_path):
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "orthanc.json").write_text(
        '{\n  "RegisteredUsers": {{ orthanc_users | to_json }}\n}\n')
    code, report = scan_json(str(tmp_path))
    assert (code, report["errors"], report["findings"]) == (0, [], [])


DICOM_TLS = """{
  "DicomAet": "PACS",
  "DicomTlsEnabled": %s,
  "DicomTlsCertificate": "/etc/orthanc/tls/dicom.crt",
  "DicomTlsPrivateKey": "/etc/orthanc/tls/dicom.key",
  "DicomTlsTrustedCertificates": "/etc/orthanc/tls/modalities.crt"%s
}
"""


@pytest.mark.parametrize(("tls", "extra", "anyone_stores"), [
    ("true", "", False),  # DicomTlsRemoteCertificateRequired is true by default
    ("true", ',\n  "DicomTlsRemoteCertificateRequired": true', False),
    ("true", ',\n  "DicomTlsRemoteCertificateRequired": false', True),
    ("false", "", True),
])
def test_dicom_tls_with_client_certificates_is_not_anonymous(tmp_path, tls, extra,
                                                             anyone_stores):
    (tmp_path / "orthanc.json").write_text(DICOM_TLS % (tls, extra))
    code, report = scan_json(str(tmp_path))
    rules = {finding["rule_id"] for finding in report["findings"]}
    assert report["errors"] == []
    assert ("DG304" in rules) is anyone_stores
    assert code == (1 if rules else 0)


ARM_TEMPLATE = """{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "resources": [],
  "outputs": {
    "pacsSettings": {
      "type": "object",
      "value": {"DicomAet": "PACS", "RemoteAccessAllowed": true, "AuthenticationEnabled": false}
    }
  }
}
"""


def test_orthanc_keys_nested_in_another_document_are_not_an_orthanc_configuration(tmp_path):
    (tmp_path / "azuredeploy.json").write_text(ARM_TEMPLATE)
    (tmp_path / "pacs-settings.json").write_text(
        '{\n  "DicomAet": "PACS",\n  "RemoteAccessAllowed": true,\n'
        '  "AuthenticationEnabled": false\n}\n')
    code, report = scan_json(str(tmp_path))
    assert report["errors"] == []
    files = {finding["file"].rsplit("/", 1)[-1] for finding in report["findings"]}
    assert files == {"pacs-settings.json"}
    assert code == 1


@pytest.mark.parametrize("image", ["orthanc-tools:1.0", "ohif/orthanc-viewer:3.8",
                                   "myorg/orthanc-backup-tool:2"])
def test_an_image_named_after_orthanc_is_not_judged_as_orthanc(tmp_path, image):
    (tmp_path / "compose.yaml").write_text(
        f"services:\n  tool:\n    image: {image}\n    ports:\n      - \"8042:8042\"\n")
    _, report = scan_json(str(tmp_path))
    assert report["errors"] == []
    assert {finding["rule_id"] for finding in report["findings"]} == {"DG101"}


def test_an_orthanc_configuration_mounted_into_an_image_built_on_orthanc_is_judged(tmp_path):
    (tmp_path / "compose.yaml").write_text(
        "services:\n  pacs:\n    image: hospital/pacs:1.0\n    ports: [\"8042:8042\"]\n"
        "    volumes:\n      - ./orthanc.json:/etc/orthanc/orthanc.json:ro\n")
    (tmp_path / "orthanc.json").write_text(
        '{\n  "RemoteAccessAllowed": true,\n  "AuthenticationEnabled": false\n}\n')
    _, report = scan_json(str(tmp_path))
    unauthenticated = [(finding["file"].rsplit("/", 1)[-1], finding["line"])
                       for finding in report["findings"] if finding["rule_id"] == "DG301"]
    assert ("orthanc.json", 3) in unauthenticated


def test_a_listener_whose_port_cannot_be_known_is_worded_as_such(tmp_path):
    (tmp_path / "docker-compose.yml").write_text(
        "services:\n  pacs:\n    image: orthancteam/orthanc:25.1.0\n"
        "    volumes:\n      - ./config:/etc/orthanc\n")
    code, report = scan_json(str(tmp_path))
    messages = [finding["message"] for finding in report["findings"]
                if finding["rule_id"] == "DG401"]
    assert messages and all("carries" in message and " on an unknown port without TLS" in message
                            for message in messages), messages
    assert (code, report["errors"]) == (0, [])  # unresolved only: the gate passes


def test_clear_text_is_reported_at_the_setting_that_turns_tls_off(tmp_path):
    (tmp_path / "docker-compose.yml").write_text(
        "services:\n  pacs:\n    image: orthancteam/orthanc:25.1.0\n"
        "    ports:\n      - 8042:8042\n      - 4242:4242\n"
        "    volumes:\n      - ./orthanc.json:/etc/orthanc/orthanc.json\n")
    (tmp_path / "orthanc.json").write_text(
        '{\n  "AuthenticationEnabled": false,\n  "DicomAlwaysAllowStore": true,\n'
        '  "SslEnabled": false,\n  "DicomTlsEnabled": false\n}\n')
    code, report = scan_json(str(tmp_path))
    found = {(finding["rule_id"], finding["file"].rsplit("/", 1)[-1], finding["line"])
             for finding in report["findings"]}
    assert {("DG301", "orthanc.json", 2),   # authentication off
            ("DG304", "orthanc.json", 3),   # C-STORE from anyone
            ("DG401", "orthanc.json", 4),   # HTTP: SslEnabled
            ("DG401", "orthanc.json", 5),   # DICOM: DicomTlsEnabled
            } <= found, found
    assert (code, report["errors"]) == (1, [])
