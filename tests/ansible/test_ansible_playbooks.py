"""Walking playbooks, roles, includes, blocks and loops as ansible-playbook would."""

from __future__ import annotations

from tests.ansible.helpers import ports_of, sources_of

UFW = "community.general.ufw: {rule: allow, port: '%s'}"


def task(name: str, port: str | int, extra: str = "") -> str:
    return f"- name: {name}\n  {UFW % port}\n{extra}"


def test_import_playbook_include_tasks_and_roles_are_followed(project) -> None:
    result = project({
        "site.yml": "- import_playbook: pacs.yml\n",
        "pacs.yml": "- hosts: all\n  roles: [web]\n  tasks:\n"
                    "    - ansible.builtin.include_tasks: extra.yml\n"
                    "    - ansible.builtin.import_role: {name: web, tasks_from: dicom}\n",
        "extra.yml": task("from include", 8042),
        "roles/web/tasks/main.yml": task("from role", "{{ web_port }}"),
        "roles/web/tasks/dicom.yml": task("from tasks_from", 104),
        "roles/web/defaults/main.yml": "web_port: 4242\n",
    })
    assert not result.errors
    assert ports_of(result, "from include") == [[8042, 8042]]
    assert ports_of(result, "web: from role") == [[4242, 4242]]
    assert ports_of(result, "web: from tasks_from") == [[104, 104]]


def test_meta_dependencies_run_with_their_parameters(project) -> None:
    result = project({
        "site.yml": "- hosts: all\n  roles: [app]\n",
        "roles/app/meta/main.yml": "dependencies:\n  - role: fw\n    fw_port: 104\n",
        "roles/app/tasks/main.yml": "- debug: {msg: app}\n",
        "roles/fw/tasks/main.yml": task("open", "{{ fw_port }}"),
    })
    assert ports_of(result, "fw: open") == [[104, 104]]


def test_blocks_rescue_and_always_are_walked(project) -> None:
    result = project({"site.yml": (
        "- hosts: all\n  tasks:\n    - block:\n" + _indent(task("in block", 104), 8)
        + "      rescue:\n" + _indent(task("in rescue", 4242), 8)
        + "      always:\n" + _indent(task("in always", 8042), 8))})
    assert ports_of(result, "in block") == [[104, 104]]
    rescue = next(f for f in result.facts.ingress if "in rescue" in f["origin"]["address"])
    assert any("rescue" in note for note in rescue["unknown"])
    assert ports_of(result, "in always") == [[8042, 8042]]


def test_loops_with_items_loop_control_and_with_dict(project) -> None:
    result = project({"site.yml": (
        "- hosts: all\n  vars:\n    ports: [104, 4242]\n    rules: {dicom: 11112}\n  tasks:\n"
        + _indent(task("legacy", "{{ item }}", "  with_items: '{{ ports }}'\n"), 4)
        + _indent(task("modern", "{{ p }}", "  loop: [8042]\n  loop_control: {loop_var: p}\n"),
                  4)
        + _indent(task("dict", "{{ item.value }}", "  with_dict: '{{ rules }}'\n"), 4))})
    assert ports_of(result, "legacy") == [[104, 104], [4242, 4242]]
    assert ports_of(result, "modern") == [[8042, 8042]]
    assert ports_of(result, "dict") == [[11112, 11112]]


def test_a_false_condition_skips_the_task(project) -> None:
    result = project({"site.yml": "- hosts: all\n  vars: {open_it: false}\n  tasks:\n"
                      + _indent(task("skipped", 104, "  when: open_it | bool\n"), 4)})
    assert result.facts.ingress == []


def test_an_undecidable_condition_means_may_run_and_says_so(project) -> None:
    result = project({"site.yml": "- hosts: all\n  tasks:\n" + _indent(task(
        "maybe", 104, "  when: ansible_facts['distribution'] == 'Ubuntu'\n"), 4)})
    [fact] = result.facts.ingress
    assert fact["ports"] == [[104, 104]]
    assert any(note.startswith("may run") and "managed host" in note for note in fact["unknown"])
    assert fact["origin"]["address"] == "maybe (if ansible_facts['distribution'] == 'Ubuntu')"


def test_registered_results_and_set_fact_flow_into_later_tasks(project) -> None:
    result = project({"site.yml": (
        "- hosts: all\n  tasks:\n"
        "    - ansible.builtin.command: cat /etc/port\n      register: probed\n"
        "    - ansible.builtin.set_fact: {known_port: 4242}\n"
        + _indent(task("from register", "{{ probed.stdout }}"), 4)
        + _indent(task("from set_fact", "{{ known_port }}"), 4))})
    registered = next(f for f in result.facts.ingress if "from register" in f["origin"]["address"])
    assert registered["ports"] is None and registered["unknown"]
    assert ports_of(result, "from set_fact") == [[4242, 4242]]


def test_free_form_arguments_and_short_module_names(project) -> None:
    result = project({"tasks.yml": (
        "- name: legacy form\n  iptables: chain=INPUT protocol=tcp destination_port=104 "
        "jump=ACCEPT\n")})
    assert ports_of(result, "legacy form") == [[104, 104]]
    assert sources_of(result, "legacy form") == ["0.0.0.0/0"]


