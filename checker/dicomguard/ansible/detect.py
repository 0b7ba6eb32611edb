"""Which files are Ansible: by place in a role or project first, by content second (cheap)."""

from __future__ import annotations

import re
from pathlib import Path

from dicomguard.ansible.names import ADAPTED_MODULES

YAML_SUFFIXES = frozenset({".yml", ".yaml"})
ROLE_PARTS = {"tasks": "tasks", "handlers": "tasks", "defaults": "vars", "vars": "vars",
              "meta": "meta"}
INVENTORY_NAMES = frozenset({"hosts", "inventory", "hosts.ini", "inventory.ini", "hosts.yml",
                             "hosts.yaml", "inventory.yml", "inventory.yaml"})
INVENTORY_DIRECTORIES = frozenset({"inventory", "inventories"})

_PLAY = re.compile(r"^-[ \t]+(?:hosts|import_playbook|ansible\.builtin\.import_playbook)[ \t]*:"
                   r"|^[ \t]{2}hosts[ \t]*:", re.M)
# A key of a top-level list item: `- key:` or indented under one (`  key:`).
_LIST_ITEM_KEY = re.compile(r"^(?:-[ \t]+|[ \t]{2})([A-Za-z_][\w.]*)[ \t]*:", re.M)
# The same in flow style (`[{hosts: pacs, tasks: [...]}]`): a key after `{` or `,`.
_FLOW_KEY = re.compile(r"[{,][ \t\r\n]*([A-Za-z_][\w.]*)[ \t]*:")
PLAY_KEYS = frozenset({"hosts", "import_playbook", "ansible.builtin.import_playbook"})
_INI_SECTION = re.compile(r"^\[[\w.:-]+\][ \t]*$", re.M)
_YAML_INVENTORY = re.compile(r"^[\w.-]+:[ \t]*\n(?:[ \t]+.*\n)*?[ \t]+(?:hosts|children):", re.M)
TASK_FILE_MARKERS = frozenset({
    "block", "include_tasks", "import_tasks", "include_role", "import_role", "set_fact",
    "include_vars", "ansible.builtin.include_tasks", "ansible.builtin.import_tasks",
    "ansible.builtin.include_role", "ansible.builtin.import_role", "ansible.builtin.set_fact",
})


def is_role_payload(path: Path) -> bool:
    """A file of a role's (or a project's) files/ or templates/ directory, beside tasks/: what a
    task deploys. The Ansible family analyses it with the task that deploys it (rendered with the
    task's variables, named in the finding); other families leave it alone."""
    return any(ancestor.name in {"files", "templates"} and (ancestor.parent / "tasks").is_dir()
               for ancestor in path.parents)


def is_role_root(directory: Path) -> bool:
    """A directory laid out as a role, as `ansible-galaxy init` makes it (tasks/main.yml with
    defaults/ or meta/ beside it), wherever it is: a repository may be one role."""
    return _has_main(directory / "tasks") and (
        _has_main(directory / "defaults") or _has_main(directory / "meta"))


def _has_main(directory: Path) -> bool:
    return any((directory / name).is_file() for name in ("main.yml", "main.yaml", "main"))


def is_ansible_template(path: Path) -> bool:
    """A Jinja template Ansible renders (`*.j2`, or anything in a role's templates/): other
    families must not read it raw; it is analysed as rendered by the task that deploys it."""
    return path.suffix == ".j2" or _role_part(path.parts) == "templates"


def named(path: Path) -> bool:
    """The name and place alone say the file is Ansible: a template, a role's tasks or
    variables, group_vars or host_vars."""
    suffix = path.suffix.lower()
    if suffix == ".j2":
        return True
    if suffix not in YAML_SUFFIXES:
        return False
    return (_role_part(path.parts) in ROLE_PARTS
            or "group_vars" in path.parts[:-1] or "host_vars" in path.parts[:-1])


def classify(path: Path, head: str) -> str | None:
    parts = path.parts
    suffix = path.suffix.lower()
    in_role = _role_part(parts)
    if in_role == "templates":
        return "template"
    if in_role in ROLE_PARTS and (suffix in YAML_SUFFIXES or suffix == ""):
        return ROLE_PARTS[in_role]
    if in_role is not None:
        return None  # a role's files/, library/ ...: deployed or run, not Ansible sources
    if "group_vars" in parts[:-1] or "host_vars" in parts[:-1]:
        return "vars" if suffix in YAML_SUFFIXES | {"", ".json"} else None
    if _is_inventory(path, head):
        return "inventory"
    if suffix == ".j2":
        return "template"
    if suffix not in YAML_SUFFIXES:
        return None
    first = _first_content_line(head)
    flow = first.startswith("[")  # a flow sequence: [{hosts: pacs, tasks: [...]}]
    if not flow and not first.startswith("- "):
        return None
    keys = (set(_FLOW_KEY.findall(head)) if flow else
            {match.group(1) for match in _LIST_ITEM_KEY.finditer(head)})
    if keys & PLAY_KEYS if flow else _PLAY.search(head):
        return "playbook"
    if _names_a_module(keys):
        return "tasks"
    return None


def _first_content_line(head: str) -> str:
    """The document's first line that is not blank, a comment or `---`."""
    return next((line for line in head.splitlines()
                 if line.strip() and not line.lstrip().startswith("#") and line.strip() != "---"),
                "")


def _role_part(parts: tuple[str, ...]) -> str | None:
    """'tasks', 'templates', ... when the path is <...>/roles/<role>/<part>/..."""
    for index in range(len(parts) - 3, -1, -1):
        if parts[index] == "roles":
            return parts[index + 2]
    return None


def _is_inventory(path: Path, head: str) -> bool:
    name = path.name.lower()
    in_inventory_dir = any(part in INVENTORY_DIRECTORIES for part in path.parts[:-1])
    if name not in INVENTORY_NAMES and not in_inventory_dir:
        return False
    if path.suffix.lower() in YAML_SUFFIXES:
        return bool(_YAML_INVENTORY.search(head)) or (head.lstrip().startswith("all:"))
    if path.suffix.lower() not in {"", ".ini", ".cfg"}:
        return False
    return bool(_INI_SECTION.search(head)) or name in {"hosts", "inventory"}


def _names_a_module(keys: set[str]) -> bool:
    return any(key in TASK_FILE_MARKERS or key.rsplit(".", 1)[-1] in ADAPTED_MODULES
               for key in keys)
