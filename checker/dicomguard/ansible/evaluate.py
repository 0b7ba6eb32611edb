"""Walking playbooks, roles and task files the way ansible-playbook would, with variables
resolved, and handing every module task that may run to a sink."""

from __future__ import annotations

import os
import shlex
from collections.abc import Callable
from pathlib import Path
from typing import Any

from dicomguard.ansible import variables as level
from dicomguard.ansible.detect import is_role_root
from dicomguard.ansible.documents import Documents, find_file
from dicomguard.ansible.inventory import Inventory
from dicomguard.ansible.list_filters import LoopError, loop_of
from dicomguard.ansible.names import (
    ADAPTED_MODULES,
    INCLUDE_ROLE,
    INCLUDE_TASKS,
    TASK_KEYWORDS,
    short_name,
)
from dicomguard.ansible.templating import (
    OMIT,
    Variables,
    condition,
    environment,
    opaque,
    perhaps_defined,
    template,
)
from dicomguard.ansible.variables import Scope
from dicomguard.ansible.vault import encrypted_files
from dicomguard.discover import display_path
from dicomguard.limits import LimitExceeded
from dicomguard.model import Origin, ScanError, Unknown, is_unknown
from dicomguard.records import field, record, replace
from dicomguard.units import unit_budget, unit_error
from dicomguard.yamlpositions import end_line_of, line_of

LONGEST_LOOP = 500
# Modules whose arguments are evaluated: those adapted to facts and those that change what
# later tasks see. Any other task only registers a result.
FOLLOWED_MODULES = ADAPTED_MODULES | INCLUDE_TASKS | INCLUDE_ROLE | {"set_fact", "include_vars"}
DEEPEST_INCLUDE = 30
HOST_ONLY_PREFIXES = ("ansible_",)
HOST_ONLY_NAMES = frozenset({"hostvars", "groups", "group_names", "play_hosts", "facts"})


@record
class TaskRun:
    """One module invocation that may run, with its arguments templated."""

    module: str  # short name, e.g. firewalld
    args: dict[str, Any]
    origin: Origin
    notes: list[str]  # why the task may or may not run, unknown loop items ...
    variables: Variables
    task_dir: Path
    search: list[Path]  # where `template`/`copy` look for their src, in order
    arg_lines: dict[str, int] = field(default_factory=dict)  # line of each argument's key
    host: str = ""  # the inventory host the task was evaluated for ("" without inventory)
    playbook_dir: Path | None = None  # the directory of the playbook that runs it, if any


@record
class Where:
    """Where tasks being walked come from."""

    file: Path
    role: str = ""
    role_dir: Path | None = None
    notes: tuple[str, ...] = ()
    depth: int = 0
    stack: tuple[Path, ...] = ()  # playbooks, roles and task files being walked, outermost first
    playbook_dir: Path | None = None
    host: str = ""
    conditions: tuple[str, ...] = ()  # short "(if ...)" labels findings carry in their name


@record
class HostState:
    """What tasks write for a host during a play: set_fact, include_vars, register."""

    facts: dict[str, Any] = field(default_factory=dict)
    included: dict[str, Any] = field(default_factory=dict)


