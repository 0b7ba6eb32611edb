"""nginx in a compose project reaches its backends the way Docker's DNS answers: by service
name, container_name, network alias, hostname or link alias, on a network both share; the path
names the port the internet reaches, and templates are rendered with the proxy's environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.apps.proxied import through_the_proxy
from tests.apps.test_compose_paths import write
from tests.conftest import EXAMPLES

PROXY = """\
services:
  proxy:
    image: nginx:1.27
    ports:
      - "{ports}"
    volumes:
      - ./pacs.conf:/etc/nginx/conf.d/pacs.conf:ro
{proxy_extra}
  orthanc:
    image: orthancteam/orthanc:24.12.1
    environment:
      ORTHANC__AUTHENTICATION_ENABLED: "false"
{orthanc_extra}
{top}
"""

CONF = """\
server {{
    listen 80;
    location /orthanc/ {{
        proxy_pass http://{host}:8042/;
    }}
}}
"""


def scan(tmp_path: Path, host: str, *, ports: str = "80:80", proxy_extra: str = "",
         orthanc_extra: str = "", top: str = "", extra: dict[str, str] | None = None
         ) -> tuple[int, list[tuple[str, str, int, str]], list[str]]:
    write(tmp_path, {"compose.yaml": PROXY.format(ports=ports, proxy_extra=proxy_extra,
                                                  orthanc_extra=orthanc_extra, top=top),
                     "pacs.conf": CONF.format(host=host), **(extra or {})})
    code, report = through_the_proxy(tmp_path)
    assert report["errors"] == []
    hops = [(item["rule_id"], Path(item["file"]).name, item["line"], item["confidence"])
            for item in report["findings"] if item["rule_id"] == "DG301"]
    return code, hops, [item["message"] for item in report["findings"]
                        if item["rule_id"] == "DG301"]


NAMED = [
    ("pacs-archive", "    container_name: pacs-archive\n"),
    ("pacs", "    networks:\n      default:\n        aliases: [pacs]\n"),
    ("archive", "    hostname: archive\n"),
]


@pytest.mark.parametrize(("name", "orthanc_extra"), NAMED)
def test_a_backend_named_by_another_name_docker_answers_to_is_judged(tmp_path, name,
                                                                      orthanc_extra):
    code, hops, messages = scan(tmp_path, name, orthanc_extra=orthanc_extra)
    assert (code, hops) == (1, [("DG301", "pacs.conf", 3, "confirmed")])
    assert f"internet -> proxy:80 /orthanc/ -> {name}:8042 (ORTHANC__AUTHENTICATION_ENABLED" \
        in messages[0]


def test_a_link_alias_of_the_proxy_names_the_backend(tmp_path):
    code, hops, _ = scan(tmp_path, "dicom", proxy_extra="    links:\n      - orthanc:dicom\n")
    assert (code, hops) == (1, [("DG301", "pacs.conf", 3, "confirmed")])


@pytest.mark.parametrize(("name", "orthanc_extra"), NAMED)
def test_renaming_the_backend_to_its_alias_keeps_the_verdict(tmp_path, name, orthanc_extra):
    by_service = scan(tmp_path / "service", "orthanc", orthanc_extra=orthanc_extra)
    by_alias = scan(tmp_path / "alias", name, orthanc_extra=orthanc_extra)
    assert by_service[:2] == by_alias[:2]


def test_a_name_no_container_answers_to_stays_unresolved(tmp_path):
    code, hops, messages = scan(tmp_path, "pacs")
    assert (code, hops) == (0, [("DG301", "pacs.conf", 3, "unresolved")])
    assert "pacs:8042 (no service of the project answers to 'pacs'; may be orthanc)" in \
        messages[0]


def test_an_alias_on_a_network_the_proxy_does_not_join_reaches_nothing(tmp_path):
    networks = "networks:\n  front: {}\n  back: {}\n"
    code, hops, _ = scan(tmp_path, "pacs", proxy_extra="    networks: [front]\n",
                         orthanc_extra="    networks:\n      back:\n        aliases: [pacs]\n",
                         top=networks)
    assert (code, hops) == (0, [])


@pytest.mark.parametrize(("proxy_networks", "expected"), [
    ("[front]", []), ("[front, back]", [("DG301", "pacs.conf", 3, "confirmed")])])
def test_a_proxy_reaches_only_backends_on_a_network_it_shares(tmp_path, proxy_networks,
                                                              expected):
    _, hops, _ = scan(tmp_path, "orthanc", proxy_extra=f"    networks: {proxy_networks}\n",
                      orthanc_extra="    networks: [back]\n",
                      top="networks:\n  front: {}\n  back: {}\n")
    assert hops == expected


def test_the_path_names_the_host_port_the_internet_reaches(tmp_path):
    _, _, messages = scan(tmp_path, "orthanc", ports="8443:80")
    assert "internet -> proxy:80 (published 8443) /orthanc/ -> orthanc:8042" in messages[0]


TEMPLATE = """\
server {
    listen ${NGINX_PORT};
    location /orthanc/ {
        proxy_pass http://${PACS_HOST}:8042/;
        proxy_set_header Host $host;
    }
}
"""


def template_project(tmp_path: Path, environment: str, extra: dict[str, str] | None = None
                     ) -> tuple[int, list[tuple[str, str, int, str]], list[str]]:
    compose = PROXY.format(ports="443:443", proxy_extra=environment, orthanc_extra="", top="")
    compose = compose.replace("./pacs.conf:/etc/nginx/conf.d/pacs.conf:ro",
                              "./templates:/etc/nginx/templates:ro")
    write(tmp_path, {"compose.yaml": compose, "templates/pacs.conf.template": TEMPLATE,
                     **(extra or {})})
    code, report = through_the_proxy(tmp_path)
    assert report["errors"] == []
    return code, [(item["rule_id"], Path(item["file"]).name, item["line"], item["confidence"])
                  for item in report["findings"] if item["rule_id"] == "DG301"], \
        [item["message"] for item in report["findings"] if item["rule_id"] == "DG301"]


IN_ENVIRONMENT = "    environment:\n      NGINX_PORT: \"443\"\n      PACS_HOST: orthanc\n"


@pytest.mark.parametrize(("environment", "extra"), [
    (IN_ENVIRONMENT, {}),
    ("    env_file: proxy.env\n", {"proxy.env": "NGINX_PORT=443\nPACS_HOST=orthanc\n"}),
    ("    environment:\n      NGINX_PORT: ${PORT}\n      PACS_HOST: ${PACS}\n",
     {".env": "PORT=443\nPACS=orthanc\n"}),
])
def test_a_template_is_read_with_the_variables_the_proxy_is_given(tmp_path, environment,
                                                                  extra):
    code, hops, messages = template_project(tmp_path, environment, extra)
    assert (code, hops) == (1, [("DG301", "pacs.conf.template", 3, "confirmed")])
    assert "internet -> proxy:443 /orthanc/ -> orthanc:8042" in messages[0]


def test_a_template_variable_without_a_known_value_stays_unresolved(tmp_path):
    code, hops, messages = template_project(
        tmp_path, "    env_file: /etc/pacs/proxy.env\n    environment:\n"
                  "      NGINX_PORT: \"443\"\n")
    assert (code, hops) == (0, [("DG301", "pacs.conf.template", 3, "unresolved")])
    assert "${PACS_HOST} depends on a variable; may be orthanc" in messages[0]


def test_the_template_example_names_the_alias_and_the_published_port():
    code, report = through_the_proxy(EXAMPLES / "compose" / "proxy-template-insecure")
    assert (code, report["errors"]) == (1, [])
    hop = [item for item in report["findings"] if item["rule_id"] == "DG301"]
    assert [(Path(item["file"]).name, item["line"]) for item in hop] == [
        ("pacs.conf.template", 6)]
    assert hop[0]["message"].endswith(
        "internet -> proxy:443 (published 8443) /orthanc/ -> archive:8042 "
        '(ORTHANC__AUTHENTICATION_ENABLED: "false")')


def test_the_secure_template_example_passes():
    code, report = through_the_proxy(EXAMPLES / "compose" / "proxy-template-secure")
    assert (code, report["findings"], report["errors"]) == (0, [], [])


def test_a_request_path_variable_after_the_host_still_names_the_backend(tmp_path):
    write(tmp_path, {"compose.yaml": PROXY.format(ports="80:80", proxy_extra="",
                                                  orthanc_extra="", top=""),
                     "pacs.conf": CONF.format(host="orthanc").replace(
                         "http://orthanc:8042/", "http://orthanc:8042$request_uri")})
    _, report = through_the_proxy(tmp_path)
    assert [(item["rule_id"], item["confidence"]) for item in report["findings"]
            if item["rule_id"] == "DG301"] == [("DG301", "confirmed")]
    assert report["notes"] == []
