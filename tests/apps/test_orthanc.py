"""Orthanc's own access rules: RemoteAccessAllowed, AuthenticationEnabled, RegisteredUsers,
image defaults, ORTHANC__* variables and ORTHANC_JSON, TLS and DICOM settings."""

from __future__ import annotations

import json

import pytest

from dicomguard.apps.collect import analyse_text


def services(kind, text, context, file="orthanc.json"):
    result = analyse_text(kind, text, file, context)
    assert result.errors == []
    return {fact["id"].rsplit("#", 1)[1]: fact for fact in result.facts.services}


def standalone(context, **settings):
    return services("orthanc-json", json.dumps(settings, indent=2), context)


def compose(context, image, environment=None, ports=("8042:8042", "4242:4242")):
    body = {"services": {"pacs": {"image": image, "ports": list(ports),
                                  "environment": environment or {}}}}
    return services("compose", json.dumps(body, indent=2), context, "compose.yaml")


def test_remote_access_with_authentication_off_is_anonymous(context):
    http = standalone(context, RemoteAccessAllowed=True, AuthenticationEnabled=False)["http"]
    assert http["authentication"] is False
    assert http["reach"] == "network"
    assert http["origin"]["line"] == 3  # the AuthenticationEnabled line


def test_unset_authentication_follows_remote_access(context):
    local = standalone(context)["http"]
    assert local["reach"] == "local"
    assert local["authentication"] is False  # harmless: nobody else can reach it
    remote = standalone(context, RemoteAccessAllowed=True)["http"]
    assert remote["authentication"] is True
    assert remote["reach"] == "network"


def test_authentication_without_users_means_the_default_account(context):
    http = standalone(context, RemoteAccessAllowed=True, AuthenticationEnabled=True)["http"]
    assert http["authentication"] is True
    assert [entry["user"] for entry in http["weak_credentials"]] == ["orthanc"]


def test_empty_users_depend_on_the_release(context):
    http = standalone(context, RemoteAccessAllowed=True, AuthenticationEnabled=True,
                      RegisteredUsers={})["http"]
    assert http["authentication"] is None
    assert "1.12.9" in " ".join(http["unknown"])
    old = compose(context, "jodogne/orthanc:1.12.8", {
        "ORTHANC__REGISTERED_USERS": "{}"})["http"]
    assert [entry["user"] for entry in old["weak_credentials"]] == ["orthanc"]
    new = compose(context, "jodogne/orthanc:1.12.9", {
        "ORTHANC__REGISTERED_USERS": "{}"})["http"]
    assert new["authentication"] is True
    assert new["weak_credentials"] == []


def test_before_1_5_8_an_unset_authentication_is_off(tmp_path, tree_context):
    (tmp_path / "orthanc.json").write_text('{\n  "RemoteAccessAllowed": true\n}\n')
    compose_file = tmp_path / "compose.yaml"
    compose_file.write_text(json.dumps({"services": {"pacs": {
        "image": "jodogne/orthanc:1.5.6", "ports": ["8042:8042"],
        "volumes": ["./orthanc.json:/etc/orthanc/orthanc.json:ro"]}}}, indent=2))
    facts = services("compose", compose_file.read_text(), tree_context, str(compose_file))
    assert facts["http"]["authentication"] is False
    assert facts["http"]["origin"]["file"].endswith("orthanc.json")
    assert facts["http"]["origin"]["line"] == 2


def test_a_mounted_config_that_cannot_be_read_makes_access_unknown(context):
    facts = services("compose", json.dumps({"services": {"pacs": {
        "image": "orthancteam/orthanc", "ports": ["8042:8042"],
        "volumes": ["pacs-config:/etc/orthanc"]}}}, indent=2), context, "compose.yaml")
    assert facts["http"]["authentication"] is None
    assert facts["http"]["reach"] == "unknown"
    assert "pacs-config" in " ".join(facts["http"]["unknown"])