class Runner:
    def __init__(self, documents: Documents, sink: Callable[[TaskRun], None],
                 extra_vars: dict[str, Any] | None = None,
                 host_group_sizes: dict[str, int] | None = None) -> None:
        self.documents = documents
        self.sink = sink
        self.extra_vars = extra_vars or {}
        # representative host -> how many hosts share its variables (filled as plays run)
        self.host_group_sizes = host_group_sizes if host_group_sizes is not None else {}
        self._roles_found: dict[tuple[Any, ...], Path | None] = {}
        self._role_files: dict[tuple[Path, str], Path | None] = {}

    # ---- playbooks and plays -----------------------------------------------------------------

    def playbook(self, path: Path, inventory: Inventory | None,
                 stack: tuple[Path, ...] = ()) -> None:
        resolved = self.documents.resolve(path)
        if resolved in stack or len(stack) > DEEPEST_INCLUDE:
            self._error(path, None, "playbook imports itself")
            return
        document = self.documents.yaml(path)
        if document is None:
            return
        if not isinstance(document, list):
            self._error(path, line_of(document), "a playbook is a list of plays")
            return
        for play in document:
            if not isinstance(play, dict):
                continue
            imported = play.get("import_playbook") or play.get("ansible.builtin.import_playbook")
            if imported:
                target = template(imported, Variables(play.get("vars") or {}))
                if isinstance(target, str):
                    self.playbook(path.parent / target, inventory, (*stack, resolved))
                continue
            try:
                with unit_budget():
                    for host, host_scope in self._host_contexts(play, path.parent, inventory):
                        self.play(play, path, host, host_scope)
            except Exception as error:  # one play's failure costs its own findings only
                self.documents.errors.append(unit_error(display_path(path), error,
                                                        line_of(play)))

    def _host_contexts(self, play: dict[Any, Any], playbook_dir: Path, inventory: Inventory | None
                       ) -> list[tuple[str, Scope]]:
        """One scope per distinct set of inventory variables among the hosts the play targets."""
        pattern = template(play.get("hosts", "all"), Variables(self.extra_vars))
        if isinstance(pattern, list):
            pattern = ",".join(str(item) for item in pattern)
        if inventory is None or is_unknown(pattern):
            groups = ["all"] if is_unknown(pattern) else \
                ["all", *[term.strip("!&") for term in str(pattern).replace(",", ":").split(":")
                          if term.strip("!&") and term.strip() != "all"]]
            return [("", self._inventory_scope(None, playbook_dir, "", groups))]
        hosts = inventory.hosts_matching(str(pattern))
        if not hosts:  # the inventory may not be the one this playbook is run with
            return self._host_contexts(play, playbook_dir, None)
        contexts: dict[tuple[str, ...], tuple[str, Scope]] = {}
        sizes: dict[str, int] = {}
        for host in hosts:
            groups = inventory.groups_of(host)
            scope = self._inventory_scope(inventory, playbook_dir, host, groups)
            signature = tuple(repr(layer) for layer in scope.layers)
            representative = contexts.setdefault(signature, (host, scope))[0]
            sizes[representative] = sizes.get(representative, 0) + 1
        self.host_group_sizes.update(sizes)
        return list(contexts.values())

    def _inventory_scope(self, inventory: Inventory | None, playbook_dir: Path, host: str,
                         groups: list[str]) -> Scope:
        scope = Scope()
        inventory_dir = Path(inventory.directory) if inventory else None
        for group in groups:
            inline = inventory.groups[group].variables if inventory and group in \
                inventory.groups else {}
            is_all = group == "all"
            scope = scope.with_layer(level.INVENTORY_GROUP_ALL if is_all else level.INVENTORY_GROUP,
                                     inline)
            if inventory_dir:
                scope = scope.with_layer(
                    level.INVENTORY_GROUP_ALL if is_all else level.INVENTORY_GROUP,
                    self.documents.vars_file(inventory_dir / "group_vars" / group))
            if playbook_dir != inventory_dir:
                scope = scope.with_layer(
                    level.PLAYBOOK_GROUP_ALL if is_all else level.PLAYBOOK_GROUP,
                    self.documents.vars_file(playbook_dir / "group_vars" / group))
        if host:
            scope = scope.with_layer(level.INVENTORY_HOST,
                                     inventory.host_variables.get(host) if inventory else None)
            if inventory_dir:
                scope = scope.with_layer(level.INVENTORY_HOST, self.documents.vars_file(
                    inventory_dir / "host_vars" / host))
            if playbook_dir != inventory_dir:
                scope = scope.with_layer(level.PLAYBOOK_HOST, self.documents.vars_file(
                    playbook_dir / "host_vars" / host))
        return scope.with_layer(level.EXTRA_VARS, self.extra_vars)

    def play(self, play: dict[Any, Any], path: Path, host: str, scope: Scope) -> None:
        state = HostState()
        scope = scope.with_layer(level.PLAY_VARS, play.get("vars") or {})
        scope = scope.with_layer(level.PLAY_VARS, _prompted(play.get("vars_prompt")))
        scope = scope.with_layer(level.PLAY_VARS_FILES,
                                 self._vars_files(play.get("vars_files"), path.parent, scope))
        scope = self._with_host_state(scope, state, host)
        where = Where(file=path, playbook_dir=path.parent, host=host)
        role_scope = scope
        roles = play.get("roles") or []
        if not isinstance(roles, list):
            self._error(path, line_of(play), "a play's roles must be a list")
            roles = []
        play_scope = self._with_roles_exposed(scope, roles, where)
        self.tasks(play.get("pre_tasks"), play_scope, where, state)
        for entry in roles:
            self._role_entry(entry, role_scope, where, state)
        for key in ("tasks", "post_tasks"):
            self.tasks(play.get(key), play_scope, where, state)
        handler_where = replace(where, notes=("a handler: runs only when notified",),
                                conditions=("when notified",))
        self.tasks(play.get("handlers"), play_scope, handler_where, state)

    def _with_roles_exposed(self, scope: Scope, entries: Any, where: Where) -> Scope:
        """Roles listed under `roles:` are imported when the play is read: their defaults and
        vars are visible to the play's own tasks too."""
        for entry in entries if isinstance(entries, list) else []:
            name = entry if isinstance(entry, str) else \
                (entry.get("role") or entry.get("name")) if isinstance(entry, dict) else None
            role_dir = self.find_role(name, where)
            if role_dir is not None:
                scope = scope.with_layer(level.ROLE_DEFAULTS, self.documents.vars_file(
                    role_dir / "defaults" / "main")).with_layer(
                    level.ROLE_VARS, self.documents.vars_file(role_dir / "vars" / "main"))
        return scope

    def _with_host_state(self, scope: Scope, state: HostState, host: str) -> Scope:
        known = {"inventory_hostname": host, "inventory_hostname_short": host.split(".")[0]} \
            if host else {}
        return scope.with_layer(level.INVENTORY_HOST - 1, known) \
            .with_layer(level.INCLUDE_VARS, state.included) \
            .with_layer(level.SET_FACT, state.facts)

    def _vars_files(self, entries: Any, base: Path, scope: Scope) -> dict[str, Any]:
        merged: dict[str, Any] = {}
        for entry in entries if isinstance(entries, list) else [entries] if entries else []:
            choices = entry if isinstance(entry, list) else [entry]
            for choice in choices:
                name = template(choice, self._variables(scope))
                if isinstance(name, str) and (base / name).is_file():
                    merged.update(self.documents.vars_file(base / name))
                    break
        return merged

    # ---- roles -------------------------------------------------------------------------------

    def _role_entry(self, entry: Any, scope: Scope, where: Where, state: HostState) -> None:
        if isinstance(entry, str):
            entry = {"role": entry}
        if not isinstance(entry, dict):
            return
        name = entry.get("role") or entry.get("name")
        params = {key: value for key, value in entry.items()
                  if key not in {"role", "name", "vars", "when", "tags", "become",
                                 "become_user", "delegate_to"}}
        params.update(entry.get("vars") or {})
        verdict = condition(entry["when"], self._variables(scope)) if "when" in entry else True
        if verdict is False:
            return
        self.role(name, scope, self._noted(where, verdict, entry.get("when")), state, params)

    def find_role(self, name: Any, where: Where) -> Path | None:
        if not isinstance(name, str) or not name:
            return None
        key = (name, where.role_dir, where.playbook_dir, where.file.parent)
        if key not in self._roles_found:
            self._roles_found[key] = self._search_role(name, where)
        return self._roles_found[key]

    def _search_role(self, name: str, where: Where) -> Path | None:
        bases = []
        if where.role_dir is not None:
            bases.append(where.role_dir.parent)
        if where.playbook_dir is not None:
            bases += [where.playbook_dir / "roles", where.playbook_dir,
                      *self.documents.ansible_cfg(where.playbook_dir).get("roles_path", [])]
        bases.append(where.file.parent / "roles")
        for base in bases:
            candidate = Path(os.path.normpath(base / name))  # `- role: ../` names a directory
            try:
                found = (candidate / "tasks").is_dir() or (candidate / "meta").is_dir()
            except OSError as error:  # a name no file system can hold (too long)
                self._error(where.file, None, f"role {name[:40]!r}... cannot be looked up: "
                                              f"{error.strerror}")
                return None
            if found:
                return candidate if self.documents.inside(candidate) else None
        if name.count(".") == 2 and "/" not in name:
            return self._collection_role(name, where)
        return self._enclosing_role(name, where.playbook_dir or where.file.parent)

    def _collection_role(self, name: str, where: Where) -> Path | None:
        """`namespace.collection.role` from a collection in the scanned tree: one installed
        under an `ansible_collections/` directory (beside the playbook, in `collections/`, or
        in ansible.cfg's collections_path), or the collection repository the playbook lies in
        (its galaxy.yml names it)."""
        namespace, collection, role = name.split(".")
        start = where.playbook_dir or where.file.parent
        cfg = self.documents.ansible_cfg(start)
        roots = [*cfg.get("collections_path", []), *cfg.get("collections_paths", [])]
        for ancestor in (start, *start.parents):
            if not self.documents.inside(ancestor):
                break
            roots += [ancestor, ancestor / "collections"]
            if self._galaxy_collection(ancestor) == (namespace, collection):
                return self._role_in(ancestor / "roles" / role)
        for root in roots:
            found = self._role_in(root / "ansible_collections" / namespace / collection /
                                  "roles" / role)
            if found is not None:
                return found
        return None

    def _role_in(self, candidate: Path) -> Path | None:
        if not self.documents.inside(candidate):
            return None
        return candidate if is_role_root(candidate) or (candidate / "tasks").is_dir() else None

    def _galaxy_collection(self, directory: Path) -> tuple[str, str] | None:
        info = self.documents.yaml(directory / "galaxy.yml") if (
            directory / "galaxy.yml").is_file() else None
        if isinstance(info, dict) and isinstance(info.get("namespace"), str) and isinstance(
                info.get("name"), str):
            return info["namespace"], info["name"]
        return None

    def _enclosing_role(self, name: str, directory: Path) -> Path | None:
        """A role the playbook's directory lies in, named by its directory or its Galaxy
        role_name: a repository that is one role tests it from tests/test.yml by name."""
        for ancestor in (directory, *directory.parents):
            if not self.documents.inside(ancestor):
                return None
            if is_role_root(ancestor) and name in (self.documents.resolve(ancestor).name,
                                                   self._galaxy_name(ancestor)):
                return ancestor
        return None

    def _galaxy_name(self, role_dir: Path) -> str | None:
        meta = self.documents.yaml(role_dir / "meta" / "main.yml") or \
            self.documents.yaml(role_dir / "meta" / "main.yaml")
        info = meta.get("galaxy_info") if isinstance(meta, dict) else None
        name = info.get("role_name") if isinstance(info, dict) else None
        return name if isinstance(name, str) else None

    def role(self, name: Any, scope: Scope, where: Where, state: HostState,
             params: dict[str, Any], tasks_from: str = "main", vars_from: str = "main",
             defaults_from: str = "main", origin_line: int = 1) -> None:
        role_dir = self.find_role(name, where)
        if role_dir is None:
            self._note(where.file, origin_line, f"role {name!r} is not in the scanned tree; "
                                                f"its tasks are not checked")
            return
        self.run_role(role_dir, scope, where, state, params, tasks_from, vars_from,
                      defaults_from, origin_line)

    def run_role(self, role_dir: Path, scope: Scope, where: Where, state: HostState,
                 params: dict[str, Any], tasks_from: str = "main", vars_from: str = "main",
                 defaults_from: str = "main", origin_line: int = 1) -> None:
        resolved = self.documents.resolve(role_dir)
        if resolved in where.stack or where.depth > DEEPEST_INCLUDE:
            self._note(where.file, origin_line, f"role {resolved.name!r} depends on itself; "
                                                "followed once")
            return
        role_scope = self.role_scope(role_dir, scope, params, vars_from, defaults_from)
        role_where = Where(file=role_dir, role=resolved.name, role_dir=role_dir,
                           notes=where.notes, conditions=where.conditions,
                           depth=where.depth + 1,
                           stack=(*where.stack, resolved),
                           playbook_dir=where.playbook_dir, host=where.host)
        meta = self.documents.yaml(role_dir / "meta" / "main.yml") or \
            self.documents.yaml(role_dir / "meta" / "main.yaml")
        if isinstance(meta, dict):
            for dependency in meta.get("dependencies") or []:
                self._role_entry(dependency, scope, role_where, state)
        tasks_file = self.role_file(role_dir / "tasks", tasks_from)
        if tasks_file is not None:
            self.task_file(tasks_file, role_scope, replace(role_where, file=tasks_file), state)
        handlers = self.role_file(role_dir / "handlers", "main")
        if handlers is not None:
            self.task_file(handlers, role_scope, replace(
                role_where, file=handlers,
                notes=(*where.notes, "a handler: runs only when notified"),
                conditions=(*where.conditions, "when notified")), state)

    def role_scope(self, role_dir: Path, scope: Scope, params: dict[str, Any],
                   vars_from: str = "main", defaults_from: str = "main") -> Scope:
        defaults = self.documents.vars_file(role_dir / "defaults" / defaults_from)
        role_vars = self.documents.vars_file(role_dir / "vars" / vars_from)
        return scope.with_layer(level.ROLE_DEFAULTS, defaults) \
            .with_layer(level.ROLE_VARS, role_vars).with_layer(level.ROLE_PARAMS, params)

    def role_file(self, directory: Path, name: str) -> Path | None:
        key = (directory, name)
        if key not in self._role_files:
            self._role_files[key] = next(
                (directory / f"{name}{suffix}" for suffix in ("", ".yml", ".yaml")
                 if (directory / f"{name}{suffix}").is_file()), None)
        return self._role_files[key]

    # ---- tasks -------------------------------------------------------------------------------

    def task_file(self, path: Path, scope: Scope, where: Where, state: HostState) -> None:
        resolved = self.documents.resolve(path)
        if resolved in where.stack:
            self._note(path, 1, "task file includes itself; followed once")
            return
        where = replace(where, stack=(*where.stack, resolved))
        document = self.documents.yaml(path)
        if document is None:
            return
        if not isinstance(document, list):
            self._error(path, line_of(document), "a task file is a list of tasks")
            return
        self.tasks(document, scope, replace(where, file=path), state)

    def tasks(self, tasks: Any, scope: Scope, where: Where, state: HostState) -> None:
        if not isinstance(tasks, list):
            return
        for task in tasks:
            if isinstance(task, dict):
                self.task(task, scope, where, state)

    def task(self, task: dict[Any, Any], scope: Scope, where: Where, state: HostState) -> None:
        module = None if "block" in task else module_of(task)
        vars_level = level.BLOCK_VARS if "block" in task else level.INCLUDE_PARAMS \
            if module is not None and short_name(module) in INCLUDE_TASKS else level.TASK_VARS
        task_scope = scope.with_layer(vars_level, task.get("vars") or {})
        if "block" in task:
            verdict = self._when(task, task_scope)
            if verdict is False:
                return
            block_where = self._noted(where, verdict, task.get("when"))
            self.tasks(task.get("block"), task_scope, block_where, state)
            self.tasks(task.get("rescue"), task_scope,
                       replace(block_where, notes=(*block_where.notes,
                                                   "in a rescue section: runs when the block "
                                                   "fails"),
                               conditions=(*block_where.conditions, "if the block fails")),
                       state)
            self.tasks(task.get("always"), task_scope, block_where, state)
            return
        if module is None:
            return
        if short_name(module) not in FOLLOWED_MODULES:
            self._register(task, state)  # a module no adapter reads: only its result matters
            return
        try:
            self._run_items(task, module, task_scope, where, state)
        except LimitExceeded as error:  # costs this task only
            self._error(where.file, line_of(task), error.message)
        self._register(task, state)

    def _run_items(self, task: dict[Any, Any], module: str, task_scope: Scope, where: Where,
                   state: HostState) -> None:
        for item_scope, item_notes, suffix in self._loop(task, task_scope, module, where):
            verdict = self._when(task, item_scope)
            if verdict is False:
                continue
            item_where = self._noted(where, verdict, task.get("when"))
            item_where = replace(item_where, notes=(*item_where.notes, *item_notes))
            self._dispatch(task, module, item_scope, item_where, state, suffix)

    @staticmethod
    def _register(task: dict[Any, Any], state: HostState) -> None:
        if task.get("register"):
            state.facts[str(task["register"])] = Unknown(
                f"'{task['register']}' is the result of a task, known only when it runs")

    def _dispatch(self, task: dict[Any, Any], module: str, scope: Scope, where: Where,
                  state: HostState, suffix: str) -> None:
        name = short_name(module)
        variables = self._variables(scope)
        raw = module_args(task, module)
        if name in INCLUDE_TASKS:
            target = template(raw.get("file") or raw.get("_raw_params"), variables)
            self._include_tasks(target, task, scope, where, state)
        elif name in INCLUDE_ROLE:
            args = template(raw, variables)
            params = dict(task.get("vars") or {})
            self.role(args.get("name"), scope.without_levels(
                level.ROLE_DEFAULTS, level.ROLE_VARS, level.ROLE_PARAMS, level.TASK_VARS),
                where, state, params, str(args.get("tasks_from") or "main"),
                str(args.get("vars_from") or "main"), str(args.get("defaults_from") or "main"),
                origin_line=line_of(task))
        elif name == "set_fact":
            values = template({key: value for key, value in raw.items() if key != "cacheable"},
                              variables)
            self._assign(state.facts, values, where, variables)
        elif name == "include_vars":
            self._include_vars(template(raw, variables), where, state, variables)
        else:
            args = {key: value for key, value in template(raw, variables).items()
                    if value != OMIT}
            self.sink(TaskRun(
                module=name, args=args, origin=self._origin(task, where, module, suffix),
                notes=list(where.notes), variables=variables, task_dir=where.file.parent,
                search=self._search_path(where), arg_lines=_arg_lines(task, module),
                host=where.host, playbook_dir=where.playbook_dir))

    def _assign(self, target: dict[str, Any], values: dict[str, Any], where: Where,
                variables: Variables) -> None:
        """A task that may not run leaves a variable either as it was or as it sets it."""
        for key, value in values.items():
            if where.notes and key in variables and template(
                    "{{ %s }}" % key, variables) != value:  # noqa: UP031 - Jinja, not Python
                target[key] = Unknown(f"'{key}' is set by a task that may not run")
            else:
                target[key] = value

    def _include_vars(self, args: Any, where: Where, state: HostState,
                      variables: Variables) -> None:
        if isinstance(args, dict):
            name = args.get("file") or args.get("dir") or args.get("_raw_params")
            namespace = args.get("name")
        else:
            name, namespace = args, None
        if not isinstance(name, str):
            return
        base = where.role_dir / "vars" if where.role_dir else where.file.parent
        path = base / name if (base / name).exists() else where.file.parent / name
        loaded = self.documents.vars_file(path)
        if isinstance(namespace, str):
            loaded = {namespace: loaded}
        self._assign(state.included, loaded, where, variables)

    def _include_tasks(self, target: Any, task: dict[Any, Any], scope: Scope, where: Where,
                       state: HostState) -> None:
        if not isinstance(target, str):
            self._note(where.file, line_of(task), "included task file cannot be determined "
                       "statically; its tasks are not checked")
            return
        search = [where.file.parent]
        if where.role_dir is not None:
            search.insert(0, where.role_dir / "tasks")
        path = find_file(target, search)
        if path is None or not self.documents.inside(path) or where.depth > DEEPEST_INCLUDE:
            self._note(where.file, line_of(task), f"included task file {target!r} is not in "
                       "the scanned tree; its tasks are not checked")
            return
        self.task_file(path, scope, replace(where, file=path, depth=where.depth + 1), state)

    def _loop(self, task: dict[Any, Any], scope: Scope, module: str, where: Where
              ) -> list[tuple[Scope, tuple[str, ...], str]]:
        loop_key = next((key for key in task if key == "loop" or key.startswith("with_")), None)
        if loop_key is None:
            return [(scope, (), "")]
        control = task.get("loop_control") or {}
        loop_var = control.get("loop_var", "item") if isinstance(control, dict) else "item"
        if loop_key == "with_fileglob":
            items = fileglob_items(template(task[loop_key], self._variables(scope)),
                                   self._search_path(where), self.documents)
        else:
            items = loop_items(loop_key, task[loop_key], self._variables(scope))
        if is_unknown(items):
            unknown_item = {loop_var: items}
            return [(scope.with_layer(level.LOOP_VARIABLE, unknown_item),
                     (f"loop items unknown: {items.reason}",), "")]
        if len(items) > LONGEST_LOOP:
            items = items[:LONGEST_LOOP]
        return [(scope.with_layer(level.LOOP_VARIABLE, {loop_var: item, "ansible_loop_var":
                                                        loop_var}), (), f"item {index}")
                for index, item in enumerate(items)]

    # ---- helpers -----------------------------------------------------------------------------

    def _variables(self, scope: Scope) -> Variables:
        return Variables(HostOnly(scope.merged()))

    def _when(self, task: dict[Any, Any], scope: Scope) -> bool | Unknown:
        if "when" not in task:
            return True
        return condition(task["when"], self._variables(scope))

    @staticmethod
    def _noted(where: Where, verdict: bool | Unknown, when: Any) -> Where:
        """A condition that cannot be decided: the tasks may run, and their findings say so."""
        if is_unknown(verdict):
            return replace(where, notes=(*where.notes, _may_run(verdict)),
                           conditions=(*where.conditions, f"if {_when_text(when)}"))
        return where

    @staticmethod
    def _search_path(where: Where) -> list[Path]:
        paths = []
        if where.role_dir is not None:
            paths += [where.role_dir / "templates", where.role_dir / "files", where.role_dir]
        paths += [where.file.parent / "templates", where.file.parent / "files", where.file.parent]
        if where.playbook_dir is not None:
            paths += [where.playbook_dir / "templates", where.playbook_dir / "files",
                      where.playbook_dir]
        return paths

    @staticmethod
    def _origin(task: dict[Any, Any], where: Where, module: str, suffix: str) -> Origin:
        name = task.get("name")
        label = str(name) if isinstance(name, str) and name else short_name(module)
        if where.role:
            label = f"{where.role}: {label}"
        if suffix:
            label = f"{label} [{suffix}]"
        if where.conditions:
            label = f"{label} ({', '.join(where.conditions)})"
        return Origin(display_path(where.file), line_of(task), end_line_of(task), label)

    def _error(self, path: Path, line: int | None, message: str) -> None:
        self.documents.errors.append(ScanError(display_path(path), line, message))

    def _note(self, path: Path, line: int, message: str) -> None:
        self.documents.notes.append((display_path(path), line, message))


