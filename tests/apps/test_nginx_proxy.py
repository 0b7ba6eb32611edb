"""nginx in front of a PACS in a compose project: what the proxy publishes gives the backend its
reach, the proxy's own authentication can stop strangers, and findings name the way in."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from tests.apps.proxied import through_the_proxy
from tests.apps.test_compose_paths import write
from tests.conftest import EXAMPLES, run_cli, scan_json

UNAUTHENTICATED_ORTHANC = """\
  orthanc:
    image: orthancteam/orthanc:24.12.1
    environment:
      ORTHANC__AUTHENTICATION_ENABLED: "false"
"""


def project(tmp_path: Path, conf: str, *, ports: str = '"80:80"',
            target: str = "/etc/nginx/conf.d/pacs.conf", extra: dict[str, str] | None = None
            ) -> Path:
    """A proxy service with conf mounted at target, in front of an Orthanc without
    authentication that publishes nothing itself."""
    compose = (f"services:\n  proxy:\n    image: nginx:1.27\n    ports:\n      - {ports}\n"
               f"    volumes:\n      - ./pacs.conf:{target}:ro\n" + UNAUTHENTICATED_ORTHANC)
    write(tmp_path, {"compose.yaml": compose, "pacs.conf": textwrap.dedent(conf),
                     **(extra or {})})
    return tmp_path


def found(directory: Path) -> tuple[int, list[tuple[str, str, int]], dict]:
    code, report = through_the_proxy(directory)
    return code, sorted((item["rule_id"], Path(item["file"]).name, item["line"])
                        for item in report["findings"]), report


def hops(directory: Path) -> list[dict]:
    """The service facts of every hop through a proxy, as --dump-facts writes them."""
    dumped = directory / "facts.out"
    run_cli("scan", "--dump-facts", str(dumped), str(directory))
    facts = json.loads(dumped.read_text())
    return [fact for fact in facts["services"] if "path" in fact]


OPEN_LOCATION = """\
server {
    listen 80;
    location /orthanc/ {
        proxy_pass http://orthanc:8042/;
    }
}
"""


def test_the_insecure_proxy_example_names_the_way_in_at_the_line_to_change():
    code, report = scan_json(str(EXAMPLES / "compose" / "proxy-insecure"))
    assert (code, report["errors"]) == (1, [])
    unauthenticated = [item for item in report["findings"] if item["rule_id"] == "DG301"]
    # The way in from the internet, and Orthanc itself, which the other containers reach.
    assert sorted((Path(item["file"]).name, item["line"], item["severity"])
                  for item in unauthenticated) == [("compose.yaml", 17, "medium"),
                                                   ("orthanc.conf", 5, "critical")]
    hop = [item for item in unauthenticated if item["file"].endswith("orthanc.conf")]
    assert ("internet -> proxy:80 /orthanc/ -> orthanc:8042 "
            '(ORTHANC__AUTHENTICATION_ENABLED: "false")') in hop[0]["message"]
    clear_text = [item["message"] for item in report["findings"] if item["rule_id"] == "DG401"]
    assert clear_text and all(message.endswith("-> orthanc:8042 "
                                               '(ORTHANC__AUTHENTICATION_ENABLED: "false")')
                              for message in clear_text)
    relayed = [item for item in report["findings"]
               if item["rule_id"] == "DG101" and item["file"].endswith("nginx.conf")]
    assert [(item["line"], item["ports"]) for item in relayed] == [(14, [4242, 11112])]
    assert "stream :11112 -> orthanc:4242" in relayed[0]["message"]


def test_the_secure_proxy_example_passes():
    code, report = scan_json(str(EXAMPLES / "compose" / "proxy-secure"))
    assert (code, report["findings"], report["errors"]) == (0, [], [])


def test_a_published_proxy_without_authentication_exposes_the_backend(tmp_path):
    code, findings, _ = found(project(tmp_path, OPEN_LOCATION))
    assert code == 1
    assert ("DG301", "pacs.conf", 3) in findings


@pytest.mark.parametrize("protection", [
    "auth_basic \"PACS\";\n        auth_basic_user_file /etc/nginx/htpasswd;",
    "auth_request /auth;",
    "allow 10.0.0.0/8;\n        deny all;",
    "satisfy any;\n        allow 10.0.0.0/8;\n        deny all;\n        auth_basic \"PACS\";",
])
def test_the_proxy_own_authentication_or_allow_list_protects_the_backend(tmp_path,
                                                                          protection):
    conf = OPEN_LOCATION.replace("location /orthanc/ {",
                                 f"location /orthanc/ {{\n        {protection}")
    directory = project(tmp_path, conf)
    _, findings, report = found(directory)
    assert [item for item in findings if item[0] == "DG301"] == [], report["findings"]
    assert report["errors"] == []
    # The backend is still reached through the proxy; the proxy is what stops strangers.
    assert [(fact["reach"], fact["authentication"]) for fact in hops(directory)] == [
        ("internet", True)]


def test_client_certificates_protect_every_location_of_the_server(tmp_path):
    conf = OPEN_LOCATION.replace(
        "listen 80;", "listen 443 ssl;\n    ssl_certificate /c.pem;\n"
                      "    ssl_certificate_key /k.pem;\n    ssl_verify_client on;")
    directory = project(tmp_path, conf, ports='"443:443"')
    code, findings, _ = found(directory)
    assert (code, findings) == (0, [])
    assert [fact["detail"] for fact in hops(directory)] == ["the proxy: ssl_verify_client on"]


@pytest.mark.parametrize("weakened", [
    # a location turns off the password its server asks for
    ("    listen 80;", "    listen 80;\n    auth_basic \"PACS\";",
     "proxy_pass", "auth_basic off;\n        proxy_pass"),
    # an allow-list that lets everyone else through
    ("proxy_pass", "allow 10.0.0.0/8;\n        proxy_pass", "", ""),
    # satisfy any: the allow rule admits everyone, so the password is never asked
    ("proxy_pass", "satisfy any;\n        allow all;\n        auth_basic \"PACS\";\n"
                   "        proxy_pass", "", ""),
])
def test_protection_that_lets_strangers_through_does_not_count(tmp_path, weakened):
    old, new, old_inner, new_inner = weakened
    conf = OPEN_LOCATION.replace(old, new, 1)
    if old_inner:
        conf = conf.replace(old_inner, new_inner, 1)
    _, findings, _ = found(project(tmp_path, conf))
    assert [item[0] for item in findings].count("DG301") == 1


def test_every_server_of_an_upstream_is_one_hop_as_weak_as_the_weakest(tmp_path):
    conf = """\
        upstream archive {
            server orthanc:8042;
            server second:8042;
        }
        server {
            location / {
                proxy_pass http://archive;
            }
        }
        """
    directory = project(tmp_path, conf, extra={})
    with (directory / "compose.yaml").open("a") as compose:
        compose.write("  second:\n    image: orthancteam/orthanc:24.12.1\n")
    _, report = through_the_proxy(directory)
    hop = [item["message"] for item in report["findings"] if item["rule_id"] == "DG301"]
    assert len(hop) == 1
    assert hop[0].endswith('-> orthanc:8042 (ORTHANC__AUTHENTICATION_ENABLED: "false"), '
                           "second:8042 (authenticates)")


@pytest.mark.parametrize(("ports", "listen"), [('"127.0.0.1:80:80"', "listen 80;"),
                                               ('"80:80"', "listen 127.0.0.1:80;")])
def test_a_proxy_only_the_host_reaches_exposes_nothing(tmp_path, ports, listen):
    directory = project(tmp_path, OPEN_LOCATION.replace("listen 80;", listen), ports=ports)
    code, findings, _ = found(directory)
    assert (code, findings) == (0, [])


def test_a_configuration_copied_by_the_proxy_dockerfile_is_read(tmp_path):
    write(tmp_path, {
        "compose.yaml": "services:\n  proxy:\n    build: ./proxy\n    ports:\n"
                        "      - \"80:80\"\n" + UNAUTHENTICATED_ORTHANC,
        "proxy/Dockerfile": "FROM nginx:1.27-alpine\nCOPY nginx.conf /etc/nginx/nginx.conf\n",
        "proxy/nginx.conf": """\
            events {}
            http {
                upstream pacs {
                    server orthanc:8042;
                }
                server {
                    listen 80;
                    proxy_pass http://pacs;
                }
            }
            """})
    code, findings, report = found(tmp_path)
    assert code == 1, report
    assert ("DG301", "nginx.conf", 8) in findings


def test_an_included_file_of_the_scanned_tree_is_read_where_it_is_included(tmp_path):
    conf = """\
        server {
            listen 80;
            location /orthanc/ {
                include /etc/nginx/snippets/orthanc.conf;
            }
        }
        """
    directory = project(tmp_path, conf, extra={"snippets/orthanc.conf":
                                               "proxy_pass http://orthanc:8042/;\n"})
    compose = (directory / "compose.yaml").read_text()
    (directory / "compose.yaml").write_text(compose.replace(
        ":ro\n", ":ro\n      - ./snippets:/etc/nginx/snippets:ro\n", 1))
    _, findings, _ = found(directory)
    assert ("DG301", "pacs.conf", 3) in findings


def test_an_include_outside_the_scanned_tree_leaves_the_verdict_unresolved(tmp_path):
    conf = OPEN_LOCATION.replace("proxy_pass", "include /opt/auth/snippet.conf;\n        "
                                               "proxy_pass")
    _, report = through_the_proxy(project(tmp_path, conf))
    hop = [item for item in report["findings"] if item["rule_id"] == "DG301"]
    assert [item["confidence"] for item in hop] == ["unresolved"]
    assert any("/opt/auth/snippet.conf" in reason for reason in hop[0]["unknown"])


def scan_beside_an_exposed_orthanc(directory: Path) -> tuple[int, list[tuple[str, int]], dict]:
    """Scan directory with another project in it that publishes Orthanc's DICOM port:
    (exit code, errors as (file name, line), report). The other project is still reported."""
    write(directory, {"other/docker-compose.yml": """\
        services:
          orthanc:
            image: orthancteam/orthanc:24.12.1
            ports:
              - "104:4242"
        """})
    code, report = scan_json(str(directory))
    assert any(item["file"].endswith("other/docker-compose.yml")
               for item in report["findings"])
    return code, [(Path(error["file"]).name, error["line"])
                  for error in report["errors"]], report


def test_bad_syntax_is_an_error_at_its_line_and_other_files_are_still_scanned(tmp_path):
    code, errors, report = scan_beside_an_exposed_orthanc(
        project(tmp_path, OPEN_LOCATION.replace("}\n}\n", "}\n")))
    assert (code, errors) == (2, [("pacs.conf", 5)])
    assert "'}' missing" in report["errors"][0]["message"]


def test_an_unterminated_string_names_its_line(tmp_path):
    conf = OPEN_LOCATION.replace("listen 80;", 'auth_basic "PACS;\n    listen 80;')
    code, report = scan_json(str(project(tmp_path, conf)))
    assert code == 2
    assert [(Path(error["file"]).name, error["line"]) for error in report["errors"]] == [
        ("pacs.conf", 2)]


def test_an_include_cycle_is_an_error_naming_the_file_read_again(tmp_path):
    looping = {f"conf.d/{name}.conf": "include /etc/nginx/conf.d/*.conf;\n"
               for name in ("a", "b", "c")}
    write(tmp_path, {"compose.yaml": "services:\n  proxy:\n    image: nginx:1.27\n"
                                     "    ports:\n      - \"80:80\"\n    volumes:\n"
                                     "      - ./conf.d:/etc/nginx/conf.d:ro\n", **looping})
    code, report = scan_json(str(tmp_path))
    assert code == 2
    assert [(Path(error["file"]).name, error["line"]) for error in report["errors"]] == [
        ("a.conf", 1)]
    assert "a.conf, which is already being read (a cycle)" in \
        report["errors"][0]["message"]


def test_a_backend_named_by_a_variable_stays_unresolved_over_what_the_proxy_reaches(tmp_path):
    conf = OPEN_LOCATION.replace("http://orthanc:8042/", "http://$backend")
    code, report = through_the_proxy(project(tmp_path, conf))
    assert code == 0
    assert {(item["rule_id"], item["confidence"]) for item in report["findings"]} == {
        ("DG301", "unresolved"), ("DG401", "unresolved")}
    assert "$backend depends on a variable; may be orthanc" in report["findings"][0]["message"]


def test_a_backend_named_by_a_variable_with_no_image_service_behind_it_is_a_note(tmp_path):
    conf = OPEN_LOCATION.replace("http://orthanc:8042/", "http://$backend")
    directory = project(tmp_path, conf)
    compose = (directory / "compose.yaml").read_text()
    (directory / "compose.yaml").write_text(compose.split("  orthanc:")[0])
    code, report = through_the_proxy(directory)
    assert (code, report["findings"]) == (0, [])
    assert any("$backend" in item["message"] for item in report["notes"])


KUBERNETES = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: proxy-conf
data:
  pacs.conf: |
    server {
        listen 80;
        location /orthanc/ {
            proxy_pass http://orthanc.default.svc.cluster.local:80/;
        }
    }
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: proxy
spec:
  selector:
    matchLabels: {app: proxy}
  template:
    metadata:
      labels: {app: proxy}
    spec:
      containers:
        - name: nginx
          image: nginx:1.27
          volumeMounts:
            - name: conf
              mountPath: /etc/nginx/conf.d
      volumes:
        - name: conf
          configMap:
            name: proxy-conf
---
apiVersion: v1
kind: Service
metadata:
  name: proxy
spec:
  type: LoadBalancer
  selector: {app: proxy}
  ports:
    - port: 80
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: orthanc
spec:
  selector:
    matchLabels: {app: orthanc}
  template:
    metadata:
      labels: {app: orthanc}
    spec:
      containers:
        - name: orthanc
          image: orthancteam/orthanc:24.12.1
          env:
            - name: ORTHANC__AUTHENTICATION_ENABLED
              value: "false"
---
apiVersion: v1
kind: Service
metadata:
  name: orthanc
spec:
  selector: {app: orthanc}
  ports:
    - port: 80
      targetPort: 8042
"""


