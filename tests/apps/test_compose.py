"""docker-compose: published ports in both syntaxes, variables, environments and images."""

from __future__ import annotations

import textwrap

import pytest

from dicomguard.apps.collect import analyse_text
from dicomguard.apps.compose import interpolate, parse_long_port, parse_short_port, read_dotenv
from dicomguard.apps.containers import bind_reach
from dicomguard.model import Unknown, is_unknown


def scan(text, context, file="compose.yaml"):
    result = analyse_text("compose", textwrap.dedent(text), file, context)
    assert result.errors == []
    return result.facts


def by_suffix(facts):
    return {fact["id"].rsplit("#", 1)[1]: fact for fact in facts.services}


@pytest.mark.parametrize(("spec", "container", "host_ports", "host_ip", "protocol"), [
    ("8042", 8042, [32768, 60999], None, "tcp"),
    (4242, 4242, [32768, 60999], None, "tcp"),
    ("8042:8042", 8042, [8042, 8042], None, "tcp"),
    ("80:8042", 8042, [80, 80], None, "tcp"),
    ("127.0.0.1:8042:8042", 8042, [8042, 8042], "127.0.0.1", "tcp"),
    ("127.0.0.1::5000", 5000, [32768, 60999], "127.0.0.1", "tcp"),
    ("0.0.0.0:104:4242", 4242, [104, 104], "0.0.0.0", "tcp"),
    ("[::1]:8042:8042", 8042, [8042, 8042], "::1", "tcp"),
    ("12400-12500:1240", 1240, [12400, 12500], None, "tcp"),
    ("2575:2575/udp", 2575, [2575, 2575], None, "udp"),
])
def test_short_port_syntax(spec, container, host_ports, host_ip, protocol):
    port = parse_short_port(spec, 7)
    assert (port.container_port, port.host_ports, port.host_ip, port.protocol, port.line) == (
        container, host_ports, host_ip, protocol, 7)


def test_short_port_with_variables_keeps_what_is_known():
    port = parse_short_port("${BIND}:${PORT:-104}:104", 3, {})
    assert is_unknown(port.host_ip)
    assert port.host_ports == [104, 104]
    assert port.container_port == 104


@pytest.mark.parametrize(("entry", "host_ports", "host_ip"), [
    ({"target": 8042, "published": 8042}, [8042, 8042], None),
    ({"target": 8042, "published": "8042", "host_ip": "10.1.2.3"}, [8042, 8042], "10.1.2.3"),
    ({"target": 8042}, [32768, 60999], None),
    ({"target": 8000, "published": "8080-8090"}, [8080, 8090], None),
    ({"target": 8000, "published": "127.0.0.1:8080"}, [8080, 8080], "127.0.0.1"),
])
def test_long_port_syntax(entry, host_ports, host_ip):
    port = parse_long_port(entry, 1)
    assert (port.host_ports, port.host_ip) == (host_ports, host_ip)


def test_long_port_without_a_port_is_unknown():
    assert is_unknown(parse_long_port({"target": 8000, "published": "127.0.0.1"}, 1).host_ports)


@pytest.mark.parametrize(("host_ip", "reach"), [
    (None, "internet"), ("0.0.0.0", "internet"), ("::", "internet"), ("127.0.0.1", "local"),
    ("::1", "local"), ("localhost", "local"), ("10.20.0.5", "network"),
    ("192.168.1.10", "network"), ("81.2.69.160", "internet"), (Unknown("x"), "unknown"),
])
def test_who_reaches_a_published_port(host_ip, reach):
    assert bind_reach(host_ip) == reach


def test_interpolation_like_compose():
    variables = {"SET": "value", "EMPTY": ""}
    assert interpolate("${SET}", variables) == "value"
    assert interpolate("$SET-x", variables) == "value-x"
    assert interpolate("${EMPTY:-default}", variables) == "default"
    assert interpolate("${EMPTY-default}", variables) == ""
    assert interpolate("${MISSING:-104}", variables) == "104"
    assert interpolate("$$SET", variables) == "$SET"
    assert interpolate("${SET:+on}", variables) == "on"
    assert is_unknown(interpolate("${MISSING}", variables))
    assert is_unknown(interpolate("${MISSING:?must be set}", variables))
    assert interpolate({"a": ["${SET}"]}, variables) == {"a": ["value"]}


def test_dotenv_reading():
    assert read_dotenv("# c\nA=1\nexport B='two words'\nC=\"x\" \nD=3 # note\n\nbad line\n") == {
        "A": "1", "B": "two words", "C": "x", "D": "3"}


def test_published_ports_become_ingress_facts_that_name_the_docker_path(context):
    facts = scan("""
        services:
          web:
            image: nginx
            ports:
              - "7000:8000"
              - "127.0.0.1:9000:9000"
              - "10.0.0.4:9100:9100"
    """, context)
    assert [(fact["origin"]["line"], fact["ports"], fact["peers"][0]["scope"])
            for fact in facts.ingress] == [(6, [[7000, 7000]], "internet"),
                                           (8, [[9100, 9100]], "private")]
    assert "INPUT" in facts.ingress[0]["path"]
    assert facts.services == []


