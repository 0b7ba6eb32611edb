"""Load a Terraform configuration: parse every file once, group files into modules (one per
directory), find the root modules, and evaluate each root with its variables, expanding
modules, count, for_each and dynamic blocks into resource instances (see instance.py)."""

from __future__ import annotations

import gc
import os
from collections.abc import Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from dicomguard.facts import note
from dicomguard.model import InputError, Origin, ScanError, SourceFile
from dicomguard.real_paths import real_directory
from dicomguard.regular_files import read_regular_text
from dicomguard.sources import ScanContext
from dicomguard.terraform import parsed_files
from dicomguard.terraform.evaluated import Configuration, Resource
from dicomguard.terraform.files import Confinement, FileAccess
from dicomguard.terraform.instance import ModuleInstance, ModuleSource, Session
from dicomguard.terraform.syntax import SyntaxBlock
from dicomguard.terraform.variables import root_inputs
from dicomguard.units import isolated, unit_error

MODULE_KINDS = frozenset({"tf", "tf-json"})
DECLARING_BLOCKS = frozenset({"variable", "output", "resource", "data", "module"})
VARIABLE_KINDS = frozenset({"tfvars", "tfvars-json"})
DEEPEST_MODULE_NESTING = 16


def load(files: list[SourceFile], context: ScanContext) -> Configuration:
    # Loading allocates many small objects that all live until the scan ends; the cyclic
    # garbage collector would only walk them again and again (it doubled the load time), and
    # after loading they are frozen out of its reach for the rest of the scan. A scan read unit
    # by unit collects each batch of units' garbage itself (unit_scan.py).
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _load(files, context)
    finally:
        if context.terraform_unit is None:
            gc.freeze()
        if collecting:
            gc.enable()


def _load(files: list[SourceFile], context: ScanContext) -> Configuration:
    configuration = Configuration()
    parsed: dict[Path, list[tuple[SourceFile, SyntaxBlock]]] = {}
    variable_files: dict[Path, list[SourceFile]] = {}
    directories: dict[str, Path] = {}
    overridden = {os.path.dirname(source.path) for source in files if _is_override(source.path)}
    for source in files:
        parent = os.path.dirname(source.path)
        directory = directories.get(parent)
        if directory is None:
            directory = directories[parent] = Path(real_directory(parent))
        if source.kind in VARIABLE_KINDS:
            variable_files.setdefault(directory, []).append(source)
        elif source.kind == "plan":
            _load_plan(source, configuration)
        elif source.kind in MODULE_KINDS:
            unit = context.terraform_unit
            if unit is not None and directory in unit.shared and parent not in overridden:
                body = parsed_files.parsed(source, partial(_parse, source, configuration.errors))
            else:
                body = _parse(source, configuration.errors)
            if body is not None:
                parsed.setdefault(directory, []).append((source, body))
    configuration.sections.files_read = len(configuration.errors)
    variants = {directory: _module_variants(directory, bodies, configuration.notes)
                for directory, bodies in sorted(parsed.items())}
    modules = {directory: found[0] for directory, found in variants.items()}
    confinement = Confinement(context.roots)
    calls = _local_calls(modules)
    cyclic = _cyclic_calls(calls)
    configuration.errors.extend(_cycle_errors(calls, cyclic, modules))
    configuration.sections.modules_formed = (len(configuration.errors), len(configuration.notes))
    loader = _ModuleResolver(modules, {id(block) for block in cyclic})
    session = Session(loader.resolve, lambda root: FileAccess(root, confinement),
                      configuration.errors, configuration.notes)
    loader.session = session
    roots = _root_directories(modules, calls, cyclic)
    several = len(roots) > 1
    if context.terraform_unit is not None:  # one unit of a tree read unit by unit
        several = context.terraform_unit.several_roots
        roots = [directory for directory in roots if directory in context.terraform_unit.roots]
    shown = {directory: parent for parent, directory in directories.items()}
    for directory in roots:
        qualifier = f"{shown.get(directory) or '.'}: " if several else ""
        first_file = min(source.path for source, _ in parsed[directory])
        configuration.root_starts.append(len(configuration.resources))
        for module in variants[directory]:
            expand = partial(_root_resources, module, variable_files.get(directory, []),
                             context, session, qualifier)
            configuration.resources.extend(
                isolated(first_file, expand, configuration.errors) or [])
    return configuration


