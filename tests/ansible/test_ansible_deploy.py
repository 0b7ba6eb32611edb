"""Files a task deploys and containers it starts, judged by the families that read them."""

from __future__ import annotations

import json

import pytest

from tests.ansible.conftest import write_tree
from tests.ansible.helpers import ports_of
from tests.conftest import EXAMPLES, scan_json

ROLE_TASKS = """
- name: Render the Orthanc configuration
  ansible.builtin.template:
    src: orthanc.json.j2
    dest: /etc/orthanc/orthanc.json
"""
ORTHANC_TEMPLATE = """{
  "RemoteAccessAllowed": true,
  "AuthenticationEnabled": {{ orthanc_auth | to_json }},
  "RegisteredUsers": {{ orthanc_users | to_json }}
}
"""


def services(result) -> list[dict]:
    return result.facts.services


def test_a_template_is_rendered_with_the_task_variables_and_findings_point_at_it(project) -> None:
    result = project({
        "roles/pacs/tasks/main.yml": ROLE_TASKS,
        "roles/pacs/defaults/main.yml": "orthanc_auth: false\northanc_users: {}\n",
        "roles/pacs/templates/orthanc.json.j2": ORTHANC_TEMPLATE,
    })
    assert not result.errors
    assert services(result), "the rendered orthanc.json was not analysed"
    for fact in services(result):
        assert fact["origin"]["file"].endswith("roles/pacs/templates/orthanc.json.j2")
        assert "Render the Orthanc configuration" in fact["origin"]["address"]
    assert any(fact["authentication"] is False for fact in services(result))


def test_the_same_template_with_authentication_on_is_not_anonymous(project) -> None:
    result = project({
        "roles/pacs/tasks/main.yml": ROLE_TASKS,
        "roles/pacs/defaults/main.yml": "orthanc_auth: true\n"
                                        "orthanc_users: {radiology: 'Xk3!vq9#Lm2p'}\n",
        "roles/pacs/templates/orthanc.json.j2": ORTHANC_TEMPLATE,
    })
    assert services(result)
    assert all(fact["authentication"] is not False for fact in services(result))
    assert all(not fact["weak_credentials"] for fact in services(result))


def test_weak_credentials_from_variables_name_the_user_not_the_password(project) -> None:
    result = project({
        "roles/pacs/tasks/main.yml": ROLE_TASKS,
        "roles/pacs/defaults/main.yml": "orthanc_auth: true\n"
                                        "orthanc_users: {admin: admin}\n",
        "roles/pacs/templates/orthanc.json.j2": ORTHANC_TEMPLATE,
    })
    weak = [entry for fact in services(result) for entry in fact["weak_credentials"]]
    assert weak and all(entry["user"] == "admin" for entry in weak)


def test_a_vaulted_password_is_a_secret_not_a_blocker(project) -> None:
    result = project({
        "roles/pacs/tasks/main.yml": ROLE_TASKS,
        "roles/pacs/defaults/main.yml": (
            "orthanc_auth: true\northanc_users:\n  radiology: !vault |\n"
            "    $ANSIBLE_VAULT;1.1;AES256\n    6231336539\n"),
        "roles/pacs/templates/orthanc.json.j2": ORTHANC_TEMPLATE,
    })
    assert services(result) and not result.facts.notes
    assert all(not fact["weak_credentials"] for fact in services(result))


def test_a_template_that_needs_a_host_fact_is_a_note_not_a_pass(project) -> None:
    result = project({
        "roles/pacs/tasks/main.yml": ROLE_TASKS,
        "roles/pacs/templates/orthanc.json.j2":
            '{"RemoteAccessAllowed": true, "AuthenticationEnabled": '
            '{{ ansible_local.pacs.auth | to_json }}}\n',
    })
    assert services(result) == []
    [note] = result.facts.notes
    assert "cannot be rendered" in note["message"]