def test_catalogue_port_behind_another_host_port_is_named(context):
    facts = scan("""
        services:
          pacs:
            image: orthancteam/orthanc
            ports: ["80:8042"]
    """, context)
    assert facts.ingress[0]["ports"] == [[80, 80], [8042, 8042]]


def test_dotenv_and_env_file_feed_the_service(tmp_path, tree_context):
    (tmp_path / ".env").write_text("BIND=127.0.0.1\nTAG=1.12.4\n")
    (tmp_path / "pacs.env").write_text("ORTHANC__AUTHENTICATION_ENABLED=false\n")
    compose_file = tmp_path / "docker-compose.yml"
    compose_file.write_text(textwrap.dedent("""
        services:
          pacs:
            image: jodogne/orthanc:${TAG}
            env_file: pacs.env
            ports: ["${BIND}:8042:8042", "4242:4242"]
    """))
    result = analyse_text("compose", compose_file.read_text(), str(compose_file), tree_context)
    facts = by_suffix(result.facts)
    assert facts["http"]["authentication"] is False
    assert facts["http"]["reach"] == "local"
    assert facts["dicom"]["reach"] == "internet"


def test_environment_list_form_and_shell_variables(context):
    facts = by_suffix(scan("""
        services:
          pacs:
            image: orthancteam/orthanc
            ports: ["8042:8042"]
            environment:
              - ORTHANC__SSL_ENABLED=true
              - ORTHANC__AUTHENTICATION_ENABLED
    """, context))
    assert facts["http"]["tls"] is True
    assert facts["http"]["authentication"] is None


def test_host_network_mode_exposes_every_listener(context):
    facts = by_suffix(scan("""
        services:
          pacs:
            image: orthancteam/orthanc
            network_mode: host
    """, context))
    assert facts["http"]["reach"] == "internet"
    assert facts["dicom"]["reach"] == "internet"


def test_unpublished_service_is_local(context):
    facts = by_suffix(scan("""
        services:
          pacs:
            image: orthancteam/orthanc
            environment: {ORTHANC__AUTHENTICATION_ENABLED: "false"}
    """, context))
    assert facts["http"]["reach"] == "local"
    assert facts["http"]["authentication"] is False


def test_postgres_trust_and_weak_password(context):
    facts = by_suffix(scan("""
        services:
          index:
            image: postgres:16-alpine
            ports: ["5432:5432"]
            environment:
              POSTGRES_USER: pacs
              POSTGRES_PASSWORD: pacs
              POSTGRES_HOST_AUTH_METHOD: trust
    """, context))
    index = facts["postgresql"]
    assert index["authentication"] is False
    assert index["reach"] == "internet"
    assert index["origin"]["line"] == 9
    assert index["weak_credentials"] == [{"user": "pacs", "reason": "a vendor default password"}]


def test_postgres_with_a_strong_password_has_no_fact(context):
    assert scan("""
        services:
          index:
            image: postgres
            environment: {POSTGRES_PASSWORD_FILE: /run/secrets/db}
    """, context).services == []


@pytest.mark.parametrize(("tag", "authentication"), [
    ("5.31.2", False), ("5.31.2-secure", True), ("5.31.2-secure-ui", True), ("", False),
    ("${ARC_TAG}", None),
])
def test_dcm4chee_arc_secure_tags(context, tag, authentication):
    image = "dcm4che/dcm4chee-arc-psql" + (f":{tag}" if tag else "")
    facts = by_suffix(scan(f"""
        services:
          arc:
            image: {image}
            ports: ["8080:8080", "127.0.0.1:8443:8443"]
    """, context))
    arc = facts["dcm4chee-arc"]
    assert arc["authentication"] is authentication
    assert arc["reach"] == "internet"
    reach = {entry["port"]: (entry["reach"], entry["tls"]) for entry in arc["listeners"]}
    assert reach[8080] == ("internet", False)
    assert reach[8443] == ("local", True)
    assert reach[11112] == ("local", False)


def test_published_jdwp_port(context):
    facts = by_suffix(scan("""
        services:
          arc:
            image: dcm4che/dcm4chee-arc-psql:5.31.2-secure
            ports: ["8787:8787", "127.0.0.1:5005:5005"]
          app:
            image: eclipse-temurin
            ports: ["5005:5005"]
            environment:
              JAVA_TOOL_OPTIONS: "-agentlib:jdwp=transport=dt_socket,server=y,address=*:5005"
    """, context))
    assert facts["jdwp8787"]["authentication"] is False
    assert facts["jdwp8787"]["reach"] == "internet"
    assert facts["jdwp8787"]["origin"]["line"] == 5
    assert facts["jdwp5005"]["origin"]["line"] == 8