class HostOnly(dict[str, Any]):
    """Merged variables; names only the managed host knows (gathered facts, hostvars) read as
    opaque unknowns rather than as undefined names, and so does any name defined nowhere when
    a variables file encrypted with Ansible Vault is in scope (it may define it)."""

    def __init__(self, merged: dict[str, Any]) -> None:
        super().__init__(merged)
        self.encrypted = encrypted_files(merged)

    def __contains__(self, key: object) -> bool:
        return dict.__contains__(self, key) or _host_only(key) or self._perhaps_encrypted(key)

    def __getitem__(self, key: str) -> Any:
        if dict.__contains__(self, key):
            return dict.__getitem__(self, key)
        if _host_only(key):
            return opaque(f"'{key}' is known only on the managed host")
        if self._perhaps_encrypted(key):
            return perhaps_defined(
                f"'{key}' is defined nowhere dicomguard can read; it may be defined in "
                f"{', '.join(self.encrypted)}, encrypted with Ansible Vault")
        raise KeyError(key)

    def _perhaps_encrypted(self, key: object) -> bool:
        return bool(self.encrypted) and isinstance(key, str) and \
            key not in environment().globals


def _host_only(name: object) -> bool:
    return isinstance(name, str) and (name.startswith(HOST_ONLY_PREFIXES)
                                      or name in HOST_ONLY_NAMES)