def test_a_configmap_mounted_into_an_nginx_pod_gives_the_backend_its_reach(tmp_path):
    (tmp_path / "pacs.yaml").write_text(KUBERNETES)
    _, report = scan_json(str(tmp_path))
    assert report["errors"] == []
    hop = [(item["line"], item["message"]) for item in report["findings"]
           if item["rule_id"] == "DG301" and "location" in item["resource"]]
    assert len(hop) == 1
    assert hop[0][0] == 9  # the location, inside the ConfigMap
    assert hop[0][1].endswith("internet -> nginx:80 /orthanc/ -> orthanc.default.svc.cluster."
                              "local:8042 (ORTHANC__AUTHENTICATION_ENABLED)")


def test_a_configmap_key_mounted_by_subpath_as_nginx_conf_is_read(tmp_path):
    manifest = KUBERNETES.replace("  pacs.conf: |\n    server {", "  nginx.conf: |\n"
                                  "    events {}\n    http {\n    server {").replace(
        "        }\n    }\n---", "        }\n    }\n    }\n---", 1).replace(
        "mountPath: /etc/nginx/conf.d",
        "mountPath: /etc/nginx/nginx.conf\n              subPath: nginx.conf")
    (tmp_path / "pacs.yaml").write_text(manifest)
    _, report = scan_json(str(tmp_path))
    assert report["errors"] == []
    assert [item["line"] for item in report["findings"]
            if item["rule_id"] == "DG301" and "location" in item["resource"]] == [11]