def test_weak_registered_users_are_named_without_passwords(context):
    http = standalone(context, RemoteAccessAllowed=True, AuthenticationEnabled=True,
                      RegisteredUsers={"alice": "alice", "bob": "Xq7!pL9#vR2m"})["http"]
    assert http["weak_credentials"] == [{"user": "alice",
                                         "reason": "a password equal to the user name"}]


def test_authorization_plugin_decides_access(context):
    http = standalone(context, RemoteAccessAllowed=True, AuthenticationEnabled=False,
                      Authorization={"WebServiceRootUrl": "http://auth:8000/"})["http"]
    assert http["authentication"] is True


def test_tls_settings_reach_the_listeners(context):
    facts = standalone(context, RemoteAccessAllowed=True, SslEnabled=True, DicomTlsEnabled=False,
                       HttpPort=8443, DicomPort=11112)
    assert facts["http"]["listeners"][0] | {"anonymous": None, "tls_origin": None} == {
        "port": 8443, "protocol": "http", "tls": True, "reach": "network",
        "name": "Orthanc HTTP", "anonymous": None, "tls_origin": None}
    assert facts["dicom"]["listeners"][0]["tls"] is False
    assert facts["dicom"]["listeners"][0]["port"] == 11112


def test_dicom_server_ignores_remote_access_allowed(context):
    dicom = standalone(context, RemoteAccessAllowed=False)["dicom"]
    assert dicom["reach"] == "network"
    assert dicom["authentication"] is True
    assert dicom["listeners"][0]["anonymous"] == ["C-STORE"]


def test_dicom_always_allow_settings(context):
    dicom = standalone(context, DicomAlwaysAllowStore=False, DicomAlwaysAllowMove=True)["dicom"]
    assert dicom["authentication"] is False
    assert dicom["listeners"][0]["anonymous"] == ["C-MOVE"]
    assert "C-MOVE" in dicom["product"]


def test_callers_that_need_a_trusted_certificate_are_not_anonymous(context):
    dicom = standalone(context, DicomTlsEnabled=True, DicomAlwaysAllowFind=True,
                       DicomTlsTrustedCertificates="/etc/orthanc/modalities.crt")["dicom"]
    assert dicom["authentication"] is True
    assert dicom["listeners"][0]["anonymous"] == []
    assert "certificate" in dicom["detail"]


def test_servers_turned_off_have_no_facts(context):
    assert standalone(context, HttpServerEnabled=False, DicomServerEnabled=False) == {}


def test_webdav_is_named(context):
    assert "WebDAV" in standalone(context, RemoteAccessAllowed=True)["http"]["product"]
    assert "WebDAV" not in standalone(context, RemoteAccessAllowed=True,
                                      WebDavEnabled=False)["http"]["product"]


def test_orthancteam_image_defaults_to_remote_access_and_authentication(context):
    http = compose(context, "orthancteam/orthanc:24.12.1")["http"]
    assert http["reach"] == "internet"
    assert http["authentication"] is True
    assert http["weak_credentials"][0]["user"] == "orthanc"


def test_jodogne_image_ships_orthanc_orthanc(context):
    http = compose(context, "jodogne/orthanc-plugins:1.12.4")["http"]
    assert http["weak_credentials"] == [{
        "user": "orthanc",
        "reason": "the password built into the image jodogne/orthanc-plugins:1.12.4"}]
    assert http["origin"]["line"] == 4  # the image line


def test_environment_variables_map_to_settings(context):
    facts = compose(context, "orthancteam/orthanc", {
        "ORTHANC__AUTHENTICATION_ENABLED": "false",
        "ORTHANC__SSL_ENABLED": "true",
        "ORTHANC__DICOM_TLS_ENABLED": "true",
        "ORTHANC__DICOM_ALWAYS_ALLOW_STORE": "false",
    })
    assert facts["http"]["authentication"] is False
    assert facts["http"]["tls"] is True
    assert facts["dicom"]["tls"] is True
    assert facts["dicom"]["listeners"][0]["anonymous"] == []