def _arg_lines(task: dict[Any, Any], module: str) -> dict[str, int]:
    """Line of each argument's key, and of each `env` variable as `env.NAME`."""
    lines: dict[str, int] = {}
    for args in (task.get(module), task.get("args")):
        lines.update(getattr(args, "key_lines", {}) or {})
        environment = args.get("env") if isinstance(args, dict) else None
        lines.update({f"env.{key}": line for key, line in
                      (getattr(environment, "key_lines", {}) or {}).items()})
    return lines


def _prompted(prompts: Any) -> dict[str, Unknown]:
    """vars_prompt: typed in when the play starts."""
    names = [prompt.get("name") for prompt in prompts or [] if isinstance(prompt, dict)]
    return {name: Unknown(f"'{name}' is typed in when the play runs (vars_prompt)")
            for name in names if isinstance(name, str)}


def _when_text(when: Any) -> str:
    text = " and ".join(map(str, when)) if isinstance(when, list) else str(when)
    text = " ".join(text.split())
    return text if len(text) <= 80 else text[:77] + "..."


def _may_run(verdict: Unknown) -> str:
    return f"may run: {verdict.reason}"


def module_of(task: dict[Any, Any]) -> str | None:
    """The module a task calls: its one key that is not a task keyword."""
    for key in task:
        if isinstance(key, str) and key not in TASK_KEYWORDS:
            return key
    action = task.get("action") or task.get("local_action")
    if isinstance(action, dict):
        return str(action.get("module")) if action.get("module") else None
    if isinstance(action, str) and action.strip():
        return action.split()[0]
    return None