def test_dcm4chee_companions_with_their_documented_defaults(context):
    facts = by_suffix(scan("""
        services:
          ldap:
            image: dcm4che/slapd-dcm4chee:2.6.5-31.2
          keycloak:
            image: dcm4che/keycloak:24.0.5
            environment:
              KEYCLOAK_ADMIN: admin
          keycloak-strong:
            image: quay.io/keycloak/keycloak:25.0
            environment:
              KC_BOOTSTRAP_ADMIN_USERNAME: admin
              KC_BOOTSTRAP_ADMIN_PASSWORD: Xq7!pL9#vR2m
    """, context))
    assert [entry["user"] for entry in facts["ldap"]["weak_credentials"]] == [
        "LDAP root", "LDAP config"]
    assert facts["keycloak"]["weak_credentials"] == [
        {"user": "admin", "reason": "a vendor default password"}]
    assert len(facts) == 2


@pytest.mark.parametrize("text", ["- just\n- a list\n", "services: [web]\n", "version: '3'\n"])
def test_not_a_compose_document_is_an_error(context, text):
    result = analyse_text("compose", text, "compose.yaml", context)
    assert result.errors and result.errors[0].file == "compose.yaml"


def test_a_service_that_is_not_a_mapping_is_an_error_and_others_are_read(context):
    result = analyse_text("compose", "services:\n  broken: 3\n  web:\n    image: nginx\n"
                          "    ports: ['104:104']\n", "compose.yaml", context)
    assert [error.line for error in result.errors] == [2]
    assert len(result.facts.ingress) == 1


def test_passwords_read_from_files_are_not_defaults(context):
    facts = scan("""
        services:
          ldap:
            image: dcm4che/slapd-dcm4chee:2.6.5-31.2
            environment:
              LDAP_ROOTPASS_FILE: /run/secrets/ldap_root
              LDAP_CONFIGPASS_FILE: /run/secrets/ldap_config
          keycloak:
            image: dcm4che/keycloak:24.0.5
            environment:
              KEYCLOAK_ADMIN_PASSWORD_FILE: /run/secrets/keycloak
    """, context)
    assert facts.services == []


def test_compose_format_1_is_named_in_the_error(context):
    result = analyse_text("compose", "pacs:\n  image: jodogne/orthanc\n", "docker-compose.yml",
                          context)
    assert "format 1" in result.errors[0].message


def test_an_image_built_on_orthanc_is_read_through_its_variables(context):
    facts = by_suffix(scan("""
        services:
          pacs:
            image: registry.hospital.example/pacs:3.2
            ports: ["8042:8042"]
            environment:
              ORTHANC__AUTHENTICATION_ENABLED: "false"
    """, context))
    assert facts["http"]["authentication"] is False
    assert facts["http"]["reach"] == "unknown"  # RemoteAccessAllowed is in the image


def test_a_service_of_the_wrong_shape_is_an_error_at_its_line(context):
    result = analyse_text("compose", "services:\n  pacs:\n    image: orthancteam/orthanc\n"
                          "    ports: 8042\n  web:\n    image: nginx\n    ports: ['104:104']\n",
                          "compose.yaml", context)
    assert [(error.line, error.message) for error in result.errors] == [
        (4, "service 'pacs': 'ports' has the wrong type (int)")]
    assert len(result.facts.ingress) == 1


def test_an_env_file_that_cannot_be_read_makes_unset_variables_unknown(tmp_path, tree_context):
    compose_file = tmp_path / "compose.yaml"
    compose_file.write_text(textwrap.dedent("""
        services:
          pacs:
            image: orthancteam/orthanc
            env_file: [secrets/orthanc.env, {path: optional.env, required: false}]
            ports: ["8042:8042"]
            environment:
              ORTHANC__SSL_ENABLED: "true"
          index:
            image: postgres
            env_file: /etc/pacs/index.env
            ports: ["5432:5432"]
    """))
    result = analyse_text("compose", compose_file.read_text(), str(compose_file), tree_context)
    facts = by_suffix(result.facts)
    assert facts["http"]["authentication"] is None
    assert "secrets/orthanc.env" in " ".join(facts["http"]["unknown"])
    assert "optional.env" not in " ".join(facts["http"]["unknown"])
    assert facts["http"]["tls"] is True
    assert facts["postgresql"]["authentication"] is None  # trust may be set in that file


def test_a_published_index_database_is_a_database_endpoint(context):
    facts = by_suffix(scan("""
        services:
          index:
            image: postgres:16
            ports: ["5432:5432"]
            environment:
              POSTGRES_PASSWORD_FILE: /run/secrets/index
    """, context))
    assert facts["postgresql"]["kind"] == "database"
    assert facts["postgresql"]["reach"] == "internet"
    assert facts["postgresql"]["authentication"] is True
