"""One instance of a module: its variables, locals, outputs, child module instances and
resource instances, evaluated lazily so that references resolve in any order.

Semantics follow https://developer.hashicorp.com/terraform/language: `count` and `for_each`
(meta-arguments), `dynamic` blocks, module inputs and outputs, references to values.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from dicomguard.limits import LimitExceeded, check_instances, evaluation
from dicomguard.model import InputError, Origin, ScanError, Unknown
from dicomguard.records import record
from dicomguard.terraform.evaluated import Attribute, Block, Reference, Resource
from dicomguard.terraform.expressions import Scope, evaluate, iteration
from dicomguard.terraform.syntax import SyntaxAttribute, SyntaxBlock
from dicomguard.terraform.types import convert
from dicomguard.terraform.values import EvaluationError, Lazy, materialize, to_string
from dicomguard.units import unit_error

RESOURCE_META = frozenset({"count", "for_each", "depends_on", "provider"})
MODULE_META = frozenset({"source", "version", "count", "for_each", "providers", "depends_on"})
LIFECYCLE_REFERENCES = frozenset({"ignore_changes", "replace_triggered_by"})
SINGLE = None  # the instance key of a resource or module without count or for_each


@record
class ModuleSource:
    """The blocks of one module directory, from all its files."""

    absolute: Path  # the directory, resolved
    variables: dict[str, SyntaxBlock]
    locals: dict[str, tuple[SyntaxAttribute, str]]  # with the file that sets each
    outputs: dict[str, SyntaxBlock]
    resources: list[SyntaxBlock]
    data: list[SyntaxBlock]
    calls: list[SyntaxBlock]


class Session:
    """What all module instances of one load share: errors, notes, module resolution."""

    def __init__(self, resolve_call: Callable[[ModuleInstance, SyntaxBlock],
                                               ModuleSource | None], files_for: Any,
                 errors: list[ScanError], notes: list[dict[str, Any]]) -> None:
        self.resolve_call = resolve_call
        self.files_for = files_for
        self.errors = errors  # the Configuration's lists: bodies evaluated later add to them
        self.notes = notes
        self._seen: set[tuple[str, int | None, str]] = set()

    def error(self, file: str, line: int | None, message: str) -> None:
        key = (file, line, message)
        if key not in self._seen:
            self._seen.add(key)
            self.errors.append(ScanError(file, line, message))

    def note(self, origin: Origin, message: str) -> None:
        from dicomguard.facts import note

        key = (origin.file, origin.line, message)
        if key not in self._seen:
            self._seen.add(key)
            self.notes.append(note(origin, message))


def _key_suffix(key: Any) -> str:
    if key is SINGLE:
        return ""
    if isinstance(key, Unknown):
        return "[*]"
    if isinstance(key, int):
        return f"[{key}]"
    return '["' + str(key).replace('"', '\\"') + '"]'


class ModuleInstance:
    def __init__(self, source: ModuleSource, session: Session, *, address: str = "",
                 inputs: dict[str, Callable[[], Any]] | None = None,
                 root: ModuleInstance | None = None, call_path: tuple[str, ...] = (),
                 depth: int = 0, speculative: bool = False, qualifier: str = "") -> None:
        self.source = source
        self.session = session
        self.address = address
        # For a root module when several roots are loaded: prefixed to its modules' addresses
        # ("envs/prod: module.pacs..."), since one module called from two roots would otherwise
        # give two resources the same address, file and line.
        self.qualifier = qualifier
        self.inputs = inputs or {}
        self.root = root or self
        self.call_path = call_path
        self.depth = depth
        self.files = session.files_for(self.root.source.absolute)
        self.scope = Scope({}, self.lookup, self.files, speculative)
        self._memo: dict[tuple[str, str], Any] = {}
        self._resource_groups: dict[tuple[str, str], ResourceGroup] = {}
        self._calls: dict[str, ModuleCall] = {}
        self._data_groups: dict[tuple[str, str], ResourceGroup] = {}
        self._all_groups: list[ResourceGroup] = []
        for block in source.data:
            if len(block.labels) == 2:
                group = ResourceGroup(self, block, mode="data")
                self._all_groups.append(group)
                self._data_groups.setdefault((block.labels[0], block.labels[1]), group)
        for block in source.resources:
            if len(block.labels) == 2:
                group = ResourceGroup(self, block)
                self._all_groups.append(group)
                self._resource_groups.setdefault((block.labels[0], block.labels[1]), group)
        self._resource_types = {type_name for type_name, _ in self._resource_groups}
        self._names = self._top_level_names()

    # Evaluation with errors reported, never raised

    def evaluate(self, attribute: SyntaxAttribute, file: str, scope: Scope | None = None) -> Any:
        scope = scope or self.scope
        try:
            with evaluation(attribute.name):
                return evaluate(attribute.expression, scope)
        except EvaluationError as error:
            line = error.line or attribute.line
            if error.malformed:
                self.session.error(file, line, error.message)
            elif not scope.speculative:
                # What the values met makes Terraform fail here (a null interpolated, a missing
                # key); often a library module evaluated with its placeholder defaults.
                self.session.note(Origin(file, line, attribute.end_line, ""),
                                  f"{attribute.name} cannot be evaluated: {error.message}")
            return Unknown(f"{attribute.name} could not be evaluated: {error.message}")
        except RecursionError:
            self.session.error(file, attribute.line, "expression nests too deeply")
            return Unknown(f"{attribute.name} nests too deeply")
        except (InputError, ArithmeticError, ValueError, MemoryError) as error:
            # Past a size limit, or a number no machine can compute: the module is wrong.
            failed = unit_error(file, error, attribute.line)
            self.session.error(file, failed.line, f"{attribute.name}: {failed.message}")
            return Unknown(f"{attribute.name} could not be evaluated: {failed.message}")

    def _memoised(self, kind: str, name: str, compute: Callable[[], Any]) -> Any:
        key = (kind, name)
        if key in self._memo:
            value = self._memo[key]
            if value is _IN_PROGRESS:
                return Unknown(f"{kind}.{name} refers to itself")
            if isinstance(value, _Failed):
                raise value.error  # every later reader fails the same way, at once
            return value
        self._memo[key] = _IN_PROGRESS
        try:
            value = compute()
        except BaseException as error:  # stopped (a limit, a unit's budget): not "refers to itself"
            self._memo[key] = _Failed(error if isinstance(error, Exception) else InputError(
                f"{kind}.{name} was not evaluated: {error}"))
            raise
        self._memo[key] = value
        return value

    # Names

    def _top_level_names(self) -> dict[str, Any]:
        names: dict[str, Any] = {
            "var": Namespace("var", self.variable),
            "local": Namespace("local", self.local),
            "module": Namespace("module", self.module_call),
            "path": {"module": str(self.source.absolute), "root": str(self.root.source.absolute),
                     "cwd": str(self.root.source.absolute)},
            "terraform": {"workspace": "default"},
            "data": Namespace("data", lambda type_name: Namespace(
                f"data.{type_name}", lambda data_name: self._data_value(type_name, data_name))),
        }
        for type_name in self._resource_types:
            names.setdefault(type_name, Namespace(
                type_name, partial(self.resource_group, type_name)))
        return names

    def lookup(self, name: str) -> Any:
        found = self._names.get(name)
        if found is not None:
            return found
        if name == "self":
            return Unknown("self is known only after apply")
        if name in {"count", "each"}:
            raise EvaluationError(f"{name!r} cannot be used here", malformed=True)
        # A resource type this module does not declare: a fragment of a larger configuration.
        # Its attributes are unknown, but references still name the resource.
        return Namespace(name, lambda resource_name: Undeclared(
            f"{self._prefix()}{name}.{resource_name}"),
            f"invalid reference {name!r}: a resource is named by its type and name "
            "(and a bool is written true or false)")

    def variable(self, name: str) -> Any:
        return self._memoised("var", name, lambda: self._variable(name))

    def _variable(self, name: str) -> Any:
        block = self.source.variables.get(name)
        if block is None:
            return Unknown(f"var.{name} is not declared in this module")
        constraint = block.attributes.get("type")
        nullable = block.attributes.get("nullable")
        given = name in self.inputs
        value = self.inputs[name]() if given else None
        never_null = nullable is not None and nullable.expression == ("lit", False)
        if not given or (value is None and never_null):
            # With nullable = false, a null input means "use the default".
            if "default" not in block.attributes:
                return Unknown(f"var.{name} has no value")
            value = self.evaluate(block.attributes["default"], block.file)
        try:
            return convert(value, constraint.expression if constraint else None)
        except EvaluationError as error:
            self.session.error(block.file, block.line,
                               f"invalid value for variable {name!r}: {error.message}")
            return Unknown(f"var.{name} has an invalid value")

    def local(self, name: str) -> Any:
        declared = self.source.locals.get(name)
        if declared is None:
            return Unknown(f"local.{name} is not declared in this module")
        attribute, file = declared
        return self._memoised("local", name, lambda: self.evaluate(attribute, file))

    def output(self, name: str) -> Any:
        block = self.source.outputs.get(name)
        if block is None:
            return Unknown(f"module {self.address} declares no output {name!r}")
        value_attribute = block.attributes.get("value")
        if value_attribute is None:
            return None
        return self._memoised("output", name,
                              lambda: self.evaluate(value_attribute, block.file))

    def outputs(self) -> dict[str, Any]:
        return {name: self.output(name) for name in self.source.outputs}

    def resource_group(self, type_name: str, name: str) -> Any:
        group = self._resource_groups.get((type_name, name))
        if group is None:
            return Undeclared(f"{self._prefix()}{type_name}.{name}")
        return group

    def _data_value(self, type_name: str, name: str) -> Any:
        """A data source: what it reads is unknown (a Reference that names it), but adapters
        may read its arguments (an aws_iam_policy_document's statements)."""
        group = self._data_groups.get((type_name, name))
        if group is None:
            return Undeclared(f"{self._prefix()}data.{type_name}.{name}")
        return group

    def module_call(self, name: str) -> Any:
        call = self._calls.get(name)
        if call is None:
            block = next((block for block in self.source.calls if block.labels == [name]), None)
            if block is None:
                return Unknown(f"module.{name} is not declared in this module")
            call = ModuleCall(self, block)
            self._calls[name] = call
        return call

    def _prefix(self) -> str:
        return f"{self.address}." if self.address else ""

    def call_prefix(self) -> str:
        """What the address of a module this module calls starts with."""
        return f"{self.address}." if self.address else self.qualifier

    # Instances: count and for_each

    def instance_keys(self, block: SyntaxBlock) -> list[Any] | Unknown:
        """The instance keys of a resource or module block: [SINGLE], indexes or keys."""
        try:
            return self._instance_keys(block)
        except LimitExceeded as error:
            self.session.error(block.file, error.line or block.line, error.message)
            return Unknown(error.message)

    def _instance_keys(self, block: SyntaxBlock) -> list[Any] | Unknown:
        count = block.attributes.get("count")
        for_each = block.attributes.get("for_each")
        if count is not None:
            value = self.evaluate(count, block.file)
            if isinstance(value, Unknown):
                return value
            try:
                number = int(value)
            except (TypeError, ValueError, OverflowError):
                self.session.error(block.file, count.line, "count must be a whole number")
                return Unknown("count is not a number")
            return list(range(check_instances(max(number, 0), "count", count.line)))
        if for_each is not None:
            value = self.evaluate(for_each, block.file)
            if isinstance(value, Unknown):
                return value
            if isinstance(value, list | dict):
                check_instances(len(value), "for_each", for_each.line)
            return self._for_each_items(value, block.file, for_each.line)
        return [SINGLE]

    def _for_each_items(self, value: Any, file: str,
                        line: int) -> list[tuple[Any, Any]] | Unknown:
        if isinstance(value, dict):
            return [(key, value[key]) for key in sorted(value)]
        if isinstance(value, list):
            if any(isinstance(item, Unknown) for item in value):
                return Unknown("for_each has unknown elements")
            try:
                keys = sorted({to_string(item) for item in value})
            except EvaluationError:
                self.session.error(file, line, "for_each needs a map or a set of strings")
                return Unknown("for_each is not a map or a set of strings")
            return [(key, key) for key in keys]
        self.session.error(file, line, "for_each needs a map or a set of strings")
        return Unknown("for_each is not a map or a set of strings")

    def instance_scope(self, key: Any, block: SyntaxBlock) -> Scope:
        if key is SINGLE:
            return self.scope
        if isinstance(key, Unknown):
            if "count" in block.attributes:
                return self.scope.child({"count": {"index": key}}, speculative=True)
            return self.scope.child({"each": {"key": key, "value": key}}, speculative=True)
        if isinstance(key, tuple):
            return self.scope.child({"each": {"key": key[0], "value": key[1]}})
        return self.scope.child({"count": {"index": key}})

    # Expansion into resources

    def resources(self) -> list[Resource]:
        found: list[Resource] = []
        for group in self._all_groups:
            found.extend(group.expand())
        for block in self.source.calls:
            if len(block.labels) != 1:
                continue
            for child in self.module_call(block.labels[0]).instances():
                found.extend(child.resources())
        return found

    def build_block(self, syntax: SyntaxBlock, scope: Scope, skip: frozenset[str] = frozenset(),
                    key: str = "") -> Block:
        """The evaluated block. `key` tells apart blocks written at one place: the expansions of
        a `dynamic` block, and what is nested in each of them."""
        attributes: dict[str, Attribute] = {}
        for name, attribute in syntax.attributes.items():
            if name in skip:
                continue
            expression = attribute.expression
            value = (expression[1] if expression[0] == "lit"
                     else self.evaluate(attribute, syntax.file, scope))
            if value is None:
                continue  # null means "not set": the provider's default applies
            attributes[name] = Attribute(name, value, attribute.line, attribute.end_line)
        blocks: list[Block] = []
        sharing_a_line = _blocks_sharing_a_line(syntax.blocks)
        for index, child in enumerate(syntax.blocks):
            child_key = (_joined_key(key, f"{child.type}#{index}") if id(child) in sharing_a_line
                         else key)
            if child.type == "dynamic":
                blocks.extend(self.expand_dynamic(child, scope, child_key))
            elif child.type == "lifecycle":
                # ignore_changes and replace_triggered_by name attributes, not values.
                blocks.append(self.build_block(child, scope, LIFECYCLE_REFERENCES, child_key))
            else:
                blocks.append(self.build_block(child, scope, key=child_key))
        return Block(syntax.type, list(syntax.labels), attributes, blocks, syntax.file,
                     syntax.line, syntax.end_line, key)

    def expand_dynamic(self, dynamic: SyntaxBlock, scope: Scope, key: str = "") -> list[Block]:
        """https://developer.hashicorp.com/terraform/language/expressions/dynamic-blocks"""
        if not dynamic.labels:
            self.session.error(dynamic.file, dynamic.line, "a dynamic block needs a label")
            return []
        label = dynamic.labels[0]
        content = next((block for block in dynamic.blocks if block.type == "content"), None)
        for_each = dynamic.attributes.get("for_each")
        if content is None or for_each is None:
            self.session.error(dynamic.file, dynamic.line,
                               f"dynamic {label!r} needs for_each and a content block")
            return []
        iterator = label
        if "iterator" in dynamic.attributes:
            expression = dynamic.attributes["iterator"].expression
            iterator = expression[1] if expression[0] == "var" else label
        collection = self.evaluate(for_each, dynamic.file, scope)
        if isinstance(collection, Unknown):
            items: list[tuple[Any, Any]] = [(collection, collection)]
        else:
            try:
                items = iteration(collection)
            except EvaluationError as error:
                self.session.note(Origin(dynamic.file, for_each.line, for_each.end_line, ""),
                                  f"dynamic {label!r} cannot be expanded: {error.message}")
                reason = Unknown(f"the for_each of dynamic {label!r} is not a collection")
                items = [(reason, reason)]
        blocks = []
        for item_key, value in items:
            inner = scope.child({iterator: {"key": item_key, "value": value}},
                                speculative=isinstance(collection, Unknown))
            labels: list[str] = []
            if "labels" in dynamic.attributes:
                evaluated = self.evaluate(dynamic.attributes["labels"], dynamic.file, inner)
                if isinstance(evaluated, list):
                    labels = [str(label_value) for label_value in evaluated]
            expansion_key = _joined_key(key, f"{label}[{_iteration_key_text(item_key)}]")
            built = self.build_block(content, inner, key=expansion_key)
            built.type, built.labels = label, labels
            built.line, built.end_line = dynamic.line, dynamic.end_line
            blocks.append(built)
        return blocks


def _joined_key(outer: str, inner: str) -> str:
    return f"{outer}/{inner}" if outer else inner


def _iteration_key_text(key: Any) -> str:
    if isinstance(key, Unknown):
        return "?"
    return json.dumps(key) if isinstance(key, str) else str(key)


def _blocks_sharing_a_line(blocks: list[SyntaxBlock]) -> set[int]:
    """The ids of sibling blocks of one type that start on one line (`ingress {…} ingress {…}`)."""
    starts: dict[tuple[str, int], list[SyntaxBlock]] = {}
    for block in blocks:
        starts.setdefault((block.type, block.line), []).append(block)
    return {id(block) for group in starts.values() if len(group) > 1 for block in group}


_IN_PROGRESS = object()


@record(frozen=True)
class _Failed:
    """A memoised value whose evaluation raised."""

    error: Exception


class Namespace(Lazy):
    """var, local, module, data, or a resource type: a name that must be followed by another."""

    def __init__(self, name: str, member: Callable[[str], Any], misuse: str = "") -> None:
        self.name = name
        self.member = member
        self.misuse = misuse or f"{name} must be followed by a name"

    def attr(self, name: str) -> Any:
        return self.member(name)

    def index(self, key: Any) -> Any:
        raise EvaluationError(f"{self.name} cannot be indexed", malformed=True)

    def resolve(self) -> Any:
        raise EvaluationError(self.misuse, malformed=True)


class Undeclared(Lazy):
    """A resource the module refers to but does not declare (the file is a fragment)."""

    def __init__(self, address: str) -> None:
        self.address = address

    def attr(self, name: str) -> Any:
        return Reference(f"{self.address} is not declared in this module", self.address, name)

    def index(self, key: Any) -> Any:
        return Undeclared(self.address + _key_suffix(key))

    def elements(self) -> list[Any]:
        return [self]

    def resolve(self) -> Any:
        return Reference(f"{self.address} is not declared in this module", self.address, "")


class ResourceGroup(Lazy):
    """A resource block; with count or for_each, a collection of instances."""

    def __init__(self, module: ModuleInstance, block: SyntaxBlock, mode: str = "managed"
                 ) -> None:
        self.module = module
        self.block = block
        self.mode = mode
        self.type, self.name = block.labels
        kind = "data." if mode == "data" else ""
        self.base = f"{module._prefix()}{kind}{self.type}.{self.name}"
        self._keys: list[Any] | Unknown | None = None
        self._instances: dict[Any, ResourceInstance] = {}

    def keys(self) -> list[Any] | Unknown:
        if self._keys is None:
            self._keys = _IN_PROGRESS_KEYS
            self._keys = self.module.instance_keys(self.block)
        if self._keys is _IN_PROGRESS_KEYS:
            return Unknown(f"the count or for_each of {self.base} refers to itself")
        return self._keys

    def instance(self, key: Any) -> ResourceInstance:
        lookup = key[0] if isinstance(key, tuple) else key
        if lookup not in self._instances:
            self._instances[lookup] = ResourceInstance(self, key)
        return self._instances[lookup]

    def all_instances(self) -> list[ResourceInstance]:
        keys = self.keys()
        if isinstance(keys, Unknown):
            return [self.instance(keys)]
        return [self.instance(key) for key in keys]

    def expand(self) -> list[Resource]:
        return [instance.resource() for instance in self.all_instances()]

    def attr(self, name: str) -> Any:
        keys = self.keys()
        if isinstance(keys, Unknown):
            return Reference(f"{self.base}.{name}: {keys.reason}", self.base, name)
        if keys == [SINGLE]:
            return self.instance(SINGLE).attr(name)
        raise EvaluationError(f"{self.base} has several instances; use an index or [*]",
                              malformed=True)

    def index(self, key: Any) -> Any:
        keys = self.keys()
        if isinstance(keys, Unknown):
            return Reference(f"{self.base}: {keys.reason}", self.base, "")
        for candidate in keys:
            if candidate is SINGLE:
                break
            if isinstance(candidate, tuple) and candidate[0] == to_string(key):
                return self.instance(candidate)
            if isinstance(candidate, int) and not isinstance(key, bool) and key == candidate:
                return self.instance(candidate)
        raise EvaluationError(f"{self.base} has no instance {key!r}")

    def elements(self) -> list[Any]:
        return list(self.all_instances())

    def resolve(self) -> Any:
        keys = self.keys()
        if isinstance(keys, Unknown):
            return Reference(f"{self.base}: {keys.reason}", self.base, "")
        if keys == [SINGLE]:
            return self.instance(SINGLE).resolve()
        if keys and isinstance(keys[0], tuple):
            return {key[0]: self.instance(key) for key in keys}
        return [self.instance(key) for key in keys]


_IN_PROGRESS_KEYS: Any = Unknown("in progress")


class ResourceInstance(Lazy):
    def __init__(self, group: ResourceGroup, key: Any) -> None:
        self.group = group
        self.key = key
        self.address = group.base + _key_suffix(key[0] if isinstance(key, tuple) else key)
        self.scope = group.module.instance_scope(key, group.block)
        self._values: dict[str, Any] = {}

    def attr(self, name: str) -> Any:
        attribute = self.group.block.attributes.get(name)
        if attribute is None or name in RESOURCE_META or self.group.mode == "data":
            return Reference(f"{self.address}.{name} is known only after apply", self.address,
                             name)
        if name not in self._values:
            self._values[name] = Reference(f"{self.address}.{name} refers to itself",
                                           self.address, name)
            value = self.group.module.evaluate(attribute, self.group.block.file, self.scope)
            if value is None:
                # Not set: the provider may compute it (an optional and computed attribute).
                value = Reference(f"{self.address}.{name} is known only after apply",
                                  self.address, name)
            self._values[name] = value
        return self._values[name]

    def resolve(self) -> Any:
        return Reference(f"{self.address} is known only after apply", self.address, "")

    def body(self) -> Block:
        return self.group.module.build_block(self.group.block, self.scope, RESOURCE_META)

    def resource(self) -> Resource:
        module = self.group.module
        return Resource(self.address, self.group.type, self.group.name, self.body,
                        module_address=module.address, mode=self.group.mode)


class ModuleCall(Lazy):
    """A module block; with count or for_each, a collection of module instances."""

    def __init__(self, parent: ModuleInstance, block: SyntaxBlock) -> None:
        self.parent = parent
        self.block = block
        self.name = block.labels[0]
        self.base = f"{parent.call_prefix()}module.{self.name}"
        self._instances: dict[Any, ModuleInstance] | None = None
        self._keys: list[Any] | Unknown = []

    def _build(self) -> dict[Any, ModuleInstance]:
        if self._instances is not None:
            return self._instances
        self._instances = {}
        source = self.parent.session.resolve_call(self.parent, self.block)
        if source is None:
            self._keys = Unknown(f"{self.base} is not available to the scan")
            return self._instances
        keys = self.parent.instance_keys(self.block)
        self._keys = keys
        for key in keys if not isinstance(keys, Unknown) else [keys]:
            lookup = key[0] if isinstance(key, tuple) else key
            address = self.base + _key_suffix(lookup)
            scope = self.parent.instance_scope(key, self.block)
            inputs = {name: self._input(attribute, scope)
                      for name, attribute in self.block.attributes.items()
                      if name not in MODULE_META}
            self._instances[lookup] = ModuleInstance(
                source, self.parent.session, address=address, inputs=inputs,
                root=self.parent.root, call_path=(*self.parent.call_path, self.name),
                depth=self.parent.depth + 1, speculative=scope.speculative)
        return self._instances

    def _input(self, attribute: SyntaxAttribute, scope: Scope) -> Callable[[], Any]:
        return lambda: self.parent.evaluate(attribute, self.block.file, scope)

    def instances(self) -> list[ModuleInstance]:
        return list(self._build().values())

    def attr(self, name: str) -> Any:
        instances = self._build()
        if isinstance(self._keys, Unknown):
            return Unknown(f"{self.base}.{name}: {self._keys.reason}")
        if list(instances) == [SINGLE]:
            return instances[SINGLE].output(name)
        raise EvaluationError(f"{self.base} has several instances; use an index",
                              malformed=True)

    def index(self, key: Any) -> Any:
        instances = self._build()
        if isinstance(self._keys, Unknown):
            return Unknown(f"{self.base}: {self._keys.reason}")
        lookup = key if isinstance(key, int) and not isinstance(key, bool) else to_string(key)
        if lookup in instances:
            return ModuleOutputs(instances[lookup])
        raise EvaluationError(f"{self.base} has no instance {key!r}")

    def elements(self) -> list[Any]:
        return [ModuleOutputs(instance) for instance in self._build().values()]

    def resolve(self) -> Any:
        instances = self._build()
        if isinstance(self._keys, Unknown):
            return Unknown(f"{self.base}: {self._keys.reason}")
        if list(instances) == [SINGLE]:
            return instances[SINGLE].outputs()
        return {key: instance.outputs() for key, instance in instances.items()} if any(
            isinstance(key, str) for key in instances) else [
            instance.outputs() for instance in instances.values()]


class ModuleOutputs(Lazy):
    def __init__(self, instance: ModuleInstance) -> None:
        self.instance = instance

    def attr(self, name: str) -> Any:
        return self.instance.output(name)

    def resolve(self) -> Any:
        return materialize(self.instance.outputs())
