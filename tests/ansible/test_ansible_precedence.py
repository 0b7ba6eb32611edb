"""Variable precedence: each level that matters, with every lower level also setting the
variable, must win (the order is documented in dicomguard/ansible/variables.py)."""

from __future__ import annotations

import pytest

from tests.ansible.helpers import ports_of

LEVELS = [
    "role defaults", "inventory [all:vars]", "inventory group_vars/all",
    "playbook group_vars/all", "inventory [pacs:vars]", "inventory group_vars/pacs",
    "playbook group_vars/pacs", "inventory host line", "inventory host_vars",
    "playbook host_vars", "play vars", "play vars_files", "role vars", "block vars",
    "task vars", "include_vars", "set_fact", "role params", "include params", "extra vars",
]


def layered(top: int) -> tuple[dict[str, str], dict]:
    """A project where every level up to `top` sets p to 1000 + its position."""
    def value(level: str) -> int | None:
        position = LEVELS.index(level) + 1
        return 1000 + position if position <= top else None

    def yaml_vars(level: str) -> str:
        return f"p: {value(level)}\n" if value(level) else "other: 1\n"

    def inline(level: str) -> str:
        return f"p={value(level)}" if value(level) else ""

    tasks = []
    if value("include_vars"):
        tasks.append("- ansible.builtin.include_vars:\n    file: extra.yml\n")
    if value("set_fact"):
        tasks.append(f"- ansible.builtin.set_fact:\n    p: {value('set_fact')}\n")
    task_vars = f"\n      vars:\n        p: {value('task vars')}" if value("task vars") else ""
    block_vars = f"\n  vars:\n    p: {value('block vars')}" if value("block vars") else ""
    include_params = f"\n  vars:\n    p: {value('include params')}" \
        if value("include params") else ""
    tasks.append(f"- ansible.builtin.include_tasks:\n    file: inner.yml{include_params}\n")
    inner = (
        "- block:\n"
        "    - name: open\n"
        "      ansible.posix.firewalld:\n"
        "        port: '{{ p }}/tcp'\n"
        "        zone: public\n"
        f"        state: enabled{task_vars}{block_vars}\n")
    role_params = f"\n      p: {value('role params')}" if value("role params") else ""
    files = {
        "inventory/hosts.ini": (
            f"[all:vars]\n{inline('inventory [all:vars]')}\n"
            f"[pacs]\npacs1 {inline('inventory host line')}\n"
            f"[pacs:vars]\n{inline('inventory [pacs:vars]')}\n"),
        "inventory/group_vars/all.yml": yaml_vars("inventory group_vars/all"),
        "inventory/group_vars/pacs.yml": yaml_vars("inventory group_vars/pacs"),
        "inventory/host_vars/pacs1.yml": yaml_vars("inventory host_vars"),
        "group_vars/all.yml": yaml_vars("playbook group_vars/all"),
        "group_vars/pacs.yml": yaml_vars("playbook group_vars/pacs"),
        "host_vars/pacs1.yml": yaml_vars("playbook host_vars"),
        "vars/site.yml": yaml_vars("play vars_files"),
        "site.yml": (
            "- hosts: pacs\n"
            f"  vars:\n    {yaml_vars('play vars')}"
            "  vars_files:\n    - vars/site.yml\n"
            f"  roles:\n    - role: r{role_params}\n"),
        "roles/r/defaults/main.yml": yaml_vars("role defaults"),
        "roles/r/vars/main.yml": yaml_vars("role vars"),
        "roles/r/vars/extra.yml": yaml_vars("include_vars"),
        "roles/r/tasks/main.yml": "".join(tasks),
        "roles/r/tasks/inner.yml": inner,
    }
    settings = {"ansible_extra_vars": {"p": value("extra vars")}} if value("extra vars") else {}
    return files, settings


@pytest.mark.parametrize("level", LEVELS)
def test_each_level_beats_every_lower_level(project, level: str) -> None:
    top = LEVELS.index(level) + 1
    files, settings = layered(top)
    result = project(files, settings)
    assert not result.errors
    assert ports_of(result, "open") == [[1000 + top, 1000 + top]], level


def test_a_child_group_beats_its_parent_group(project) -> None:
    result = project({
        "hosts.ini": "[pacs]\npacs1\n[imaging:children]\npacs\n",
        "group_vars/imaging.yml": "p: 1\n",
        "group_vars/pacs.yml": "p: 104\n",
        "site.yml": "- hosts: imaging\n  tasks:\n    - name: open\n"
                    "      community.general.ufw: {rule: allow, port: '{{ p }}'}\n",
    })
    assert ports_of(result, "open") == [[104, 104]]


def test_hosts_with_different_variables_get_their_own_facts(project) -> None:
    result = project({
        "inventory/hosts.ini": "[pacs]\npacs1 p=104\npacs2 p=104\npacs3 p=8042\n",
        "site.yml": "- hosts: pacs\n  tasks:\n    - name: open\n"
                    "      community.general.ufw: {rule: allow, port: '{{ p }}'}\n",
    })
    addresses = sorted(fact["origin"]["address"] for fact in result.facts.ingress)
    assert addresses == ["open (host pacs1 and 1 more)", "open (host pacs3)"]
    assert sorted(map(tuple, ports_of(result))) == [(104, 104), (8042, 8042)]