def test_copy_content_with_firewall_rules_is_evaluated_at_the_task_lines(project) -> None:
    rules = ("*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n"
             "-A INPUT -p tcp --dport {{ dicom_port }} -j ACCEPT\nCOMMIT\n")
    body = "".join(f"          {line}\n" for line in rules.splitlines())
    result = project({"site.yml": (
        "- hosts: all\n  vars:\n    dicom_port: 104\n  tasks:\n"
        "    - name: Install the firewall rules\n"
        "      ansible.builtin.copy:\n"
        "        dest: /etc/iptables/rules.v4\n"
        f"        content: |\n{body}")})
    assert not result.errors
    exposed = [fact for fact in result.facts.ingress
               if "Install the firewall rules" in fact["origin"]["address"]]
    assert exposed, "the deployed iptables rules were not evaluated"
    assert any([104, 104] in (fact["ports"] or []) or fact["ports"] == [[104, 104]]
               for fact in exposed)
    assert [fact["origin"]["line"] for fact in exposed] == [13]  # the -A INPUT line


def test_a_container_mounting_a_deployed_config_is_judged_with_it(project) -> None:
    result = project({
        "roles/pacs/tasks/main.yml": ROLE_TASKS + """
- name: Start Orthanc
  community.docker.docker_container:
    name: orthanc
    image: orthancteam/orthanc:24.10.3
    published_ports: ["8042:8042"]
    volumes: [/etc/orthanc/orthanc.json:/etc/orthanc/orthanc.json:ro]
""",
        "roles/pacs/defaults/main.yml": "orthanc_auth: false\northanc_users: {}\n",
        "roles/pacs/templates/orthanc.json.j2": ORTHANC_TEMPLATE,
    })
    anonymous = [fact for fact in services(result) if fact["authentication"] is False]
    assert anonymous
    assert all("Start Orthanc" in fact["origin"]["address"] for fact in anonymous)
    assert ports_of(result, "Start Orthanc") == [[8042, 8042]]


@pytest.mark.parametrize("key", ["published_ports", "ports"])
def test_the_ports_a_container_publishes_reach_the_services_it_runs(tmp_path, key) -> None:
    write_tree(tmp_path, {
        "inventory": "[pacs]\npacs1\n",
        "site.yml": "- hosts: pacs\n  roles: [pacs]\n",
        "roles/pacs/tasks/main.yml": ROLE_TASKS + f"""
- name: Start Orthanc
  community.docker.docker_container:
    name: orthanc
    image: orthancteam/orthanc:24.10.3
    {key}: ["4242:4242", "8042:8042"]
    volumes: [/etc/orthanc/orthanc.json:/etc/orthanc/orthanc.json:ro]
""",
        "roles/pacs/defaults/main.yml": "orthanc_auth: false\northanc_users: {}\n",
        "roles/pacs/templates/orthanc.json.j2": ORTHANC_TEMPLATE,
    })
    code, report = scan_json(str(tmp_path))
    assert code == 1 and report["errors"] == []
    assert {"DG101", "DG301", "DG304", "DG401"} <= {
        finding["rule_id"] for finding in report["findings"]}


def test_container_environment_settings_reach_the_application_family(project) -> None:
    result = project({"tasks.yml": """
- name: Start Orthanc
  community.docker.docker_container:
    name: orthanc
    image: orthancteam/orthanc
    published_ports: ["8042:8042"]
    env:
      ORTHANC__AUTHENTICATION_ENABLED: "false"
"""})
    [anonymous] = [fact for fact in services(result) if fact["authentication"] is False]
    assert anonymous["origin"]["line"] == 7  # the variable that turns authentication off


