"""nginx a play renders onto a host in front of the Orthanc the same play runs there: the
proxy's ports get the host's reach from the firewall the play configures, a proxy_pass to the
loopback reaches that Orthanc, and findings name the way in at the template line."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.ansible.conftest import write_tree
from tests.conftest import EXAMPLES, run_cli, scan_json

INSECURE = EXAMPLES / "ansible" / "nginx-insecure"
SECURE = EXAMPLES / "ansible" / "nginx-secure"
SITE = "roles/nginx/templates/orthanc.conf.j2"


def test_an_open_proxy_in_front_of_orthanc_is_critical_at_the_location(tmp_path):
    code, report = scan_json(str(INSECURE))
    assert code == 1
    assert report["errors"] == []
    [finding] = report["findings"]
    assert (finding["rule_id"], finding["severity"], finding["confidence"]) == \
        ("DG301", "critical", "confirmed")
    assert finding["file"].endswith(SITE) and finding["line"] == 7
    assert "internet -> nginx:443 /orthanc/ -> orthanc:8042" in finding["message"]
    assert "on host pacs1.radiology.example.org" in finding["message"]


def test_orthanc_on_the_loopback_behind_an_authenticating_proxy_is_clean():
    result = run_cli("scan", str(SECURE))
    assert result.returncode == 0, result.stdout
    assert "no findings" in result.stdout


def _copy(source: Path, tmp_path: Path) -> Path:
    target = tmp_path / "play"
    shutil.copytree(source, target)
    return target


def test_without_a_firewall_in_the_play_the_proxy_s_reach_is_unresolved(tmp_path):
    play = _copy(INSECURE, tmp_path)
    tasks = play / "roles/nginx/tasks/main.yml"
    text = tasks.read_text()
    tasks.write_text(text[:text.index("- name: Open HTTPS")])
    code, report = scan_json("--fail-on", "high", str(play))
    assert code == 0  # unresolved: reported, failing only with --strict
    [finding] = [item for item in report["findings"] if item["rule_id"] == "DG301"]
    assert (finding["severity"], finding["confidence"]) == ("high", "unresolved")
    assert "unknown -> nginx:443 /orthanc/ -> orthanc:8042" in finding["message"]
    assert run_cli("scan", "--strict", "--fail-on", "high", str(play)).returncode == 1


def test_a_firewall_that_only_admits_the_hospital_network_makes_it_medium(tmp_path):
    play = _copy(INSECURE, tmp_path)
    tasks = play / "roles/nginx/tasks/main.yml"
    tasks.write_text(tasks.read_text().replace(
        '    port: "443"\n    proto: tcp\n',
        '    port: "443"\n    proto: tcp\n    from_ip: 10.20.0.0/16\n'))
    _, report = scan_json(str(play))
    [finding] = report["findings"]
    assert (finding["rule_id"], finding["severity"]) == ("DG301", "medium")
    assert "network -> nginx:443 /orthanc/ -> orthanc:8042" in finding["message"]


def test_nginx_conf_with_conf_d_in_front_of_an_orthanc_container(tmp_path):
    write_tree(tmp_path, {
        "site.yml": """
            - name: PACS
              hosts: all
              tasks:
                - name: Start Orthanc
                  community.docker.docker_container:
                    name: orthanc
                    image: orthancteam/orthanc:24.10.3
                    published_ports: ["127.0.0.1:18042:8042"]
                    env:
                      ORTHANC__AUTHENTICATION_ENABLED: "false"
                - name: Main nginx configuration
                  ansible.builtin.copy:
                    src: nginx.conf
                    dest: /etc/nginx/nginx.conf
                - name: The PACS site
                  ansible.builtin.copy:
                    src: pacs.conf
                    dest: /etc/nginx/conf.d/pacs.conf
                - name: Firewall
                  ansible.posix.firewalld:
                    service: http
                    state: enabled
            """,
        "files/nginx.conf": """
            events {}
            http {
                include mime.types;
                include conf.d/*.conf;
            }
            """,
        "files/pacs.conf": """
            upstream pacs { server localhost:18042; }
            server {
                listen 80;
                location / {
                    proxy_pass http://pacs;
                }
            }
            """,
    })
    _, report = scan_json(str(tmp_path))
    unauthenticated = [item for item in report["findings"] if item["rule_id"] == "DG301"]
    [finding] = unauthenticated
    assert finding["file"].endswith("files/pacs.conf") and finding["line"] == 4
    assert finding["severity"] == "critical"
    assert "internet -> nginx:80 / -> orthanc:18042 (ORTHANC__AUTHENTICATION_ENABLED" in \
        finding["message"]
    assert any(item["rule_id"] == "DG401" and item["file"].endswith("files/pacs.conf")
               for item in report["findings"])


def test_moving_values_into_group_vars_or_inline_does_not_change_the_verdict(tmp_path):
    play = _copy(INSECURE, tmp_path)
    template = play / SITE
    template.write_text(template.read_text().replace("{{ orthanc_http_port }}", "8042"))
    orthanc = play / "roles/orthanc/templates/orthanc.json.j2"
    orthanc.write_text(orthanc.read_text().replace("{{ orthanc_authentication | lower }}",
                                                   "false").replace("{{ orthanc_http_port }}",
                                                                    "8042"))
    (play / "inventory/group_vars/pacs.yml").write_text(
        "---\nnginx_server_name: pacs.radiology.example.org\n")
    _, moved = scan_json(str(play))
    _, original = scan_json(str(INSECURE))
    assert [(item["rule_id"], item["severity"], item["line"]) for item in moved["findings"]] \
        == [(item["rule_id"], item["severity"], item["line"]) for item in original["findings"]]


def test_a_host_firewall_narrows_an_orthanc_listening_everywhere(tmp_path):
    files = {
        "site.yml": """
            - name: PACS
              hosts: all
              tasks:
                - name: Orthanc
                  ansible.builtin.copy:
                    dest: /etc/orthanc/orthanc.json
                    content: |
                      {
                        "RemoteAccessAllowed": true,
                        "AuthenticationEnabled": false,
                        "DicomAlwaysAllowStore": false
                      }
                - name: HTTPS only
                  community.general.ufw:
                    rule: allow
                    port: "443"
                - name: Firewall on
                  community.general.ufw:
                    state: enabled
            """,
    }
    write_tree(tmp_path / "closed", files)
    _, closed = scan_json(str(tmp_path / "closed"))
    assert not [item for item in closed["findings"] if item["rule_id"] == "DG301"]
    files["site.yml"] = files["site.yml"].replace('port: "443"', 'port: "8042"')
    write_tree(tmp_path / "open", files)
    _, opened = scan_json(str(tmp_path / "open"))
    assert [item["severity"] for item in opened["findings"] if item["rule_id"] == "DG301"] \
        == ["critical"]


def test_two_projects_naming_the_same_host_are_judged_apart(tmp_path):
    shutil.copytree(SECURE, tmp_path / "b-secure")
    shutil.copytree(INSECURE, tmp_path / "a-insecure")
    _, report = scan_json(str(tmp_path))
    assert [(item["rule_id"], item["file"].endswith(f"a-insecure/{SITE}"))
            for item in report["findings"]] == [("DG301", True)]
