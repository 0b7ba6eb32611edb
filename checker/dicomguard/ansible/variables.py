"""Variable precedence, as Ansible documents it (lowest first).

dicomguard implements these levels; a higher level wins, and within a level the later source
wins (group variables: parents before children, then by name):

     1  role defaults (defaults/main.yml of the running role and its dependencies)
     2  inventory group vars for `all` (inline in the inventory, then inventory group_vars/all)
     3  playbook group_vars/all
     4  inventory group vars for other groups (inline, then inventory group_vars/<group>)
     5  playbook group_vars/<group>
     6  inventory host vars (inline in the inventory, then inventory host_vars/<host>)
     7  playbook host_vars/<host>
     8  play vars
     9  play vars_files
    10  role vars (vars/main.yml)
    11  block vars
    12  task vars
    13  include_vars
    14  set_fact and registered results
    15  role params (`- role: x` keys, `vars:` of a role entry, include_role vars)
    16  include params (`vars:` of include_tasks / import_tasks)
    17  extra vars (configuration `ansible_extra_vars`)
    18  loop variable (`item` or loop_control.loop_var), which nothing can override

Host facts (ansible_* gathered from the managed host), registered results and lookups are never
known here: they are Unknown.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dicomguard.records import record

ROLE_DEFAULTS = 1
INVENTORY_GROUP_ALL = 2
PLAYBOOK_GROUP_ALL = 3
INVENTORY_GROUP = 4
PLAYBOOK_GROUP = 5
INVENTORY_HOST = 6
PLAYBOOK_HOST = 7
PLAY_VARS = 8
PLAY_VARS_FILES = 9
ROLE_VARS = 10
BLOCK_VARS = 11
TASK_VARS = 12
INCLUDE_VARS = 13
SET_FACT = 14
ROLE_PARAMS = 15
INCLUDE_PARAMS = 16
EXTRA_VARS = 17
LOOP_VARIABLE = 18


@record(frozen=True)
class Scope:
    """Layers of variables, each with its precedence level. Layers are shared, not copied:
    set_fact and include_vars write into the host's layers as tasks run."""

    layers: tuple[tuple[int, Mapping[str, Any]], ...] = ()

    def with_layer(self, level: int, variables: Mapping[str, Any] | None) -> Scope:
        if not variables and level not in (SET_FACT, INCLUDE_VARS):
            return self
        return Scope((*self.layers, (level, variables if variables is not None else {})))

    def without_levels(self, *levels: int) -> Scope:
        return Scope(tuple(layer for layer in self.layers if layer[0] not in levels))

    def merged(self) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for _, variables in sorted(self.layers, key=lambda layer: layer[0]):
            result.update(variables)
        return result
