"""Traefik in front of a PACS in a compose project: the entry points Traefik publishes give the
backend its reach, its middlewares and client-certificate TLS options can stop strangers, and
findings name the way in at the router to change."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.apps.proxied import through_the_proxy
from tests.apps.test_compose_paths import write
from tests.conftest import EXAMPLES, run_cli

TRAEFIK = """\
services:
  traefik:
    image: traefik:v3.2
    command:
      - --providers.docker=true
      - --entrypoints.web.address=:80
      - --entrypoints.websecure.address=:443
      - --entrypoints.dicom.address=:11112
{extra_flags}    ports:
      - "80:80"
      - "{https}:443"
{traefik_volumes}  orthanc:
    image: orthancteam/orthanc:24.12.1
    environment:
      ORTHANC__AUTHENTICATION_ENABLED: "false"
    labels:
{labels}"""

ROUTER = [
    "traefik.http.routers.pacs.rule=Host(`pacs.example.org`)",
    "traefik.http.routers.pacs.entrypoints=websecure",
    "traefik.http.routers.pacs.tls=true",
    "traefik.http.services.pacs.loadbalancer.server.port=8042",
]


def project(tmp_path: Path, labels: list[str] | dict[str, str] = tuple(ROUTER), *,
            flags: list[str] = (), https: str = "443", volumes: list[str] = (),
            extra: dict[str, str] | None = None) -> Path:
    """Traefik publishing 80 and 443 in front of an Orthanc without authentication
    that publishes nothing itself; labels as a list, or as a mapping."""
    if isinstance(labels, dict):
        written = "".join(f"      {key}: '{value}'\n" for key, value in labels.items())
    else:
        written = "".join(f"      - '{label}'\n" for label in labels)
    compose = TRAEFIK.format(
        extra_flags="".join(f"      - {flag}\n" for flag in flags), https=https,
        traefik_volumes="    volumes:\n" + "".join(f"      - {item}\n" for item in volumes)
        if volumes else "", labels=written)
    write(tmp_path, {"compose.yaml": compose, **(extra or {})})
    return tmp_path


def found(directory: Path) -> tuple[int, list[tuple[str, str, int, str]], dict]:
    code, report = through_the_proxy(directory)
    return code, sorted((item["rule_id"], Path(item["file"]).name, item["line"],
                         item["confidence"]) for item in report["findings"]), report


def hop_messages(report: dict, rule: str = "DG301") -> list[str]:
    return [item["message"] for item in report["findings"] if item["rule_id"] == rule]


def hops(directory: Path) -> list[dict]:
    dumped = directory / "facts.out"
    run_cli("scan", "--dump-facts", str(dumped), str(directory))
    facts = json.loads(dumped.read_text())
    return [fact for fact in facts["services"] if fact["platform"] == "traefik"]


def test_the_insecure_traefik_example_names_the_way_in_at_the_router():
    code, report = through_the_proxy(EXAMPLES / "compose" / "traefik-insecure")
    assert (code, report["errors"]) == (1, [])
    (hop,) = [item for item in report["findings"] if item["rule_id"] == "DG301"]
    assert (Path(hop["file"]).name, hop["line"]) == ("compose.yaml", 26)
    assert ('internet -> traefik:443 Host(pacs.example.org) -> orthanc:8042 '
            '(ORTHANC__AUTHENTICATION_ENABLED: "false")') in hop["message"]
    relayed = [item for item in report["findings"]
               if item["rule_id"] == "DG101" and item["line"] == 30]
    assert [item["ports"] for item in relayed] == [[4242, 11112]]
    assert "internet -> traefik:11112 (TCP HostSNI(*)) -> orthanc:4242" in relayed[0]["message"]


def test_the_secure_traefik_example_passes(tmp_path):
    example = EXAMPLES / "compose" / "traefik-secure"
    code, report = through_the_proxy(example)
    assert (code, report["findings"], report["errors"]) == (0, [], [])
    # Orthanc is reached from the internet through Traefik, which asks for the password
    dumped = tmp_path / "facts.json"
    run_cli("scan", "--dump-facts", str(dumped), str(example))
    assert [(fact["reach"], fact["authentication"], fact["detail"])
            for fact in json.loads(dumped.read_text())["services"]
            if fact["platform"] == "traefik"] == [
        ("internet", True, "the proxy: basicAuth middleware pacs-auth@file")]


def test_a_router_without_a_middleware_exposes_the_backend(tmp_path):
    code, findings, report = found(project(tmp_path))
    assert code == 1
    assert ("DG301", "compose.yaml", 17, "confirmed") in findings
    assert hop_messages(report)[0].startswith(
        "services.traefik router pacs@docker on websecure (Orthanc REST API and WebDAV)")


@pytest.mark.parametrize("middleware", [
    "traefik.http.middlewares.guard.basicauth.users=admin:$$apr1$$x$$y",
    "traefik.http.middlewares.guard.digestauth.users=admin:pacs:abc",
    "traefik.http.middlewares.guard.forwardauth.address=http://auth:4181",
    "traefik.http.middlewares.guard.ipallowlist.sourcerange=10.0.0.0/8, 192.168.0.0/16",
    "traefik.http.middlewares.guard.ipwhitelist.sourcerange=172.16.0.0/12",
])
def test_a_middleware_that_signs_in_or_allows_chosen_ranges_protects_the_backend(
        tmp_path, middleware):
    directory = project(tmp_path, [*ROUTER, middleware,
                                   "traefik.http.routers.pacs.middlewares=guard"])
    code, findings, report = found(directory)
    assert (code, findings, report["errors"]) == (0, [], [])
    # The backend is still reached through Traefik; Traefik is what stops strangers.
    assert [(fact["reach"], fact["authentication"]) for fact in hops(directory)] == [
        ("internet", True)]


def test_a_chain_and_an_entry_point_middleware_count_as_the_router_own(tmp_path):
    chained = project(tmp_path / "chain", [
        *ROUTER, "traefik.http.middlewares.auth.basicauth.users=admin:$$apr1$$x$$y",
        "traefik.http.middlewares.secured.chain.middlewares=headers,auth",
        "traefik.http.middlewares.headers.headers.stsseconds=31536000",
        "traefik.http.routers.pacs.middlewares=secured"])
    entry = project(tmp_path / "entry", [
        *ROUTER, "traefik.http.middlewares.auth.forwardauth.address=http://auth:4181"],
        flags=["--entrypoints.websecure.http.middlewares=auth@docker"])
    for directory in (chained, entry):
        assert found(directory)[:2] == (0, [])
        assert [(fact["reach"], fact["authentication"]) for fact in hops(directory)] == [
            ("internet", True)]


@pytest.mark.parametrize("weak", [
    "traefik.http.middlewares.guard.ipallowlist.sourcerange=0.0.0.0/0",
    "traefik.http.middlewares.guard.headers.stsseconds=31536000",
])
def test_a_middleware_that_lets_strangers_through_does_not_count(tmp_path, weak):
    directory = project(tmp_path, [*ROUTER, weak, "traefik.http.routers.pacs.middlewares=guard"])
    _, findings, _ = found(directory)
    assert [item[0] for item in findings].count("DG301") == 1


def test_a_client_certificate_tls_option_of_the_file_provider_protects_the_router(tmp_path):
    dynamic = """\
        tls:
          options:
            modalities:
              clientAuth:
                caFiles: [/certs/hospital-ca.pem]
                clientAuthType: RequireAndVerifyClientCert
        """
    labels = [*ROUTER, "traefik.http.routers.pacs.tls.options=modalities@file"]
    directory = project(tmp_path, labels, flags=["--providers.file.filename=/dynamic.yml"],
                        volumes=["./dynamic.yml:/dynamic.yml:ro"],
                        extra={"dynamic.yml": dynamic})
    assert found(directory)[:2] == (0, [])
    assert [fact["detail"] for fact in hops(directory)] == [
        "the proxy: TLS option clientAuth RequireAndVerifyClientCert"]
    (directory / "dynamic.yml").write_text(dynamic.replace("RequireAndVerifyClientCert",
                                                           "VerifyClientCertIfGiven"))
    assert [item[0] for item in found(directory)[1]] == ["DG301"]


def test_a_middleware_of_a_provider_not_read_leaves_the_verdict_unresolved(tmp_path):
    directory = project(tmp_path, [*ROUTER, "traefik.http.routers.pacs.middlewares=auth@file"])
    _, findings, report = found(directory)
    assert findings == [("DG301", "compose.yaml", 17, "unresolved")]
    assert any("auth@file" in reason for reason in report["findings"][0]["unknown"])


@pytest.mark.parametrize(("labels", "flags", "https"), [
    # Traefik only exposes containers that ask for it
    ([label for label in ROUTER], ["--providers.docker.exposedbydefault=false"], "443"),
    ([*ROUTER, "traefik.enable=false"], [], "443"),
    # only the host reaches Traefik
    (ROUTER, [], "127.0.0.1:443"),
    # Traefik reads no Docker labels without the Docker provider
    (ROUTER, ["--providers.file.directory=/nothing"], "443"),
])
def test_a_router_traefik_does_not_serve_to_the_internet_exposes_nothing(tmp_path, labels,
                                                                        flags, https):
    directory = project(tmp_path, labels, flags=flags, https=https)
    if "--providers.file.directory=/nothing" in flags:
        compose = (directory / "compose.yaml").read_text()
        (directory / "compose.yaml").write_text(compose.replace(
            "      - --providers.docker=true\n", ""))
    assert [item for item in found(directory)[1] if item[0] == "DG301"] == []
    # the same router, served to the internet, exposes the backend
    assert [item[0] for item in found(project(tmp_path / "served", ROUTER))[1]] == ["DG301"]


def test_an_entry_point_that_redirects_to_https_forwards_nothing(tmp_path):
    labels = [label.replace("=websecure", "=web,websecure") for label in ROUTER]
    redirected = project(tmp_path, labels, flags=[
        "--entrypoints.web.http.redirections.entrypoint.to=websecure"])
    assert [fact["listeners"][0]["port"] for fact in hops(redirected)] == [443]


def test_a_router_on_a_plain_entry_point_carries_images_in_clear_text(tmp_path):
    labels = [label.replace("=websecure", "=web") for label in ROUTER
              if not label.endswith(".tls=true")]
    _, findings, report = found(project(tmp_path, labels))
    assert {item[0] for item in findings} == {"DG301", "DG401"}
    assert "internet -> traefik:80 Host(pacs.example.org) -> orthanc:8042" in \
        hop_messages(report, "DG401")[0]


def test_routers_of_the_file_provider_in_toml_name_their_line(tmp_path):
    dynamic = """\
        [http.routers.pacs]
          entryPoints = ["websecure"]
          rule = "Host(`pacs.example.org`) && PathPrefix(`/dicom-web`)"
          service = "orthanc"
          [http.routers.pacs.tls]

        [[http.services.orthanc.loadBalancer.servers]]
          url = "http://orthanc:8042"
        """
    directory = project(tmp_path, ["com.example.team=imaging"],
                        flags=["--providers.file.directory=/etc/traefik/conf.d"],
                        volumes=["./conf.d:/etc/traefik/conf.d:ro"],
                        extra={"conf.d/pacs.toml": dynamic})
    code, findings, report = found(directory)
    assert (code, findings) == (1, [("DG301", "pacs.toml", 3, "confirmed")])
    assert ("traefik:443 Host(pacs.example.org) && PathPrefix(/dicom-web) -> orthanc:8042"
            in hop_messages(report)[0])


def test_a_variable_without_a_value_leaves_the_entry_point_to_the_published_ports(tmp_path):
    directory = project(tmp_path, ROUTER)
    compose = (directory / "compose.yaml").read_text()
    (directory / "compose.yaml").write_text(compose.replace(
        "address=:443", "address=:${HTTPS_PORT}"))
    _, findings, report = found(directory)
    assert ("DG301", "compose.yaml", 17, "confirmed") in findings
    assert any("HTTPS_PORT" in reason for item in report["findings"]
               for reason in item["unknown"])


def test_a_static_configuration_outside_the_scanned_tree_is_never_a_silent_pass(tmp_path):
    directory = project(tmp_path, ROUTER, volumes=["/srv/traefik.yml:/etc/traefik/traefik.yml"])
    _, findings, report = found(directory)
    assert [item[0] for item in findings if item[0] == "DG301"] == ["DG301"]
    assert any("/etc/traefik/traefik.yml" in reason for item in report["findings"]
               for reason in item["unknown"])


def test_bad_yaml_in_a_dynamic_file_is_an_error_at_its_line_and_the_rest_is_scanned(tmp_path):
    directory = project(tmp_path, ROUTER, flags=["--providers.file.filename=/dynamic.yml"],
                        volumes=["./dynamic.yml:/dynamic.yml:ro"],
                        extra={"dynamic.yml": "http:\n  routers:\n    pacs: [unclosed\n"})
    code, report = through_the_proxy(directory)
    assert code == 2
    assert [(Path(error["file"]).name, error["line"]) for error in report["errors"]] == [
        ("dynamic.yml", 4)]
    assert any(item["rule_id"] == "DG301" for item in report["findings"])


def test_labels_as_a_list_or_a_mapping_and_in_any_order_give_one_verdict(tmp_path):
    as_list = found(project(tmp_path / "list", ROUTER))[1]
    as_map = found(project(tmp_path / "map", dict(label.split("=", 1) for label in ROUTER)))[1]
    reordered = found(project(tmp_path / "reordered", list(reversed(ROUTER))))[1]
    assert [item[0] for item in as_list] == [item[0] for item in as_map] == \
        [item[0] for item in reordered] == ["DG301"]


def test_a_service_port_without_a_value_is_taken_as_any_port_the_backend_serves(tmp_path):
    labels = [label.replace("port=8042", "port=${ORTHANC_HTTP_PORT}") for label in ROUTER]
    _, findings, report = found(project(tmp_path, labels))
    assert [item[:3] for item in findings] == [("DG301", "compose.yaml", 17)]
    assert any("port of service pacs is not known" in reason
               for reason in report["findings"][0]["unknown"])


def test_a_rule_whose_host_is_a_variable_without_a_value_is_shown_as_written(tmp_path):
    labels = [label.replace("`pacs.example.org`", "`${PACS_HOST}`") for label in ROUTER]
    _, findings, report = found(project(tmp_path, labels))
    assert [item[:3] for item in findings] == [("DG301", "compose.yaml", 17)]
    assert "internet -> traefik:443 Host(${PACS_HOST}) -> orthanc:8042" in \
        hop_messages(report)[0]


def test_the_dashboard_of_traefik_itself_is_no_backend(tmp_path):
    directory = project(tmp_path, ROUTER)
    compose = (directory / "compose.yaml").read_text()
    (directory / "compose.yaml").write_text(compose.replace(
        "  orthanc:\n", "    labels:\n      - traefik.http.routers.api.service=api@internal\n"
                        "  orthanc:\n", 1))
    _, report = through_the_proxy(directory)
    assert [note for note in report.get("notes", []) if "api@internal" in note["message"]] == []
    assert [item["rule_id"] for item in report["findings"]] == ["DG301"]


def test_labels_for_a_traefik_outside_the_project_leave_the_reach_unknown(tmp_path):
    directory = project(tmp_path, ROUTER)
    compose = (directory / "compose.yaml").read_text()
    (directory / "compose.yaml").write_text(compose.replace("image: traefik:v3.2",
                                                            "image: nginx:1.27"))
    _, findings, report = found(directory)
    assert findings == [("DG301", "compose.yaml", 17, "unresolved")]
    assert "unknown -> traefik (outside the project):443 Host(pacs.example.org)" in \
        hop_messages(report)[0]
