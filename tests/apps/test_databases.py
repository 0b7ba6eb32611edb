"""The archive index database (pg_hba.conf, postgresql.conf, database containers) through the
command line, as users run it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, run_cli, scan_json

INSECURE = EXAMPLES / "databases" / "insecure"
SECURE = EXAMPLES / "databases" / "secure"


def findings_of(path: Path, *args: str) -> tuple[int, dict, set[tuple[str, str, int, str]]]:
    code, report = scan_json(str(path), *args)
    found = {(finding["rule_id"], Path(finding["file"]).name, finding["line"],
              finding["severity"]) for finding in report["findings"]}
    return code, report, found


def write(directory: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        target = directory / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return directory


def test_insecure_database_example_fails_with_reach_in_severity():
    code, report, found = findings_of(INSECURE)
    assert code == 1
    assert report["errors"] == []
    assert found == {
        ("DG306", "compose.yaml", 9, "critical"),   # empty MariaDB root, published
        ("DG306", "compose.yaml", 15, "medium"),    # trust, other containers only
        ("DG306", "pg_hba.conf", 7, "medium"),      # clear-text password from a private range
        ("DG306", "pg_hba.conf", 8, "critical"),    # trust from 0.0.0.0/0, listening on '*'
    }
    messages = " ".join(finding["message"] for finding in report["findings"])
    assert "reachable from the internet" in messages
    assert "'host all all 0.0.0.0/0 trust'" in messages


def test_secure_database_example_scans_clean():
    code, report, found = findings_of(SECURE)
    assert (code, found, report["errors"]) == (0, set(), [])


@pytest.mark.parametrize(("listen", "expected"), [
    ("listen_addresses = '*'", {("DG306", "pg_hba.conf", 2, "critical")}),
    ("listen_addresses = 'localhost'   # the default", set()),
    ("listen_addresses = '10.0.0.5'", {("DG306", "pg_hba.conf", 2, "medium")}),
])
def test_listen_addresses_decides_how_far_a_trust_record_reaches(tmp_path, listen, expected):
    write(tmp_path, {"pg_hba.conf": "local all all trust\nhost all all 0.0.0.0/0 trust\n",
                     "postgresql.conf": f"{listen}\n"})
    _, report, found = findings_of(tmp_path)
    assert found == expected
    assert all(finding["confidence"] == "confirmed" for finding in report["findings"])


def test_without_postgresql_conf_a_trust_record_is_unresolved(tmp_path):
    write(tmp_path, {"pg_hba.conf": "host all all all trust\n"})
    code, report, found = findings_of(tmp_path)
    assert found == {("DG306", "pg_hba.conf", 1, "high")}
    assert report["findings"][0]["confidence"] == "unresolved"
    assert code == 0
    assert scan_json(str(tmp_path), "--strict")[0] == 1


def test_pg_hba_syntax_is_read_as_the_server_reads_it(tmp_path):
    write(tmp_path, {
        "site.pg_hba.conf": (
            '# "host all all 0.0.0.0/0 trust" in a comment is nothing\n'
            'host "all" all 192.168.0.0 255.255.0.0 md5  # address and mask\n'
            'hostnossl pacsdb pacs 10.0.0.0/8 scram-sha-256\n'
            'host all all samehost trust\n'
            'host pacsdb,orthanc @admins \\\n'
            '     samenet trust\n'
            'include_dir conf.d\n'
            'host all all 0.0.0.0/0 scram-sha-256\n'
            'host all all 0.0.0.0/0 trust   # never used: the record above matches first\n'),
        "postgresql.conf": "listen_addresses='*'\n",
    })
    _, report, found = findings_of(tmp_path)
    assert found == {("DG401", "site.pg_hba.conf", 3, "medium"),   # refuses TLS
                     ("DG306", "site.pg_hba.conf", 5, "medium")}   # continued onto line 6
    notes = " ".join(note["message"] for note in report.get("notes", []))
    assert "include_dir conf.d is not followed" in notes
    assert "admins" in notes


@pytest.mark.parametrize(("line", "reason"), [
    ("host all all 0.0.0.0/0 trusted", "invalid authentication method 'trusted'"),
    ("hots all all 0.0.0.0/0 trust", "invalid connection type 'hots'"),
    ("host all all 10.0.0.1 trust", "needs a mask"),
    ("host all all", "needs a database, a user, an address"),
])
def test_a_record_the_server_rejects_is_an_input_error(tmp_path, line, reason):
    write(tmp_path, {"pg_hba.conf": f"local all all peer\n{line}\n",
                     "compose.yaml": ("services:\n  db:\n    image: mysql:8\n"
                                      "    ports: ['3306:3306']\n    environment:\n"
                                      "      MYSQL_ALLOW_EMPTY_PASSWORD: 'yes'\n")})
    result = run_cli("scan", str(tmp_path))
    assert result.returncode == 2
    assert "pg_hba.conf:2" in result.stdout + result.stderr
    assert reason in result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert "DG306" in result.stdout  # the other file is still judged


def test_a_pg_hba_conf_mounted_into_the_postgres_container(tmp_path):
    write(tmp_path, {
        "compose.yaml": (
            "services:\n"
            "  orthanc:\n"
            "    image: orthancteam/orthanc:24.12.1\n"
            "  index:\n"
            "    image: postgres:16\n"
            "    command: postgres -c hba_file=/etc/postgresql/pg_hba.conf\n"
            "    ports: ['5432:5432']\n"
            "    environment:\n"
            "      POSTGRES_PASSWORD_FILE: /run/secrets/index\n"
            "    volumes:\n"
            "      - ./config/pg_hba.conf:/etc/postgresql/pg_hba.conf:ro\n"),
        "config/pg_hba.conf": "local all all trust\nhost all all all trust\n",
    })
    _, report, found = findings_of(tmp_path)
    database = [finding for finding in report["findings"] if finding["rule_id"] == "DG306"]
    assert {item for item in found if item[0] == "DG306"} == {
        ("DG306", "pg_hba.conf", 2, "critical")}  # reported once, in its container
    assert "services.index" in database[0]["message"]


@pytest.mark.parametrize(("ports", "command", "severity"), [
    ("    ports: ['5432:5432']\n", "", "critical"),
    ("", "", "medium"),                       # the Orthanc container shares its network
    ("    ports: ['127.0.0.1:5432:5432']\n", "", "medium"),
    ("", "    command: postgres -c listen_addresses=localhost\n", None),
])
def test_trust_from_the_image_variable_follows_the_containers_reach(tmp_path, ports, command,
                                                                     severity):
    write(tmp_path, {"compose.yaml": (
        "services:\n  orthanc:\n    image: orthancteam/orthanc:24.12.1\n"
        "    environment:\n      ORTHANC__AUTHENTICATION_ENABLED: 'true'\n"
        "      ORTHANC__REGISTERED_USERS: '{\"r\": \"${P}\"}'\n"
        f"  index:\n    image: postgres:16\n{ports}{command}"
        "    environment:\n      POSTGRES_HOST_AUTH_METHOD: trust\n")})
    _, _, found = findings_of(tmp_path)
    database = {finding for finding in found if finding[0] == "DG306"}
    assert database == ({("DG306", "compose.yaml", 10 + bool(ports) + bool(command), severity)}
                        if severity else set())


def test_a_lone_database_container_with_trust_is_not_reachable(tmp_path):
    write(tmp_path, {"compose.yaml": "services:\n  index:\n    image: postgres:16\n"
                                     "    environment:\n      POSTGRES_HOST_AUTH_METHOD: trust\n"})
    assert findings_of(tmp_path)[2] == set()


@pytest.mark.parametrize(("environment", "expected"), [
    ({"MYSQL_ALLOW_EMPTY_PASSWORD": "'false'"}, "DG306"),   # any non-empty value is yes
    ({"MYSQL_ALLOW_EMPTY_PASSWORD": "'yes'", "MYSQL_RANDOM_ROOT_PASSWORD": "'yes'"}, None),
    ({"MYSQL_ALLOW_EMPTY_PASSWORD": "''", "MYSQL_ROOT_PASSWORD": "'${ROOT_PASSWORD}'"}, None),
    ({"MYSQL_ALLOW_EMPTY_PASSWORD": "'1'", "MYSQL_ROOT_HOST": "localhost"}, None),
    ({"MYSQL_ROOT_PASSWORD": "root"}, "DG303"),
])
def test_mysql_image_root_password(tmp_path, environment, expected):
    lines = "".join(f"      {key}: {value}\n" for key, value in environment.items())
    write(tmp_path, {"compose.yaml": "services:\n  index:\n    image: mysql:8.4\n"
                                     f"    ports: ['3306:3306']\n    environment:\n{lines}"})
    rules = {finding[0] for finding in findings_of(tmp_path)[2]} - {"DG305"}
    assert rules == ({expected} if expected else set())


def test_pg_hba_conf_in_a_kubernetes_config_map(tmp_path):
    write(tmp_path, {"index.yaml": (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: pacs-index\ndata:\n"
        "  postgresql.conf: |\n    listen_addresses = '*'\n"
        "  pg_hba.conf: |\n    local all all trust\n    host all all 0.0.0.0/0 trust\n"
        "    host all all 127.0.0.1/32 trust\n")})
    _, report, found = findings_of(tmp_path)
    assert found == {("DG306", "index.yaml", 10, "medium")}  # the cluster network reaches it
    assert "ConfigMap/pacs-index" in report["findings"][0]["message"]


def test_pg_hba_deployed_by_ansible_template_and_module(tmp_path):
    write(tmp_path, {
        "site.yml": "- hosts: pacs\n  roles: [index]\n",
        "roles/index/tasks/main.yml": (
            "- name: Client authentication\n"
            "  ansible.builtin.template:\n"
            "    src: pg_hba.conf.j2\n"
            "    dest: /etc/postgresql/16/main/pg_hba.conf\n"
            "- name: Let the PACS in\n"
            "  community.postgresql.postgresql_pg_hba:\n"
            "    dest: /etc/postgresql/16/main/pg_hba.conf\n"
            "    contype: host\n"
            "    source: 10.20.0.0/16\n"
            "    method: trust\n"
            "- name: Read only\n"
            "  community.postgresql.postgresql_pg_hba:\n"
            "    dest: /etc/postgresql/16/main/pg_hba.conf\n"
            "    contype: hostssl\n"
            "    source: 0.0.0.0/0\n"
            "    method: scram-sha-256\n"),
        "roles/index/templates/pg_hba.conf.j2": (
            "local all all peer\nhost all all {{ pacs_network | default('0.0.0.0/0') }} trust\n"),
    })
    _, report, found = findings_of(tmp_path)
    assert found == {("DG306", "pg_hba.conf.j2", 2, "high"),   # listen_addresses not known
                     ("DG306", "main.yml", 5, "medium")}
    assert all(finding["confidence"] == "unresolved" for finding in report["findings"])