def test_roles_no_playbook_uses_are_checked_with_their_defaults(project) -> None:
    result = project({
        "roles/orphan/defaults/main.yml": "orphan_port: 104\n",
        "roles/orphan/tasks/main.yml": task("orphan", "{{ orphan_port }}"),
    })
    assert ports_of(result, "orphan: orphan") == [[104, 104]]


def test_a_broken_file_is_an_error_and_the_rest_is_still_scanned(project) -> None:
    result = project({
        "broken.yml": "- hosts: all\n  tasks:\n    - name: x\n      ufw: {rule: allow\n",
        "good.yml": "- hosts: all\n  tasks:\n" + _indent(task("good", 104), 4),
    })
    assert [error.file.endswith("broken.yml") for error in result.errors] == [True]
    assert result.errors[0].line is not None
    assert ports_of(result, "good") == [[104, 104]]


def test_an_include_outside_the_tree_is_a_note_not_a_pass(project) -> None:
    result = project({"site.yml": "- hosts: all\n  tasks:\n"
                                  "    - include_tasks: '{{ lookup(\"env\", \"TASKS\") }}'\n"
                                  "    - include_role: {name: geerlingguy.docker}\n"})
    messages = [note["message"] for note in result.facts.notes]
    assert any("cannot be determined" in message for message in messages)
    assert any("geerlingguy.docker" in message for message in messages)


def _indent(text: str, spaces: int) -> str:
    return "".join(" " * spaces + line + "\n" for line in text.splitlines())


def test_extra_vars_from_the_configuration_win(tmp_path) -> None:
    from tests.ansible.conftest import write_tree
    from tests.conftest import scan_json

    write_tree(tmp_path, {
        ".dicomguard.yaml": "ansible_extra_vars:\n  dicom_source: 0.0.0.0/0\n",
        "site.yml": "- hosts: all\n  vars: {dicom_source: 10.0.0.0/8}\n  tasks:\n"
                    "    - name: open\n      community.general.ufw:\n        rule: allow\n"
                    "        port: '104'\n        from_ip: '{{ dicom_source }}'\n",
    })
    code, report = scan_json(".", cwd=tmp_path)
    assert code == 1, report["errors"]
    assert [finding["rule_id"] for finding in report["findings"]] == ["DG101"]


def test_includes_and_dependencies_that_loop_terminate(project) -> None:
    result = project({
        "site.yml": "- import_playbook: site.yml\n- import_playbook: site.yml\n"
                    "- hosts: all\n  roles: [a]\n  tasks:\n"
                    "    - include_tasks: loop.yml\n",
        "loop.yml": "- include_tasks: loop.yml\n- include_tasks: loop.yml\n" + task("t", 104),
        "roles/a/meta/main.yml": "dependencies: [b, b]\n",
        "roles/a/tasks/main.yml": task("in a", 4242),
        "roles/b/meta/main.yml": "dependencies: [a, a]\n",
        "roles/b/tasks/main.yml": task("in b", 8042),
    })
    assert ports_of(result, "t") == [[104, 104]]
    assert ports_of(result, "a: in a") == [[4242, 4242]]
    assert ports_of(result, "b: in b") == [[8042, 8042]]
    assert any("imports itself" in error.message for error in result.errors)


def test_a_role_run_twice_with_different_parameters_keeps_both_results(project) -> None:
    result = project({
        "site.yml": "- hosts: all\n  roles:\n    - {role: fw, fw_port: 104}\n"
                    "    - {role: fw, fw_port: 4242}\n",
        "roles/fw/tasks/main.yml": task("open", "{{ fw_port }}"),
    })
    assert sorted(map(tuple, ports_of(result, "fw: open"))) == [(104, 104), (4242, 4242)]
    assert len({fact["id"] for fact in result.facts.ingress}) == 2


def test_prompted_variables_are_unknown(project) -> None:
    result = project({"site.yml": "- hosts: all\n  vars_prompt:\n    - name: dicom_port\n"
                                  "      prompt: Port?\n  tasks:\n" + _indent(
                                      task("prompted", "{{ dicom_port }}"), 4)})
    [fact] = result.facts.ingress
    assert fact["ports"] is None and "vars_prompt" in " ".join(fact["unknown"])


def test_ansible_cfg_roles_path_and_inventory(project) -> None:
    result = project({
        "ansible.cfg": "[defaults]\nroles_path = ./vendor/roles:./roles\n"
                       "inventory = inventories/prod/hosts.ini\n",
        "inventories/prod/hosts.ini": "[pacs]\npacs1 fw_port=104\n",
        "inventories/staging/hosts.ini": "[pacs]\npacs9 fw_port=8042\n",
        "site.yml": "- hosts: pacs\n  roles: [fw]\n",
        "vendor/roles/fw/tasks/main.yml": task("open", "{{ fw_port }}"),
    })
    assert ports_of(result, "fw: open") == [[104, 104]]


