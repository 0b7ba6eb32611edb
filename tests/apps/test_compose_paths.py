"""Every path a compose deployment takes to its configuration: secrets, configs, Dockerfiles,
extends, include and override files. Findings name the file and line that set the value."""

from __future__ import annotations

import textwrap
from pathlib import Path

from tests.conftest import scan_json

WEAK_USERS = '{\n  "RemoteAccessAllowed": true,\n  "RegisteredUsers": {"admin": "admin"}\n}\n'
STRONG_USERS = ('{\n  "RemoteAccessAllowed": true,\n  "AuthenticationEnabled": true,\n'
                '  "RegisteredUsers": {"radiology": "k7#Qv9!pLm2@xR4s"}\n}\n')


def write(directory: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


def findings(directory: Path) -> tuple[int, list[tuple[str, str, int]], list[dict]]:
    code, report = scan_json(str(directory))
    found = sorted((finding["rule_id"], Path(finding["file"]).name, finding["line"])
                   for finding in report["findings"])
    return code, found, report["errors"]


def test_an_orthanc_configuration_given_as_a_secret_is_judged_on_its_content(tmp_path):
    write(tmp_path, {
        "docker-compose.yml": """\
            services:
              orthanc:
                image: jodogne/orthanc-python
                command: /run/secrets/
                secrets:
                  - orthanc.json
                ports:
                  - 127.0.0.1:8042:8042
            secrets:
              orthanc.json:
                file: orthanc.json
            """,
        "orthanc.json": STRONG_USERS})
    code, found, errors = findings(tmp_path)
    assert errors == []
    # Not the image's orthanc/orthanc: the secret replaces /etc/orthanc as the configuration.
    assert not [rule for rule in found if rule[0] == "DG303"]
    (tmp_path / "orthanc.json").write_text(WEAK_USERS)
    code, found, errors = findings(tmp_path)
    assert ("DG303", "orthanc.json", 3) in found
    assert code == 1


def test_a_config_with_a_target_in_etc_orthanc_is_read(tmp_path):
    write(tmp_path, {
        "compose.yaml": """\
            services:
              pacs:
                image: orthancteam/orthanc:25.9.0
                configs:
                  - source: orthanc
                    target: /etc/orthanc/orthanc.json
                ports:
                  - 8042:8042
            configs:
              orthanc:
                file: ./config/pacs.json
            """,
        "config/pacs.json": WEAK_USERS})
    code, report = scan_json(str(tmp_path))
    assert report["errors"] == []
    weak = [finding for finding in report["findings"] if finding["rule_id"] == "DG303"]
    # Reported once, in the context of the container that reads it.
    assert [(Path(finding["file"]).name, finding["line"], finding["resource"])
            for finding in weak] == [("pacs.json", 3, "services.pacs")]
    assert code == 1


def test_an_external_secret_in_the_configuration_path_leaves_settings_unresolved(tmp_path):
    write(tmp_path, {
        "compose.yaml": """\
            services:
              pacs:
                image: jodogne/orthanc
                command: /run/secrets/orthanc.json
                secrets:
                  - source: pacs
                    target: orthanc.json
                ports:
                  - 8042:8042
            secrets:
              pacs:
                external: true
            """})
    _, report = scan_json(str(tmp_path))
    assert report["errors"] == []
    service_findings = [finding for finding in report["findings"]
                        if finding["rule_id"] != "DG101"]
    assert service_findings
    assert {finding["confidence"] for finding in service_findings} == {"unresolved"}
    assert "DG303" not in {finding["rule_id"] for finding in service_findings}


def test_a_value_an_override_file_sets_is_reported_at_the_override(tmp_path):
    write(tmp_path, {
        "compose.yaml": """\
            services:
              pacs:
                image: orthancteam/orthanc:25.9.0
                ports:
                  - 127.0.0.1:8042:8042
            """,
        "docker-compose.override.yml": """\
            services:
              pacs:
                environment:
                  ORTHANC__AUTHENTICATION_ENABLED: "false"
                ports:
                  - 8042:8042
            """})
    code, found, errors = findings(tmp_path)
    assert errors == []
    assert ("DG301", "docker-compose.override.yml", 4) in found
    assert ("DG101", "docker-compose.override.yml", 6) in found
    assert [rule for rule, _, _ in found].count("DG301") == 1
    assert code == 1


def test_compose_file_in_the_dotenv_names_the_files_merged(tmp_path):
    write(tmp_path, {
        ".env": "COMPOSE_FILE=base.yml;deploy/prod.yml\nCOMPOSE_PATH_SEPARATOR=;\nTAG=1.12.4\n",
        "base.yml": """\
            services:
              pacs:
                image: jodogne/orthanc:${TAG}
            """,
        "deploy/prod.yml": """\
            services:
              pacs:
                ports:
                  - "8042:8042"
            """})
    code, report = scan_json(str(tmp_path))
    assert report["errors"] == []
    found = {(finding["rule_id"], Path(finding["file"]).name, finding["line"],
              finding["message"].endswith("to the internet")) for finding in report["findings"]}
    assert found == {("DG303", "base.yml", 3, False), ("DG401", "base.yml", 3, True),
                     ("DG101", "prod.yml", 4, False)}
    assert code == 1


def test_extends_from_another_file_brings_its_image_and_configuration(tmp_path):
    write(tmp_path, {
        "compose.yaml": """\
            services:
              pacs:
                extends:
                  file: common/base.yml
                  service: orthanc
                ports:
                  - "8042:8042"
            """,
        "common/base.yml": """\
            services:
              orthanc:
                image: jodogne/orthanc-plugins:1.12.4
                volumes:
                  - ./orthanc.json:/etc/orthanc/orthanc.json:ro
            """,
        "common/orthanc.json": WEAK_USERS})
    code, report = scan_json(str(tmp_path))
    assert report["errors"] == []
    weak = {(Path(finding["file"]).name, finding["line"], finding["resource"])
            for finding in report["findings"] if finding["rule_id"] == "DG303"}
    # The extending service publishes 8042: the weak user is reachable from the internet.
    assert ("orthanc.json", 3, "services.pacs") in weak
    assert code == 1


def test_a_reset_tag_removes_what_the_base_file_published(tmp_path):
    write(tmp_path, {
        "compose.yaml": """\
            services:
              db:
                image: postgres:16
                environment:
                  POSTGRES_HOST_AUTH_METHOD: trust
                ports:
                  - "5432:5432"
            """,
        "compose.override.yaml": """\
            services:
              db:
                ports: !reset []
            """})
    code, found, errors = findings(tmp_path)
    assert errors == []
    # Nothing published: trust authentication admits only the containers beside it.
    assert (code, found) == (0, [])


def test_an_included_project_is_read_with_the_variables_the_include_gives(tmp_path):
    write(tmp_path, {
        "compose.yaml": """\
            include:
              - path: pacs/compose.yaml
                env_file: prod.env
            services:
              proxy:
                image: nginx
            """,
        "prod.env": "BIND=0.0.0.0\n",
        "pacs/.env": "BIND=127.0.0.1\n",
        "pacs/compose.yaml": """\
            services:
              pacs:
                image: orthancteam/orthanc:25.9.0
                environment:
                  ORTHANC__AUTHENTICATION_ENABLED: "false"
                ports:
                  - "${BIND}:8042:8042"
            """})
    code, found, errors = findings(tmp_path)
    assert errors == []
    assert ("DG101", "compose.yaml", 7) in found
    assert ("DG301", "compose.yaml", 5) in found
    assert len(found) == len(set(found))
    assert code == 1


def test_a_built_service_is_the_product_its_dockerfile_starts_from(tmp_path):
    write(tmp_path, {
        "compose.yaml": """\
            services:
              pacs:
                build:
                  context: ./pacs
                  args:
                    ORTHANC_TAG: 1.12.4
                ports:
                  - "8042:8042"
              arc:
                build:
                  context: .
                  dockerfile: arc.Dockerfile
                ports:
                  - "8080:8080"
            """,
        "pacs/Dockerfile": """\
            ARG ORTHANC_TAG=1.12.1
            FROM alpine AS helper
            RUN echo building

            FROM jodogne/orthanc-plugins:${ORTHANC_TAG}
            """,
        "arc.Dockerfile": """\
            FROM dcm4che/dcm4chee-arc-psql:5.31.0 AS base
            FROM base
            """})
    code, found, errors = findings(tmp_path)
    assert errors == []
    assert ("DG303", "Dockerfile", 5) in found  # the image's orthanc/orthanc, at its FROM
    assert ("DG301", "compose.yaml", 9) in found  # dcm4chee-arc without -secure
    assert code == 1


def test_a_configuration_the_dockerfile_copies_is_read_for_its_service(tmp_path):
    write(tmp_path, {
        "compose.yaml": """\
            services:
              pacs:
                build: pacs
                ports:
                  - "8042:8042"
            """,
        "pacs/Dockerfile": """\
            FROM orthancteam/orthanc:25.9.0
            WORKDIR /etc
            COPY config/pacs.json orthanc/
            """,
        "pacs/config/pacs.json": WEAK_USERS})
    code, report = scan_json(str(tmp_path))
    assert report["errors"] == []
    assert [(Path(finding["file"]).name, finding["line"], finding["resource"])
            for finding in report["findings"] if finding["rule_id"] == "DG303"] == [
        ("pacs.json", 3, "services.pacs")]
    assert code == 1


def test_a_dockerfile_copy_from_outside_the_tree_is_never_read(tmp_path):
    outside = tmp_path / "outside.json"
    outside.write_text(STRONG_USERS)
    project = tmp_path / "project"
    write(project, {
        "compose.yaml": """\
            services:
              pacs:
                build: .
                ports:
                  - "8042:8042"
            """,
        "Dockerfile": """\
            FROM jodogne/orthanc:1.12.4
            COPY ../outside.json /etc/orthanc/orthanc.json
            """})
    _, report = scan_json(str(project))
    assert report["errors"] == []
    services = [finding for finding in report["findings"] if finding["rule_id"] != "DG101"]
    # Neither the image's default account nor the file outside: the settings are unknown.
    assert services and {finding["confidence"] for finding in services} == {"unresolved"}


def test_the_project_examples_are_judged_through_every_path():
    from tests.conftest import EXAMPLES

    code, report = scan_json(str(EXAMPLES / "compose" / "project-insecure"))
    assert report["errors"] == []
    found = {(finding["rule_id"], finding["file"].split("project-insecure/")[-1],
              finding["line"]) for finding in report["findings"]}
    assert {
        ("DG101", "compose.override.yaml", 5),  # 8042 published by the override
        ("DG101", "compose.override.yaml", 10),  # the extended archive's 11112
        ("DG301", "compose.yaml", 13),  # dcm4chee-arc from common/archive.yml, no -secure
        ("DG301", "pacs/orthanc.json", 6),  # copied by the Dockerfile: C-FIND for anyone
        ("DG303", "secrets/users.json", 2),  # the users secret
    } <= found
    assert code == 1
    code, report = scan_json(str(EXAMPLES / "compose" / "project-secure"))
    assert (code, report["findings"], report["errors"]) == (0, [], [])


def test_projects_sharing_a_dockerfile_and_a_script_image_are_read_apart(tmp_path):
    write(tmp_path, {
        "docker-compose.mysql.yml": """\
            services:
              pacs:
                build: pacs
                environment:
                  ORTHANC__MYSQL__HOST: mysql
                ports: ["8042:8042"]
              populate:
                build: populator
            """,
        "docker-compose.postgres.yml": """\
            services:
              pacs:
                build: pacs
                environment:
                  ORTHANC__POSTGRESQL__HOST: postgres
                ports: ["8042:8042"]
            """,
        "pacs/Dockerfile": "FROM orthancteam/orthanc:25.9.0\nCOPY orthanc.json /etc/orthanc/\n",
        "pacs/orthanc.json": WEAK_USERS,
        # A Python image running a script: its command names no Orthanc configuration.
        "populator/Dockerfile": ('FROM python:3.12\nCOPY populate.py /\n'
                                 'CMD ["python", "/populate.py"]\n'),
        "populator/populate.py": "print('populating')\n"})
    code, report = scan_json(str(tmp_path))
    assert report["errors"] == []
    weak = [(Path(finding["file"]).name, finding["line"]) for finding in report["findings"]
            if finding["rule_id"] == "DG303"]
    assert weak == [("orthanc.json", 3), ("orthanc.json", 3)]  # once per project
    assert code == 1


def test_a_fifo_given_as_a_secret_and_an_extends_cycle_are_errors_of_their_own(tmp_path):
    import os

    write(tmp_path, {
        "compose.yaml": """\
            services:
              pacs:
                image: jodogne/orthanc
                command: /run/secrets/
                secrets: [orthanc.json]
                ports: ["8042:8042"]
              loop-a:
                extends: loop-b
              loop-b:
                extends: loop-a
            secrets:
              orthanc.json:
                file: ./config.json
            """})
    os.mkfifo(tmp_path / "config.json")
    code, report = scan_json(str(tmp_path))
    assert code == 2
    messages = {(Path(error["file"]).name, error["line"], error["message"])
                for error in report["errors"]}
    assert any(name == "config.json" and "FIFO" in message for name, _, message in messages)
    assert ("compose.yaml", 8, "service 'loop-a': extends 'loop-b' in a cycle, which Compose "
            "rejects") in messages
    # What the FIFO would have held is unknown: never the image's default account.
    assert ("DG101", "compose.yaml", 6) in {
        (finding["rule_id"], Path(finding["file"]).name, finding["line"])
        for finding in report["findings"]}
    assert "DG303" not in {finding["rule_id"] for finding in report["findings"]}


def test_an_override_tag_replaces_the_base_ports_and_environment_merges_by_name(tmp_path):
    write(tmp_path, {
        "docker-compose.yml": """\
            services:
              pacs:
                image: orthancteam/orthanc:25.9.0
                environment:
                  - ORTHANC__AUTHENTICATION_ENABLED=false
                  - 'ORTHANC__REGISTERED_USERS={"radiology": "k7#Qv9!pLm2@xR4s"}'
                ports:
                  - "8042:8042"
            """,
        "docker-compose.override.yml": """\
            services:
              pacs:
                environment:
                  ORTHANC__AUTHENTICATION_ENABLED: "true"
                ports: !override
                  - "127.0.0.1:8042:8042"
            """})
    code, found, errors = findings(tmp_path)
    assert (code, found, errors) == (0, [], [])


def test_the_orthancteam_image_reads_json_secrets_without_being_told(tmp_path):
    write(tmp_path, {
        "docker-compose.yml": """\
            services:
              pacs:
                image: orthancteam/orthanc:25.9.0
                secrets:
                  - orthanc.json
                  - db-password
                ports:
                  - 8042:8042
            secrets:
              orthanc.json:
                file: orthanc.json
              db-password:
                external: true
            """,
        "orthanc.json": STRONG_USERS})
    code, found, errors = findings(tmp_path)
    assert errors == []
    # The image merges /run/secrets/*.json: no default account, and the external password
    # secret (not JSON) is no configuration.
    assert [rule for rule in found if rule[0] in {"DG301", "DG303"}] == []
    (tmp_path / "orthanc.json").write_text('{\n  "AuthenticationEnabled": false\n}\n')
    code, found, errors = findings(tmp_path)
    assert ("DG301", "orthanc.json", 2) in found
    assert "DG303" not in {rule for rule, _, _ in found}
    assert code == 1