def _root_resources(module: ModuleSource, variable_files: list[SourceFile],
                    context: ScanContext, session: Session, qualifier: str) -> list[Resource]:
    inputs = root_inputs(module, variable_files, context, session)
    return ModuleInstance(module, session, inputs=inputs, qualifier=qualifier).resources()


def _parse(source: SourceFile, errors: list[ScanError]) -> SyntaxBlock | None:
    try:
        text = source.read_text()
    except (OSError, UnicodeDecodeError) as error:
        errors.append(ScanError(source.path, None, f"cannot read: {error}"))
        return None
    try:
        if source.kind == "tf-json":
            from dicomguard.terraform.json_syntax import parse_file as parse_json

            return parse_json(text, source.path)
        from dicomguard.terraform.hcl import parse_file

        return parse_file(text, source.path)
    except InputError as error:
        errors.append(ScanError(source.path, error.line, error.message))
        return None
    except RecursionError:
        errors.append(ScanError(source.path, None, "expressions nest too deeply to be read"))
        return None
    except Exception as error:  # one file's failure costs its own findings only
        errors.append(unit_error(source.path, error))
        return None


def _load_plan(source: SourceFile, configuration: Configuration) -> None:
    from dicomguard.terraform.plan import load_plan

    resources, errors = isolated(source.path, lambda: load_plan(source),
                                 configuration.errors) or ([], [])
    configuration.root_starts.append(len(configuration.resources))
    configuration.resources.extend(resources)
    configuration.errors.extend(errors)


def _is_override(path: str) -> bool:
    name = os.path.basename(path)
    stem = name.removesuffix(".json").removesuffix(".tf")
    return stem == "override" or stem.endswith("_override")


def _declarations(body: SyntaxBlock) -> list[tuple[tuple[str, ...], int]]:
    """What a file declares (kind and name), with lines."""
    found: list[tuple[tuple[str, ...], int]] = []
    for block in body.blocks:
        if block.type == "locals":
            found.extend((("locals", name), attribute.line)
                         for name, attribute in block.attributes.items())
        elif block.type in DECLARING_BLOCKS:
            found.append(((block.type, *block.labels), block.line))
    return found


def _module_variants(directory: Path, bodies: list[tuple[SourceFile, SyntaxBlock]],
                     notes: list[dict[str, Any]]) -> list[ModuleSource]:
    """The module a directory forms. When its files declare the same thing twice, Terraform
    would reject them as one module; they are usually independent samples or variants, so
    each such file is checked as its own module with the directory's other files."""
    owners: dict[tuple[str, ...], set[str]] = {}
    for source, body in bodies:
        if not _is_override(source.path):
            for key, _ in _declarations(body):
                owners.setdefault(key, set()).add(source.path)
    clashing = {path for paths in owners.values() if len(paths) > 1 for path in paths}
    if not clashing:
        return [_module_source(directory, bodies, notes)]
    first = min(clashing)
    notes.append(note(Origin(first, 1, 1, ""), (
        f"{len(clashing)} files in {os.path.dirname(first) or '.'} declare the same blocks, "
        "so Terraform would not accept them as one module; each was checked as its own "
        "module with the directory's other files")))
    shared = [item for item in bodies if item[0].path not in clashing]
    return [_module_source(directory, [*shared, item], notes)
            for item in sorted(bodies, key=lambda item: item[0].path)
            if item[0].path in clashing]


def _module_source(directory: Path, bodies: list[tuple[SourceFile, SyntaxBlock]],
                   notes: list[dict[str, Any]]) -> ModuleSource:
    module = ModuleSource(directory, {}, {}, {}, [], [], [])
    declared: dict[tuple[str, ...], SyntaxBlock] = {}
    ordered = sorted(bodies, key=lambda item: (_is_override(item[0].path), item[0].path))
    for source, body in ordered:
        override = _is_override(source.path)
        for block in body.blocks:
            if block.type == "locals":
                for name, attribute in block.attributes.items():
                    module.locals[name] = (attribute, source.path)
                continue
            if block.type not in DECLARING_BLOCKS:
                continue
            key = (block.type, *block.labels)
            if key in declared and override:
                _merge_override(declared[key], block)
                continue
            if key in declared:
                entry = note(Origin(source.path, block.line, block.end_line, ".".join(key[1:])),
                             f"{block.type} {'.'.join(block.labels)} is declared twice; both "
                             "are checked")
                if entry not in notes:
                    notes.append(entry)
                if block.type in {"resource", "data"}:
                    _add_block(module, block)
                continue
            declared[key] = block
            _add_block(module, block)
    return module