def test_the_examples_insecure_fails_and_secure_passes() -> None:
    code, report = scan_json(str(EXAMPLES / "ansible" / "insecure"))
    assert code == 1, json.dumps(report["errors"])
    rules = {finding["rule_id"] for finding in report["findings"]}
    assert {"DG101", "DG201", "DG301"} <= rules
    firewalld = [finding for finding in report["findings"]
                 if "firewalld" in finding["message"]]
    assert firewalld and all(any(note.startswith("may run") for note in finding["unknown"])
                             for finding in firewalld)
    code, report = scan_json(str(EXAMPLES / "ansible" / "secure"))
    assert (code, report["findings"], report["errors"]) == (0, [], [])


def test_role_templates_are_read_only_as_rendered(tmp_path) -> None:
    """Other families do not parse a role's raw Jinja templates; each deployed file is judged
    once, as rendered, and the finding names the task."""
    from tests.ansible.conftest import write_tree

    write_tree(tmp_path, {
        "roles/pacs/tasks/main.yml": (
            "- name: cfg\n  template: {src: orthanc.json, dest: /etc/orthanc/orthanc.json}\n"
            "- name: rules\n  template: {src: rules.v4, dest: /etc/iptables/rules.v4}\n"),
        "roles/pacs/templates/orthanc.json":
            '{\n  "RemoteAccessAllowed": true,\n'
            '  "AuthenticationEnabled": {{ auth | default(false) | to_json }}\n}\n',
        "roles/pacs/templates/rules.v4":
            "*filter\n:INPUT DROP [0:0]\n-A INPUT -p tcp --dport {{ p | default(104) }} "
            "-j ACCEPT\nCOMMIT\n",
    })
    code, report = scan_json(".", cwd=tmp_path)
    assert report["errors"] == []
    assert code == 1
    assert {finding["rule_id"] for finding in report["findings"]} >= {"DG101", "DG301"}
    for finding in report["findings"]:
        assert finding["resource"].startswith(("pacs: cfg", "pacs: rules")), finding


def test_a_host_whose_variables_change_a_deployed_config_gets_its_own_finding(project) -> None:
    result = project({
        "inventory/hosts.ini": "[pacs]\npacs1 orthanc_auth=True\npacs2 orthanc_auth=False\n",
        "site.yml": "- hosts: pacs\n  roles: [pacs]\n",
        "roles/pacs/tasks/main.yml": ROLE_TASKS,
        "roles/pacs/defaults/main.yml": "orthanc_users: {radiology: 'Xk3!vq9#Lm2p'}\n",
        "roles/pacs/templates/orthanc.json.j2": ORTHANC_TEMPLATE,
    })
    anonymous = [fact for fact in services(result) if fact["authentication"] is False]
    assert anonymous and all("(host pacs2)" in fact["origin"]["address"] for fact in anonymous)


def test_a_play_for_hosts_the_inventory_lacks_is_still_checked(project) -> None:
    result = project({
        "inventory/hosts.ini": "[web]\nweb1\n",
        "site.yml": "- hosts: pacs\n  tasks:\n    - name: open\n"
                    "      community.general.ufw: {rule: allow, port: '104'}\n",
    })
    assert ports_of(result, "open") == [[104, 104]]


def test_an_inline_compose_definition_is_analysed(project) -> None:
    result = project({"tasks.yml": """
- name: Start the PACS stack
  community.docker.docker_compose_v2:
    project_name: pacs
    definition:
      services:
        orthanc:
          image: jodogne/orthanc
          ports: ["8042:8042"]
"""})
    weak = [entry for fact in services(result) for entry in fact["weak_credentials"]]
    assert weak, "jodogne/orthanc ships orthanc/orthanc"
    assert all("Start the PACS stack" in fact["origin"]["address"] for fact in services(result))


def test_copy_from_the_managed_host_is_not_read_here(project) -> None:
    result = project({
        "tasks.yml": "- name: restore\n  copy: {src: orthanc.json, dest: /etc/orthanc/orthanc.json,"
                     " remote_src: true}\n",
        "files/orthanc.json": '{"RemoteAccessAllowed": true}\n',
    })
    assert services(result) == []