def test_registered_users_from_the_environment(context):
    http = compose(context, "orthancteam/orthanc", {
        "ORTHANC__REGISTERED_USERS": '{"admin": "admin", "ops": "Xq7!pL9#vR2m"}'})["http"]
    assert http["weak_credentials"] == [{"user": "admin", "reason": "a vendor default password"}]


def test_orthanc_json_variable_and_its_precedence(context):
    facts = compose(context, "orthancteam/orthanc", {
        "ORTHANC_JSON": '{"AuthenticationEnabled": false, "SslEnabled": true}',
        "ORTHANC__SSL_ENABLED": "false",
    })
    assert facts["http"]["authentication"] is False
    assert facts["http"]["tls"] is False  # ORTHANC__* wins over ORTHANC_JSON


def test_invalid_orthanc_json_variable_is_an_error(context):
    body = {"services": {"pacs": {"image": "orthancteam/orthanc",
                                  "environment": {"ORTHANC_JSON": "{not json"}}}}
    result = analyse_text("compose", json.dumps(body, indent=2), "compose.yaml", context)
    assert result.errors and "ORTHANC_JSON" in result.errors[0].message


@pytest.mark.parametrize("users", ["${USERS}", None])
def test_users_that_cannot_be_known_keep_authentication_on(context, users):
    environment = {"ORTHANC__REGISTERED_USERS": users}
    http = compose(context, "orthancteam/orthanc", environment)["http"]
    assert http["authentication"] is True
    assert http["weak_credentials"] == []


def test_unknown_image_with_orthanc_variables_is_unresolved(context):
    body = {"services": {"pacs": {"build": ".", "ports": ["8042:8042"],
                                  "environment": {"ORTHANC__AUTHENTICATION_ENABLED": "true"}}}}
    facts = services("compose", json.dumps(body, indent=2), context, "compose.yaml")
    assert facts["http"]["authentication"] is True
    assert facts["http"]["reach"] == "unknown"


def test_not_an_object_is_an_error(context):
    result = analyse_text("orthanc-json", "[1, 2]", "orthanc.json", context)
    assert result.errors[0].line == 1


def test_orthanc_json_that_cannot_be_known_makes_settings_unknown(context):
    facts = compose(context, "orthancteam/orthanc", {
        "ORTHANC_JSON": "${ORTHANC_JSON}", "ORTHANC__SSL_ENABLED": "true"})
    assert facts["http"]["authentication"] is None
    assert facts["http"]["reach"] == "unknown"
    assert facts["http"]["tls"] is True  # ORTHANC__* variables still apply


@pytest.mark.parametrize(("image", "expected"), [
    ("jodogne/orthanc:1.12.4", ("jodogne/orthanc", "1.12.4")),
    ("docker.io/jodogne/orthanc", ("docker.io/jodogne/orthanc", "")),
    ("registry:5000/OrthancTeam/orthanc:25.9.0@sha256:abc", ("registry:5000/orthancteam/orthanc",
                                                            "25.9.0")),
    ("orthancteam/orthanc@sha256:abc", ("orthancteam/orthanc", "")),
])
def test_image_references(image, expected):
    from dicomguard.knowledge.images import image_parts

    assert image_parts(image) == expected


def test_images_are_told_apart_by_their_repository(context):
    mirrored = compose(context, "registry.hospital.example:5000/jodogne/orthanc:1.12.4")["http"]
    assert mirrored["weak_credentials"][0]["user"] == "orthanc"
    plugins = compose(context, "jodogne/orthanc-plugins:1.12.4")["http"]
    assert plugins["weak_credentials"][0]["user"] == "orthanc"
    assert compose(context, "hospital/orthanc-pacs:2.0") == {}  # named orthanc, not Orthanc's
    own = compose(context, "hospital/orthanc-pacs:2.0",
                  {"ORTHANC__DICOM_ALWAYS_ALLOW_STORE": "false"})["http"]
    assert own["authentication"] is None  # built on Orthanc: what the image sets is unknown
    assert own["reach"] == "unknown"