def _merge_override(original: SyntaxBlock, override: SyntaxBlock) -> None:
    """https://developer.hashicorp.com/terraform/language/files/override: attributes replace
    attributes, nested blocks replace all nested blocks of the same type."""
    original.attributes.update(override.attributes)
    replaced = {block.type for block in override.blocks}
    original.blocks = [block for block in original.blocks if block.type not in replaced]
    original.blocks.extend(override.blocks)


def _add_block(module: ModuleSource, block: SyntaxBlock) -> None:
    labels = block.labels
    if block.type == "variable" and len(labels) == 1:
        module.variables[labels[0]] = block
    elif block.type == "output" and len(labels) == 1:
        module.outputs[labels[0]] = block
    elif block.type == "resource" and len(labels) == 2:
        module.resources.append(block)
    elif block.type == "data" and len(labels) == 2:
        module.data.append(block)
    elif block.type == "module" and len(labels) == 1:
        module.calls.append(block)


def literal_source(block: SyntaxBlock) -> str | None:
    attribute = block.attributes.get("source")
    if attribute is None or attribute.expression[0] != "lit":
        return None
    value = attribute.expression[1]
    return value if isinstance(value, str) else None


def is_local_source(source: str) -> bool:
    return source.startswith(("./", "../", ".\\", "..\\")) or source in {".", ".."}


Call = tuple[SyntaxBlock, Path]  # a module block and the scanned directory it calls


def _local_calls(modules: dict[Path, ModuleSource]) -> dict[Path, list[Call]]:
    """Each directory's calls of local modules that are among the scanned directories."""
    calls: dict[Path, list[Call]] = {}
    for directory, module in modules.items():
        for block in module.calls:
            source = literal_source(block)
            if source and is_local_source(source):
                target = _directory_of(directory, source, modules)
                if target in modules:
                    calls.setdefault(directory, []).append((block, target))
    return calls


def _cyclic_calls(calls: dict[Path, list[Call]]) -> list[SyntaxBlock]:
    """Module blocks whose call leads back to the calling directory (Terraform rejects such a
    configuration: it would nest without end)."""
    component = strongly_connected(calls)
    return [block for caller, edges in calls.items() for block, target in edges
            if component[caller] == component[target]]


def strongly_connected(calls: Mapping[Path, Sequence[tuple[object, Path]]]) -> dict[Path, int]:
    """Tarjan's algorithm, iterative: the component number of every directory."""
    nodes = set(calls) | {target for edges in calls.values() for _, target in edges}
    index: dict[Path, int] = {}
    lowest: dict[Path, int] = {}
    component: dict[Path, int] = {}
    stack: list[Path] = []
    for start in sorted(nodes):
        if start in index:
            continue
        work = [(start, iter([target for _, target in calls.get(start, [])]))]
        index[start] = lowest[start] = len(index)
        stack.append(start)
        while work:
            node, successors = work[-1]
            advanced = False
            for target in successors:
                if target not in index:
                    index[target] = lowest[target] = len(index)
                    stack.append(target)
                    work.append((target, iter([t for _, t in calls.get(target, [])])))
                    advanced = True
                    break
                if target in stack and target not in component:
                    lowest[node] = min(lowest[node], index[target])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                lowest[parent] = min(lowest[parent], lowest[node])
            if lowest[node] == index[node]:
                while True:
                    member = stack.pop()
                    component[member] = index[node]
                    if member == node:
                        break
    return component


def _cycle_errors(calls: dict[Path, list[Call]], cyclic: list[SyntaxBlock],
                  modules: dict[Path, ModuleSource]) -> list[ScanError]:
    errors = []
    for block in cyclic:
        source = literal_source(block)
        chain = [block.file] + [edge[0].file for edge in _path_back(calls, block, modules)]
        errors.append(ScanError(block.file, block.line, (
            f"module {block.labels[0]!r} (source {source!r}) leads back to the module that "
            f"calls it ({' -> '.join(chain)}): a module cycle, which Terraform rejects; the "
            "call is not followed")))
    return errors