def test_play_tasks_see_the_defaults_of_the_roles_the_play_lists(project) -> None:
    result = project({
        "site.yml": "- hosts: all\n  roles: [pacs]\n  tasks:\n" + _indent(
            task("after the role", "{{ pacs_port }}"), 4),
        "roles/pacs/defaults/main.yml": "pacs_port: 4242\n",
        "roles/pacs/tasks/main.yml": "- debug: {msg: hi}\n",
    })
    assert ports_of(result, "after the role") == [[4242, 4242]]


UFW_FROM = "community.general.ufw: {rule: allow, port: '%s', from_ip: '%s'}"


def test_nested_together_subelements_and_sequence_loops_give_their_items(project) -> None:
    result = project({"site.yml": (
        "- hosts: all\n  vars:\n    ports: [104, 11112]\n    sources: [any, 10.0.0.0/8]\n"
        "    archives:\n      - {name: orthanc, ports: [4242, 8042]}\n"
        "      - {name: dcm4chee, ports: [11112]}\n  tasks:\n"
        + _indent(f"- name: nested\n  {UFW_FROM % ('{{ item.0 }}', '{{ item.1 }}')}\n"
                  "  with_nested: ['{{ ports }}', '{{ sources }}']\n", 4)
        + _indent(f"- name: together\n  {UFW_FROM % ('{{ item.0 }}', '{{ item.1 }}')}\n"
                  "  with_together: [[2575], [any]]\n", 4)
        + _indent(f"- name: subelements\n  {UFW % '{{ item.1 }}'}\n"
                  "  with_subelements: ['{{ archives }}', ports]\n", 4)
        + _indent(f"- name: sequence\n  {UFW % '{{ item }}'}\n"
                  "  with_sequence: start=2761 end=2762\n", 4))})
    assert not result.errors
    assert ports_of(result, "nested") == [[104, 104]] * 2 + [[11112, 11112]] * 2
    assert sources_of(result, "nested") == ["any", "10.0.0.0/8"] * 2
    assert ports_of(result, "together") == [[2575, 2575]]
    assert ports_of(result, "subelements") == [[4242, 4242], [8042, 8042], [11112, 11112]]
    assert ports_of(result, "sequence") == [[2761, 2761], [2762, 2762]]


def test_list_filters_with_known_inputs_keep_loop_items_known(project) -> None:
    result = project({"site.yml": (
        "- hosts: all\n  vars:\n    ports: [104, 4242]\n    sources: [any]\n"
        "    rules: {dicom: 11112}\n  tasks:\n"
        + _indent(f"- name: product\n  {UFW_FROM % ('{{ item.0 }}', '{{ item.1 }}')}\n"
                  "  loop: \"{{ ports | product(sources) | list }}\"\n", 4)
        + _indent(f"- name: zip\n  {UFW_FROM % ('{{ item.0 }}', '{{ item.1 }}')}\n"
                  "  loop: \"{{ [8042] | zip(['any']) | list }}\"\n", 4)
        + _indent(f"- name: fqcn\n  {UFW % '{{ item.value }}'}\n"
                  "  loop: \"{{ rules | ansible.builtin.dict2items }}\"\n", 4)
        + _indent(f"- name: union\n  {UFW % '{{ item }}'}\n"
                  "  loop: \"{{ [104] | union([2762]) | difference([104]) }}\"\n", 4)
        + _indent(f"- name: subelements filter\n  {UFW % '{{ item.1 }}'}\n"
                  "  loop: \"{{ [{'p': [2575]}] | subelements('p') }}\"\n", 4))})
    assert not result.errors
    assert ports_of(result, "product") == [[104, 104], [4242, 4242]]
    assert sources_of(result, "product") == ["any", "any"]
    assert ports_of(result, "zip") == [[8042, 8042]]
    assert ports_of(result, "fqcn") == [[11112, 11112]]
    assert ports_of(result, "union") == [[2762, 2762]]
    assert ports_of(result, "subelements filter") == [[2575, 2575]]
    for fact in result.facts.ingress:
        assert not any("unknown" in note for note in fact["unknown"]), fact["unknown"]


def test_a_collection_role_named_by_fqcn_is_found_in_the_scanned_tree(project) -> None:
    installed = project({
        "site.yml": "- hosts: all\n  roles: [acme.pacs.firewall]\n",
        "collections/ansible_collections/acme/pacs/roles/firewall/tasks/main.yml":
            task("collection role", 104),
    })
    assert not installed.errors
    assert ports_of(installed, "collection role") == [[104, 104]]
    assert not [note for note in installed.facts.notes
                if "is not in the scanned tree" in note["message"]]


def test_a_collection_repository_runs_its_own_roles_by_fqcn(project) -> None:
    repository = project({
        "galaxy.yml": "namespace: acme\nname: pacs\nversion: 1.0.0\n",
        "roles/orthanc/tasks/main.yml": task("orthanc port", 4242),
        "playbooks/site.yml": "- hosts: all\n  tasks:\n"
                              "    - ansible.builtin.include_role: {name: acme.pacs.orthanc}\n",
    })
    assert ports_of(repository, "orthanc port") == [[4242, 4242]]
    missing = [note for note in repository.facts.notes if "is not in the scanned tree" in
               note["message"]]
    assert missing == []