def test_a_proxy_in_a_configmap_that_asks_for_a_password_clears_the_hop(tmp_path):
    (tmp_path / "pacs.yaml").write_text(KUBERNETES.replace(
        "        location /orthanc/ {", '        auth_basic "PACS";\n        location /orthanc/ {'))
    _, report = scan_json(str(tmp_path))
    assert [item for item in report["findings"]
            if item["rule_id"] == "DG301" and "location" in item["resource"]] == []
    assert [fact["authentication"] for fact in hops(tmp_path)] == [True]


def test_the_ohif_viewer_image_runs_nginx_with_the_configuration_mounted_into_it(tmp_path):
    directory = project(tmp_path, OPEN_LOCATION, ports='"3000:80"')
    compose = (directory / "compose.yaml").read_text()
    (directory / "compose.yaml").write_text(compose.replace("image: nginx:1.27",
                                                            "image: ohif/app:v3.9.2"))
    _, findings, _ = found(directory)
    assert ("DG301", "pacs.conf", 3) in findings


SIDECAR = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: proxy-conf
data:
  pacs.conf: |
    server {
        listen 80;
        location /orthanc/ {
            PROTECTION
            proxy_pass http://127.0.0.1:8042/;
        }
    }
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: pacs
spec:
  selector:
    matchLabels: {app: pacs}
  template:
    metadata:
      labels: {app: pacs}
    spec:
      containers:
        - name: nginx
          image: nginx:1.27
          volumeMounts:
            - name: conf
              mountPath: /etc/nginx/conf.d
        - name: orthanc
          image: orthancteam/orthanc:24.12.1
          env:
            - name: ORTHANC__REMOTE_ACCESS_ALLOWED
              value: "false"
            - name: ORTHANC__AUTHENTICATION_ENABLED
              value: "false"
      volumes:
        - name: conf
          configMap:
            name: proxy-conf
---
apiVersion: v1
kind: Service
metadata:
  name: pacs
spec:
  type: LoadBalancer
  selector: {app: pacs}
  ports:
    - port: 80
"""


def test_a_sidecar_proxy_reaches_orthanc_on_the_pod_s_loopback(tmp_path):
    (tmp_path / "open").mkdir()
    (tmp_path / "open" / "pacs.yaml").write_text(SIDECAR.replace("PROTECTION", "# none"))
    _, report = scan_json(str(tmp_path / "open"))
    hop = [item for item in report["findings"] if item["rule_id"] == "DG301"]
    assert [(item["line"], item["severity"]) for item in hop] == [(9, "critical")]
    assert "internet -> nginx:80 /orthanc/ -> 127.0.0.1:8042" in hop[0]["message"]
    (tmp_path / "closed").mkdir()
    (tmp_path / "closed" / "pacs.yaml").write_text(SIDECAR.replace(
        "PROTECTION", 'auth_basic "PACS";\n            auth_basic_user_file /etc/nginx/htpasswd;'))
    _, report = scan_json(str(tmp_path / "closed"))
    assert [item for item in report["findings"] if item["rule_id"] == "DG301"] == []