def _path_back(calls: dict[Path, list[Call]], block: SyntaxBlock,
               modules: dict[Path, ModuleSource]) -> list[Call]:
    """The calls from the module `block` calls back to the directory holding `block`."""
    start = Path(os.path.dirname(os.path.abspath(block.file))).resolve()
    source = literal_source(block) or ""
    first = _directory_of(start, source, modules)
    paths: dict[Path, list[Call]] = {first: []}
    frontier = [first]
    while frontier and start not in paths:
        node = frontier.pop(0)
        for edge in calls.get(node, []):
            if edge[1] not in paths:
                paths[edge[1]] = [*paths[node], edge]
                frontier.append(edge[1])
    return paths.get(start, []) if first != start else []


def _root_directories(modules: dict[Path, ModuleSource], calls: dict[Path, list[Call]],
                      cyclic: list[SyntaxBlock]) -> list[Path]:
    """Directories no other scanned directory calls as a local module (a call that closes a
    module cycle does not count); downloaded modules (under .terraform) are only ever evaluated
    through their callers."""
    skipped = {id(block) for block in cyclic}
    called = {target for edges in calls.values() for block, target in edges
              if id(block) not in skipped}
    return [directory for directory in modules
            if directory not in called and ".terraform" not in directory.parts]


def _directory_of(caller: Path, source: str, modules: dict[Path, ModuleSource]) -> Path:
    """The directory a local source names; caller is already resolved, so a lexical join is
    the answer unless a symbolic link is on the way."""
    joined = Path(os.path.normpath(os.path.join(caller, source)))
    return joined if joined in modules else (caller / source).resolve()


class _ModuleResolver:
    """Finds the module a `module` block calls: a local directory, or a copy downloaded by
    terraform init (.terraform/modules/modules.json). Never downloads anything."""

    def __init__(self, modules: dict[Path, ModuleSource], cyclic: set[int]) -> None:
        self.modules = modules
        self.cyclic = cyclic  # ids of module blocks that close a cycle: never followed
        self.session: Session | None = None
        self._manifests: dict[Path, dict[str, str]] = {}
        self._directories: dict[tuple[Path, str], Path] = {}

    def resolve(self, caller: ModuleInstance, block: SyntaxBlock) -> ModuleSource | None:
        assert self.session is not None
        name = block.labels[0]
        address = f"{caller.call_prefix()}module.{name}"
        origin = Origin(block.file, block.line, block.end_line, address)
        if caller.depth >= DEEPEST_MODULE_NESTING:
            self.session.note(origin, f"{address}: modules nest too deeply; not followed")
            return None
        source = literal_source(block)
        if source is None:
            self.session.error(block.file, block.line, f"module {name!r} needs a literal source")
            return None
        if is_local_source(source):
            if id(block) in self.cyclic:
                return None
            target = self._local_directory(caller.source.absolute, source)
            found = self.modules.get(target)
            if found is None:
                self.session.note(origin, f"{address}: local module {source!r} is not among "
                                          "the scanned files; its resources are not checked")
            return found
        manifest = self._manifest(caller.root.source.absolute)
        downloaded = manifest.get(".".join((*caller.call_path, name)))
        if downloaded is not None:
            found = self.modules.get((caller.root.source.absolute / downloaded).resolve())
            if found is not None:
                return found
        self.session.note(origin, f"{address}: module {source!r} is not downloaded (run "
                                  "terraform init to include it); its resources are not checked")
        return None

    def _local_directory(self, caller: Path, source: str) -> Path:
        key = (caller, source)
        if key not in self._directories:
            self._directories[key] = _directory_of(caller, source, self.modules)
        return self._directories[key]

    def _manifest(self, root: Path) -> dict[str, str]:
        if root not in self._manifests:
            self._manifests[root] = _read_manifest(root / ".terraform" / "modules"
                                                   / "modules.json")
        return self._manifests[root]


def _read_manifest(path: Path) -> dict[str, str]:
    import json

    try:
        document = json.loads(read_regular_text(path))
    except (OSError, ValueError):
        return {}
    entries = document.get("Modules", []) if isinstance(document, dict) else []
    return {entry["Key"]: entry["Dir"] for entry in entries
            if isinstance(entry, dict) and isinstance(entry.get("Key"), str)
            and isinstance(entry.get("Dir"), str)}