def test_a_deployed_file_is_read_under_the_name_it_gets_on_the_host(project) -> None:
    """A firewalld zone is named after its file: zone.xml.j2 deployed as public.xml is the
    public zone."""
    result = project({
        "roles/fw/tasks/main.yml": "- name: zone\n  ansible.builtin.template:\n"
                                   "    src: zone.xml.j2\n"
                                   "    dest: /etc/firewalld/zones/public.xml\n",
        "roles/fw/templates/zone.xml.j2":
            '<?xml version="1.0" encoding="utf-8"?>\n<zone>\n  <short>Public</short>\n'
            '  <port protocol="tcp" port="{{ web_port | default(8042) }}"/>\n</zone>\n',
    })
    exposed = [fact for fact in result.facts.ingress
               if any(peer["scope"] == "internet" for peer in fact["peers"])]
    assert exposed and all(fact["origin"]["file"].endswith("roles/fw/templates/zone.xml.j2")
                           and fact["origin"]["line"] == 4 for fact in exposed)
    assert ports_of(result, "fw: zone") and [8042, 8042] in ports_of(result, "fw: zone")


def test_files_outside_the_scanned_tree_are_never_read(project, tmp_path,
                                                        tmp_path_factory) -> None:
    import os

    outside = tmp_path_factory.mktemp("outside") / "orthanc.json"
    outside.write_text('{"RemoteAccessAllowed": true, "AuthenticationEnabled": false}\n')
    climbing = os.path.relpath(outside, tmp_path / "roles" / "pacs" / "templates")
    result = project({"roles/pacs/tasks/main.yml": (
        f"- name: by path\n  copy: {{src: '{outside}', dest: /etc/orthanc/b.json}}\n"
        f"- name: by climbing\n  template: {{src: '{climbing}', dest: /etc/orthanc/c.json}}\n"),
        "roles/pacs/templates/unrelated.j2": "x\n"})
    assert (tmp_path / "roles" / "pacs" / "templates" / climbing).is_file()
    assert (tmp_path / "roles" / "pacs" / "templates" / climbing).resolve() == outside.resolve()
    assert services(result) == []


def test_a_symlinked_template_pointing_outside_is_not_read(tmp_path, tmp_path_factory) -> None:
    from dicomguard.ansible.collect import collect
    from dicomguard.discover import discover
    from dicomguard.sources import ScanContext
    from tests.ansible.conftest import CATALOGUE, write_tree

    outside = tmp_path_factory.mktemp("elsewhere") / "orthanc.json"
    outside.write_text('{"RemoteAccessAllowed": true, "AuthenticationEnabled": false}\n')
    write_tree(tmp_path, {"roles/pacs/tasks/main.yml": (
        "- name: cfg\n  template: {src: orthanc.json, dest: /etc/orthanc/orthanc.json}\n")})
    (tmp_path / "roles/pacs/templates").mkdir(parents=True)
    (tmp_path / "roles/pacs/templates/orthanc.json").symlink_to(outside)
    grouped = discover([str(tmp_path)]).grouped
    result = collect(grouped["ansible"], ScanContext(roots=[str(tmp_path)], catalogue=CATALOGUE))
    assert result.facts.services == []


def test_kubernetes_manifests_applied_by_a_task_are_analysed(project) -> None:
    result = project({"tasks.yml": """
- name: Expose the archive
  kubernetes.core.k8s:
    state: present
    definition:
      apiVersion: v1
      kind: Service
      metadata: {name: pacs}
      spec:
        type: LoadBalancer
        selector: {app: pacs}
        ports: [{port: 104, targetPort: 4242}]
"""})
    exposed = [fact for fact in result.facts.ingress
               if any(peer["scope"] == "internet" for peer in fact["peers"])]
    assert exposed and all("Expose the archive" in fact["origin"]["address"] for fact in exposed)
    assert any([104, 104] in (fact["ports"] or []) for fact in exposed)
