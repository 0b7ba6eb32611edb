"""Ansible collector: inventories, then every playbook against each inventory that belongs to
it, then roles and task files no playbook reached (with their own defaults and vars)."""

from __future__ import annotations

import os
from functools import partial
from pathlib import Path

from dicomguard import facts
from dicomguard.ansible import inventory as inventories
from dicomguard.ansible.deploy import Deployer, repository_services
from dicomguard.ansible.detect import is_role_root
from dicomguard.ansible.documents import Documents
from dicomguard.ansible.evaluate import HostState, Runner, TaskRun, Where
from dicomguard.ansible.inventory import Inventory
from dicomguard.ansible.modules import adapt
from dicomguard.ansible.variables import Scope
from dicomguard.ansible.variants import FactVariants
from dicomguard.ansible.zones import ZoneBindings
from dicomguard.apps.containers import ports_of_catalogue
from dicomguard.discover import display_path
from dicomguard.model import CollectResult, Origin, ScanError, SourceFile
from dicomguard.regular_files import read_regular_text
from dicomguard.sources import ScanContext
from dicomguard.units import isolated, unit_error

FACT_KINDS = ("ingress", "storage", "services", "grants")
PARSED_KINDS = frozenset({"playbook", "tasks", "vars", "meta"})


def collect(files: list[SourceFile], context: ScanContext) -> CollectResult:
    result = CollectResult()
    documents = Documents(context.roots)
    host_group_sizes: dict[str, int] = {}
    zones = ZoneBindings()
    variants = FactVariants(host_group_sizes, complete=zones.resolve)
    services = repository_services(context.all_files, documents)
    deployer = Deployer(documents, context, result, variants.add, services)
    catalogue_ports = ports_of_catalogue(context.catalogue)

    def sink(run: TaskRun) -> None:
        variants.ran(run)
        zones.record(run)
        produced = adapt(run, services, catalogue_ports)
        deployer.firewall(run, produced.ingress)
        for kind in FACT_KINDS:
            for fact in getattr(produced, kind):
                variants.add(kind, fact, run)
        deployer.handle(run)

    runner = Runner(documents, sink, extra_vars=dict(
        context.settings.ansible_extra_vars), host_group_sizes=host_group_sizes)
    by_kind: dict[str, list[Path]] = {}
    for source in files:
        by_kind.setdefault(source.kind, []).append(Path(source.path))
    loaded_inventories = _inventories(by_kind.get("inventory", []), result)
    for playbook in by_kind.get("playbook", []):
        configured = documents.ansible_cfg(playbook.parent).get("inventory")
        inventories: list[Inventory | None] = [*_inventories_for(
            documents.resolve(playbook.parent), loaded_inventories, configured)]
        for inventory in inventories or [None]:
            runner.playbook(playbook, inventory)
    _unreached(runner, documents, by_kind)
    deployer.finish()
    result.facts.extend(variants.facts())
    for kind in PARSED_KINDS:
        for path in by_kind.get(kind, []):
            documents.yaml(path)  # report broken files that nothing refers to
    result.errors.extend(documents.errors)
    for file, line, message in dict.fromkeys(documents.notes):
        result.facts.notes.append(facts.note(Origin(file, line, line), message))
    return result


def _inventories(paths: list[Path], result: CollectResult) -> list[Inventory]:
    """One inventory per directory: Ansible reads a directory of inventory files as one."""
    by_directory: dict[Path, Inventory] = {}
    for path in paths:
        directory = path.parent.resolve()
        inventory = by_directory.setdefault(directory, Inventory(str(directory)))
        try:
            text = read_regular_text(path)
            if path.suffix.lower() in {".yml", ".yaml"}:
                inventories.read_yaml(text, inventory)
            else:
                inventories.read_ini(text, inventory)
        except (OSError, UnicodeDecodeError) as error:
            result.errors.append(ScanError(display_path(path), None, f"cannot read: {error}"))
        except Exception as error:  # one inventory file's failure costs its own findings only
            result.errors.append(unit_error(display_path(path), error))
    return list(by_directory.values())


def _inventories_for(base: Path, loaded: list[Inventory],
                     configured: list[Path] | None) -> list[Inventory]:
    """The inventories ansible.cfg names, else those kept in the playbook's project (`base`,
    resolved): its directory or below it."""
    if configured:
        wanted = {path.resolve() if path.is_dir() else path.resolve().parent
                  for path in configured}
        return [inventory for inventory in loaded if Path(inventory.directory) in wanted]
    prefix = str(base).rstrip(os.sep) + os.sep
    return [inventory for inventory in loaded
            if inventory.directory == str(base) or inventory.directory.startswith(prefix)]


def _unreached(runner: Runner, documents: Documents, by_kind: dict[str, list[Path]]) -> None:
    """Roles and task files no playbook used are still checked, each with its role's own
    defaults and vars and nothing else."""
    tasks = by_kind.get("tasks", [])
    roles = dict.fromkeys(role for role in map(_role_of, tasks) if role is not None)
    for role in roles:
        main = runner.role_file(role / "tasks", "main")
        if main is not None and documents.resolve(main) not in documents.reached:
            where = Where(file=role, playbook_dir=_project_of(role))
            isolated(display_path(main), partial(runner.run_role, role, Scope(), where,
                                                 HostState(), {}), documents.errors)
    for path in tasks:
        if documents.resolve(path) in documents.reached:
            continue
        role_dir = _role_of(path)
        scope = runner.role_scope(role_dir, Scope(), {}) if role_dir is not None else Scope()
        where = Where(file=path, role=documents.resolve(role_dir).name if role_dir else "",
                      role_dir=role_dir,
                      playbook_dir=_project_of(role_dir) if role_dir else path.parent)
        isolated(display_path(path), partial(runner.task_file, path, scope, where, HostState()),
                 documents.errors)


def _role_of(path: Path) -> Path | None:
    """The role a task file belongs to: <role> of .../roles/<role>/tasks/..., or a directory
    laid out as a role (a repository that is one role)."""
    parts = path.parts
    for index in range(len(parts) - 3, -1, -1):
        if parts[index] == "roles":
            return Path(*parts[: index + 2])
    return next((ancestor.parent for ancestor in path.parents
                 if ancestor.name == "tasks" and is_role_root(ancestor.parent)), None)


def _project_of(role_dir: Path) -> Path:
    """Where a role's playbooks would be: above its roles/ directory, else the role itself."""
    return role_dir.parent.parent if role_dir.parent.name == "roles" else role_dir
