"""Caddy in front of a PACS: a Caddyfile placed where the caddy image reads it gives the
backend the proxy's reach, Caddy's own authentication or remote_ip restrictions can stop
strangers, and findings name the way in at the line to change."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from tests.apps.proxied import through_the_proxy
from tests.apps.test_compose_paths import write
from tests.apps.test_nginx_proxy import (
    KUBERNETES,
    UNAUTHENTICATED_ORTHANC,
    found,
    hops,
    scan_beside_an_exposed_orthanc,
)
from tests.conftest import EXAMPLES

OPEN_SITE = """\
pacs.example.org {
    handle /dicom-web/* {
        reverse_proxy orthanc:8042
    }
}
"""


def project(tmp_path: Path, caddyfile: str, *, ports: str = '["80:80", "443:443"]',
            name: str = "Caddyfile", environment: str = "",
            extra: dict[str, str] | None = None) -> Path:
    """A caddy service with caddyfile mounted at /etc/caddy/Caddyfile, in front of an Orthanc
    without authentication that publishes nothing itself."""
    compose = (f"services:\n  caddy:\n    image: caddy:2.8\n    ports: {ports}\n"
               f"{environment}"
               f"    volumes:\n      - ./{name}:/etc/caddy/Caddyfile:ro\n"
               + UNAUTHENTICATED_ORTHANC)
    write(tmp_path, {"compose.yaml": compose, name: textwrap.dedent(caddyfile),
                     **(extra or {})})
    return tmp_path


def dg301(findings: list[tuple[str, str, int]]) -> list[tuple[str, int]]:
    return [(file, line) for rule, file, line in findings if rule == "DG301"]


def test_the_insecure_caddy_example_names_the_way_in_at_the_line_to_change():
    code, report = through_the_proxy(EXAMPLES / "compose" / "caddy-insecure")
    assert (code, report["errors"]) == (1, [])
    assert [(item["rule_id"], Path(item["file"]).name, item["line"])
            for item in report["findings"]] == [("DG301", "Caddyfile", 10)]
    assert report["findings"][0]["message"].endswith(
        "internet -> caddy:443 pacs.example.org /dicom-web/* -> orthanc:8042 "
        '(ORTHANC__AUTHENTICATION_ENABLED: "false")')


def test_the_secure_caddy_example_passes(tmp_path):
    code, report = through_the_proxy(EXAMPLES / "compose" / "caddy-secure")
    assert (code, report["findings"], report["errors"]) == (0, [], [])
    shutil.copytree(EXAMPLES / "compose" / "caddy-secure", tmp_path / "example")
    assert sorted(fact["detail"].split(" (")[0] for fact in hops(tmp_path / "example")) == [
        "the proxy: abort @outside", "the proxy: basic_auth"]


def test_a_host_name_site_is_served_with_https_so_only_authentication_is_reported(tmp_path):
    code, findings, _ = found(project(tmp_path, OPEN_SITE))
    assert code == 1
    assert [rule for rule, _, _ in findings] == ["DG301"]
    assert [fact["tls"] for fact in hops(tmp_path)] == [True]


@pytest.mark.parametrize("address", [":80", "http://pacs.example.org", ":8080"])
def test_a_site_served_over_plain_http_is_also_unencrypted_transport(tmp_path, address):
    directory = project(tmp_path, OPEN_SITE.replace("pacs.example.org", address, 1),
                        ports='["80:80", "8080:8080"]')
    _, findings, report = found(directory)
    assert dg301(findings) == [("Caddyfile", 2)]
    clear = [item["message"] for item in report["findings"] if item["rule_id"] == "DG401"]
    assert clear and f"caddy:{address.rpartition(':')[2] if address[0] == ':' else 80} " \
        f"{address} /dicom-web/*" in clear[0]


@pytest.mark.parametrize("protection", [
    # a password on the whole site, under either name
    "    basic_auth {\n        radiology $2a$14$hash\n    }\n",
    "    basicauth /dicom-web/* {\n        radiology $2a$14$hash\n    }\n",
    # a password asked of everyone outside the private ranges
    "    @outside not remote_ip private_ranges\n    basic_auth @outside {\n"
    "        radiology $2a$14$hash\n    }\n",
    "    forward_auth authelia:9091 {\n        uri /api/verify\n    }\n",
    # strangers turned away before the handle is reached (redir runs first)
    "    @outside not client_ip 10.0.0.0/8\n    redir @outside https://example.org\n",
    "    tls {\n        client_auth {\n            mode require_and_verify\n"
    "            trusted_ca_cert_file /etc/caddy/ca.pem\n        }\n    }\n",
])
def test_caddy_own_authentication_or_restriction_protects_the_backend(tmp_path, protection):
    caddyfile = OPEN_SITE.replace("pacs.example.org {\n", "pacs.example.org {\n" + protection)
    code, findings, report = found(project(tmp_path, caddyfile))
    assert (code, findings, report["errors"]) == (0, [], [])
    assert [(fact["reach"], fact["authentication"]) for fact in hops(tmp_path)] == [
        ("internet", True)]


@pytest.mark.parametrize("inside", [
    "@inside remote_ip 10.20.0.0/16\n    handle @inside {",
    "@inside {\n        remote_ip 10.20.0.0/16 192.168.0.0/16\n        path /dicom-web/*\n"
    "    }\n    handle @inside {",
    # an earlier handle takes the strangers (a handle without a matcher sorts last)
    "@outside not remote_ip private_ranges\n    handle @outside {\n        abort\n    }\n"
    "    handle {",
])
def test_a_proxy_only_private_sources_reach_is_protected(tmp_path, inside):
    caddyfile = OPEN_SITE.replace("handle /dicom-web/* {", inside)
    code, findings, _ = found(project(tmp_path, caddyfile))
    assert (code, findings) == (0, [])
    [hop] = hops(tmp_path)
    assert hop["authentication"] is True
    assert hop["detail"].startswith(("the proxy: only 10.20.0.0/16",
                                     "the proxy: handle @outside"))


@pytest.mark.parametrize("weakened", [
    # a password on another path
    "    basic_auth /admin/* {\n        admin $2a$14$hash\n    }\n",
    # abort runs after handle in Caddy's order: it never sees what the handle takes
    "    @outside not remote_ip private_ranges\n    abort @outside\n",
    # an allow-list that admits the internet
    "    @outside not remote_ip 0.0.0.0/0\n    respond @outside 403\n",
])
def test_protection_that_lets_strangers_through_does_not_count(tmp_path, weakened):
    caddyfile = OPEN_SITE.replace("pacs.example.org {\n", "pacs.example.org {\n" + weakened)
    _, findings, _ = found(project(tmp_path, caddyfile))
    assert dg301(findings) == [("Caddyfile", len(weakened.splitlines()) + 2)]


def test_a_handle_with_a_path_is_tried_before_one_with_a_named_matcher(tmp_path):
    caddyfile = OPEN_SITE.replace("    handle /dicom-web/* {", """\
    @outside not remote_ip private_ranges
    handle @outside {
        abort
    }
    handle /dicom-web/* {""")
    _, findings, _ = found(project(tmp_path, caddyfile))
    assert dg301(findings) == [("Caddyfile", 6)]


def test_inside_a_route_block_the_written_order_decides(tmp_path):
    caddyfile = """\
        pacs.example.org {
            route /dicom-web/* {
                reverse_proxy orthanc:8042
                basic_auth {
                    radiology $2a$14$hash
                }
            }
        }
        """
    _, findings, _ = found(project(tmp_path, caddyfile))
    assert dg301(findings) == [("Caddyfile", 2)]
    before = caddyfile.replace("        reverse_proxy orthanc:8042\n", "").replace(
        "        }\n            }\n", "        }\n                reverse_proxy orthanc:8042\n"
        "            }\n", 1)
    code, findings, _ = found(project(tmp_path, before))
    assert (code, findings) == (0, [])


def test_authentication_in_an_imported_snippet_or_file_protects(tmp_path):
    caddyfile = """\
        (viewers) {
            basic_auth {args[0]} {
                radiology $2a$14$hash
            }
        }
        import sites/*.caddyfile
        """
    site = "pacs.example.org {\n    import viewers /dicom-web/*\n" \
           "    reverse_proxy /dicom-web/* orthanc:8042\n}\n"
    directory = project(tmp_path, caddyfile, extra={"sites/pacs.caddyfile": site})
    compose = (directory / "compose.yaml").read_text()
    (directory / "compose.yaml").write_text(compose.replace(
        ":ro\n", ":ro\n      - ./sites:/etc/caddy/sites:ro\n", 1))
    code, findings, report = found(directory)
    assert (code, findings, report["errors"]) == (0, [], [])
    (directory / "sites/pacs.caddyfile").write_text(site.replace(
        "import viewers /dicom-web/*", "import viewers /admin/*"))
    _, findings, _ = found(directory)
    assert dg301(findings) == [("pacs.caddyfile", 3)]


def test_an_import_outside_the_scanned_tree_leaves_the_verdict_unresolved(tmp_path):
    caddyfile = OPEN_SITE.replace("    handle", "    import /opt/auth/*.caddy\n    handle")
    _, report = through_the_proxy(project(tmp_path, caddyfile))
    hop = [item for item in report["findings"] if item["rule_id"] == "DG301"]
    assert [item["confidence"] for item in hop] == ["unresolved"]
    assert any("/opt/auth/*.caddy" in reason for reason in hop[0]["unknown"])


def test_placeholders_are_filled_from_the_container_environment(tmp_path):
    caddyfile = "{$DOMAIN} {\n    reverse_proxy {$BACKEND:orthanc:8042}\n}\n"
    environment = "    environment:\n      DOMAIN: pacs.example.org\n"
    _, report = through_the_proxy(project(tmp_path, caddyfile, environment=environment))
    assert [item["message"].rpartition(": ")[0].rpartition("internet -> ")[2]
            for item in report["findings"] if item["rule_id"] == "DG301"] == [
        "caddy:443 pacs.example.org /* -> orthanc:8042 (ORTHANC__AUTHENTICATION_ENABLED"]


def test_an_address_from_an_unset_variable_leaves_only_the_encryption_unresolved(tmp_path):
    # Published on 80 and 443, the site is reached whatever its address: no authentication
    # is a fact; whether Caddy serves it with TLS depends on the address.
    caddyfile = "{$DOMAIN} {\n    reverse_proxy {env.BACKEND}\n}\n"
    environment = "    environment:\n      BACKEND: orthanc:8042\n"
    _, report = through_the_proxy(project(tmp_path, caddyfile, environment=environment))
    hop = [(item["rule_id"], item["confidence"]) for item in report["findings"]
           if item["file"].endswith("Caddyfile")]
    assert set(hop) == {("DG301", "confirmed"), ("DG401", "unresolved")}
    assert all("site address {$DOMAIN} is not known" in item["unknown"]
               for item in report["findings"] if item["file"].endswith("Caddyfile"))


def test_upstreams_in_the_block_form_are_followed(tmp_path):
    caddyfile = """\
        # "quoted # text" and a comment are not directives
        pacs.example.org {
            header X-Note "not # a comment"
            reverse_proxy /dicom-web/* {
                to http://orthanc:8042 \\
                   second:8042
                lb_policy first
            }
        }
        """
    directory = project(tmp_path, caddyfile)
    with (directory / "compose.yaml").open("a") as compose:
        compose.write("  second:\n    image: orthancteam/orthanc:24.12.1\n")
    _, report = through_the_proxy(directory)
    hop = [item["message"] for item in report["findings"] if item["rule_id"] == "DG301"
           and item["file"].endswith("Caddyfile")]
    assert len(hop) == 1
    assert hop[0].endswith("caddy:443 pacs.example.org /dicom-web/* -> orthanc:8042 "
                           '(ORTHANC__AUTHENTICATION_ENABLED: "false"), second:8042 '
                           "(authenticates)")


def test_an_upstream_from_an_unset_variable_is_a_note(tmp_path):
    caddyfile = ":80 {\n    reverse_proxy {$BACKEND}\n}\n"
    code, report = through_the_proxy(project(tmp_path, caddyfile))
    assert (code, report["findings"]) == (0, [])
    assert any("{$BACKEND}" in item["message"] for item in report["notes"])


@pytest.mark.parametrize("name", ["Caddyfile.prod", "pacs.caddyfile"])
def test_a_single_site_without_braces_under_another_name_is_read(tmp_path, name):
    caddyfile = "# the whole file is one site\n:80\n\nreverse_proxy orthanc:8042\n"
    _, findings, _ = found(project(tmp_path, caddyfile, name=name))
    assert dg301(findings) == [(name, 4)]


@pytest.mark.parametrize(("ports", "bind"), [('["127.0.0.1:80:80"]', ""),
                                             ('["80:80"]', "    bind 127.0.0.1\n")])
def test_a_caddy_only_the_host_reaches_exposes_nothing(tmp_path, ports, bind):
    caddyfile = f":80 {{\n{bind}    reverse_proxy orthanc:8042\n}}\n"
    code, findings, _ = found(project(tmp_path, caddyfile, ports=ports))
    assert (code, findings) == (0, [])
    # the same proxy published on every address is reported
    _, findings, _ = found(project(tmp_path, caddyfile.replace(bind, ""), ports='["80:80"]'))
    assert dg301(findings) == [("Caddyfile", 2)]


def test_a_caddyfile_copied_by_the_dockerfile_is_read(tmp_path):
    write(tmp_path, {
        "compose.yaml": "services:\n  web:\n    build: ./web\n    ports:\n"
                        "      - \"443:443\"\n" + UNAUTHENTICATED_ORTHANC,
        "web/Dockerfile": "FROM caddy:2-builder AS build\nRUN xcaddy build\n"
                          "FROM caddy:2-alpine\nCOPY Caddyfile /etc/caddy/Caddyfile\n",
        "web/Caddyfile": OPEN_SITE})
    _, findings, _ = found(tmp_path)
    assert dg301(findings) == [("Caddyfile", 2)]


@pytest.mark.parametrize(("broken", "line", "message"), [
    (OPEN_SITE.replace("    }\n}\n", "    }\n"), 4, "'}' missing"),
    (OPEN_SITE.replace("orthanc:8042", '"orthanc:8042'), 3, "unterminated"),
    (OPEN_SITE + "reverse_proxy other:80\n", 6, "outside a site block"),
    (OPEN_SITE.replace("    }\n}\n", "    }}\n}\n"), 4, "'}}' does not close one"),
])
def test_bad_syntax_is_an_error_at_its_line_and_other_files_are_still_scanned(
        tmp_path, broken, line, message):
    code, errors, report = scan_beside_an_exposed_orthanc(project(tmp_path, broken))
    assert (code, errors) == (2, [("Caddyfile", line)])
    assert message in report["errors"][0]["message"]


def test_a_snippet_that_imports_itself_is_an_error(tmp_path):
    caddyfile = "(loop) {\n    import loop\n}\n:80 {\n    import loop\n}\n"
    code, report = through_the_proxy(project(tmp_path, caddyfile))
    assert code == 2
    assert "too deeply" in report["errors"][0]["message"]


CADDY_KUBERNETES = KUBERNETES.replace("""\
  pacs.conf: |
    server {
        listen 80;
        location /orthanc/ {
            proxy_pass http://orthanc.default.svc.cluster.local:80/;
        }
    }
""", """\
  Caddyfile: |
    :80 {
        handle_path /orthanc/* {
            reverse_proxy orthanc.default.svc.cluster.local:80
        }
    }
""").replace("name: nginx\n          image: nginx:1.27", "name: caddy\n          image: caddy:2.8"
             ).replace("mountPath: /etc/nginx/conf.d", "mountPath: /etc/caddy")


def test_a_configmap_mounted_into_a_caddy_pod_gives_the_backend_its_reach(tmp_path):
    (tmp_path / "pacs.yaml").write_text(CADDY_KUBERNETES)
    _, report = through_the_proxy(tmp_path)
    assert report["errors"] == []
    hop = [(item["line"], item["message"]) for item in report["findings"]
           if item["rule_id"] == "DG301" and "/orthanc/*" in item["resource"]]
    assert len(hop) == 1
    assert hop[0][0] == 8  # the handle_path, inside the ConfigMap
    assert hop[0][1].endswith("internet -> caddy:80 :80 /orthanc/* -> orthanc.default.svc."
                              "cluster.local:8042 (ORTHANC__AUTHENTICATION_ENABLED)")
