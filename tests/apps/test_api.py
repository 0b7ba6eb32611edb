"""The entry points other families call: analyse_text and container_facts."""

from __future__ import annotations

from dicomguard.apps.collect import analyse_text
from dicomguard.apps.containers import container_facts
from dicomguard.model import Origin

ANONYMOUS_ORTHANC = """{
  // rendered from a template
  "RemoteAccessAllowed": true,
  "AuthenticationEnabled": false
}
"""


def test_analyse_text_points_at_the_template_line(context):
    result = analyse_text("orthanc-json", ANONYMOUS_ORTHANC, "roles/pacs/templates/orthanc.json.j2",
                          context, line_offset=10)
    http = next(fact for fact in result.facts.services if fact["id"].endswith("#http"))
    assert http["authentication"] is False
    assert http["reach"] == "network"
    assert http["origin"]["file"] == "roles/pacs/templates/orthanc.json.j2"
    assert http["origin"]["line"] == 14
    assert result.errors == []


def test_analyse_text_turns_bad_input_into_an_error_with_its_line(context):
    result = analyse_text("compose", "services:\n  web: [1\n", "compose.yaml", context,
                          line_offset=5)
    assert result.facts.services == []
    assert len(result.errors) == 1
    assert result.errors[0].file == "compose.yaml"
    assert result.errors[0].line and result.errors[0].line > 5


def test_container_facts_from_image_environment_and_published_ports(context):
    origin = Origin("site.yml", 12, 20, "start orthanc")
    result = container_facts(
        "orthancteam/orthanc:25.1.0",
        {"ORTHANC__REGISTERED_USERS": '{"admin": "admin", "ops": "x7#Lq9!vTz2m"}'},
        ["8042:8042", "127.0.0.1:4242:4242"], origin, context)
    http = next(fact for fact in result.facts.services if fact["id"].endswith("#http"))
    assert http["authentication"] is True
    assert http["reach"] == "internet"
    assert http["weak_credentials"] == [{"user": "admin", "reason": "a vendor default password"}]
    assert "admin" not in http["detail"]
    assert [fact["ports"] for fact in result.facts.ingress] == [[[8042, 8042]]]
    assert result.facts.ingress[0]["peers"][0]["scope"] == "internet"
    dicom = next(fact for fact in result.facts.services if fact["id"].endswith("#dicom"))
    assert dicom["reach"] == "local"


def test_analyse_text_errors_count_the_offset_once(context):
    result = analyse_text("orthanc-json", "\n[1, 2]", "roles/pacs/templates/orthanc.json.j2",
                          context, line_offset=10)
    assert [error.line for error in result.errors] == [12]
    result = analyse_text("orthanc-json", '{\n  "A": tru\n}', "x.json.j2", context,
                          line_offset=10)
    assert [error.line for error in result.errors] == [12]