def module_args(task: dict[Any, Any], module: str) -> dict[str, Any]:
    """Arguments from the dict form, the `k=v` free form and `args:`."""
    value = task.get(module)
    if module not in task:
        action = task.get("action") or task.get("local_action")
        if isinstance(action, dict):
            value = {key: item for key, item in action.items() if key != "module"}
        elif isinstance(action, str):
            value = action.split(None, 1)[1] if " " in action.strip() else None
    args: dict[str, Any] = {}
    if isinstance(value, dict):
        args.update(value)
    elif isinstance(value, str):
        args.update(free_form(value))
    if isinstance(task.get("args"), dict):
        args.update(task["args"])
    return args


def free_form(text: str) -> dict[str, Any]:
    """`src=a dest=b` -> {"src": "a", "dest": "b"}; other words form `_raw_params`."""
    try:
        words = shlex.split(text)
    except ValueError:
        return {"_raw_params": text}
    args: dict[str, Any] = {}
    raw = []
    for word in words:
        key, equals, value = word.partition("=")
        if equals and key.isidentifier():
            args[key] = value
        else:
            raw.append(word)
    if raw:
        args["_raw_params"] = " ".join(raw)
    return args


def fileglob_items(patterns: Any, search: list[Path], documents: Documents
                   ) -> list[Any] | Unknown:
    """`with_fileglob`: the files of the scanned tree each pattern matches, looked up as
    Ansible looks them up (in the first `files/` directory of the search path, then the others,
    that holds the pattern's directory), in name order. A pattern outside the tree, or a file
    it matches outside the tree, is not known."""
    if is_unknown(patterns):
        return patterns
    found: list[Any] = []
    for pattern in patterns if isinstance(patterns, list) else [patterns]:
        if not isinstance(pattern, str) or Path(pattern).is_absolute():
            return Unknown(f"with_fileglob {pattern!r} looks outside the scanned tree")
        folder = str(Path(pattern).parent)
        bases = [d for d in search if d.name == "files"] + [d for d in search if d.name != "files"]
        base = next((d for d in bases if (d / folder).is_dir()), None)
        if base is None:
            continue
        for match in sorted(base.glob(pattern)):
            if not documents.inside(match):
                return Unknown(f"with_fileglob {pattern!r} matches {match.name} outside the "
                               "scanned tree")
            if match.is_file():
                found.append(str(match))
    return found


def loop_items(kind: str, value: Any, variables: Variables) -> list[Any] | Unknown:
    items = template(value, variables)
    if is_unknown(items):
        return items
    if kind in {"with_dict"}:
        if not isinstance(items, dict):
            return Unknown(f"{kind} needs a mapping")
        return [{"key": key, "value": item} for key, item in items.items()]
    if kind == "with_indexed_items" and isinstance(items, list):
        return [[index, item] for index, item in enumerate(items)]
    if kind in {"with_nested", "with_cartesian", "with_together", "with_subelements",
                "with_sequence"}:
        try:
            return loop_of(kind, items)
        except LoopError as error:
            return Unknown(str(error))
    if kind in {"with_first_found", "with_random_choice", "with_lines"}:
        return Unknown(f"{kind} loops depend on the controller's files or run time and are "
                       "not evaluated")
    if isinstance(items, str):
        items = [items]
    if not isinstance(items, list):
        return Unknown(f"{kind} over a {type(items).__name__}")
    if kind in {"with_items", "with_flattened"}:
        flat: list[Any] = []
        for item in items:
            flat.extend(item if isinstance(item, list) else [item])
        return flat
    return items
