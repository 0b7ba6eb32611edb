"""An Ansible repository of 200 roles: the budget is a few seconds."""

from pathlib import Path

NAME = "ansible_200_roles"
DESCRIPTION = ("generated Ansible repo: 200 roles (defaults, vars, 12 tasks with loops, blocks "
               "and includes, a rendered Orthanc template), 20 plays, an inventory of 50 hosts")
ROLES = 200
PLAYS = 20
HOSTS = 50

TASKS = """---
- name: Install packages
  ansible.builtin.package:
    name: "{{{{ item }}}}"
    state: present
  loop: "{{{{ {role}_packages }}}}"

- name: Render the configuration
  ansible.builtin.template:
    src: orthanc.json.j2
    dest: /etc/{role}/orthanc.json
    mode: "0640"
  notify: Restart {role}

- name: Start the container
  community.docker.docker_container:
    name: {role}
    image: orthancteam/orthanc:24.10.3
    published_ports:
      - "{{{{ {role}_bind }}}}:{{{{ {role}_port }}}}:8042"
    volumes:
      - /etc/{role}/orthanc.json:/etc/orthanc/orthanc.json:ro
    env:
      ORTHANC__NAME: "{role}"

- name: Firewall
  ansible.builtin.import_tasks: firewall.yml

- name: Volumes
  block:
    - name: Create the data volume
      amazon.aws.ec2_vol:
        volume_size: "{{{{ {role}_size }}}}"
        encrypted: true
    - name: Record it
      ansible.builtin.set_fact:
        {role}_volume_done: true
  when: {role}_cloud | bool
"""

FIREWALL = """---
- name: Admit the hospital network
  ansible.posix.firewalld:
    rich_rule: >-
      rule family="ipv4" source address="{{{{ {role}_allowed }}}}"
      port port="{{{{ port }}}}" protocol="tcp" accept
    zone: public
    permanent: true
    state: enabled
  loop: "{{{{ {role}_ports }}}}"
  loop_control:
    loop_var: port
  when: ansible_facts['os_family'] == 'RedHat'

- name: Admit the hospital network (ufw)
  community.general.ufw:
    rule: allow
    port: "{{{{ item }}}}"
    from_ip: "{{{{ {role}_allowed }}}}"
  with_items: "{{{{ {role}_ports }}}}"
  when: ansible_facts['os_family'] == 'Debian'
"""

DEFAULTS = """---
{role}_packages: [curl, jq, python3]
{role}_bind: 127.0.0.1
{role}_port: {port}
{role}_ports: [{port}, {dicom}]
{role}_allowed: 10.{a}.0.0/16
{role}_size: 100
{role}_cloud: false
{role}_auth: true
{role}_users:
  radiology: "{{{{ vault_password | default('Xk3!vq9#Lm2p') }}}}"
"""

TEMPLATE = """{{
  // {role}
  "Name": "{{{{ inventory_hostname | default('{role}') }}}}",
  "RemoteAccessAllowed": true,
  "AuthenticationEnabled": {{{{ {role}_auth | to_json }}}},
  "RegisteredUsers": {{{{ {role}_users | to_json }}}},
  "SslEnabled": true,
  "DicomTlsEnabled": true,
  "DicomAlwaysAllowStore": false,
  "DicomCheckCalledAet": true,
  "HttpPort": 8042,
  "DicomPort": 4242
}}
"""


def build(workdir: Path) -> list[str]:
    root = workdir / "repo"
    if (root / "site.yml").exists():
        return [str(root)]
    for index in range(ROLES):
        role = f"pacs{index:03d}"
        base = root / "roles" / role
        files = {
            "tasks/main.yml": TASKS.format(role=role),
            "tasks/firewall.yml": FIREWALL.format(role=role),
            "defaults/main.yml": DEFAULTS.format(role=role, port=8100 + index,
                                                 dicom=11200 + index, a=index % 250),
            "vars/main.yml": f"---\n{role}_service: {role}\n",
            "handlers/main.yml": f"---\n- name: Restart {role}\n  community.docker."
                                 f"docker_container:\n    name: {role}\n    restart: true\n",
            "meta/main.yml": "---\ndependencies: []\n",
            "templates/orthanc.json.j2": TEMPLATE.format(role=role),
        }
        for name, text in files.items():
            path = base / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    per_play = ROLES // PLAYS
    plays = "".join(
        f"- name: Play {play}\n  hosts: group{play % 5}\n  roles:\n"
        + "".join(f"    - pacs{index:03d}\n"
                  for index in range(play * per_play, (play + 1) * per_play))
        for play in range(PLAYS))
    (root / "site.yml").write_text("---\n" + plays, encoding="utf-8")
    inventory = root / "inventory"
    (inventory / "group_vars").mkdir(parents=True, exist_ok=True)
    (inventory / "hosts.ini").write_text("".join(
        f"[group{group}]\n" + "".join(f"pacs-{group}-{host}.example.org\n"
                                      for host in range(HOSTS // 5))
        for group in range(5)), encoding="utf-8")
    (inventory / "group_vars" / "all.yml").write_text("---\nntp_server: 10.0.0.1\n",
                                                      encoding="utf-8")
    return [str(root)]
