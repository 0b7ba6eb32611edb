"""Terraform rewrites that cannot change what is deployed."""

from __future__ import annotations

import re
from collections.abc import Callable

from tests.metamorphic import hcl_rewrite as hcl
from tests.metamorphic.hcl_to_json import NotConvertible, convert
from tests.metamorphic.tree import NotApplicable, Tree, Variant, changed

# Attributes whose list items are an unordered set of ports or addresses.
SET_LIKE = re.compile(r"cidr|port|range|prefix|address|_ips$|ip_ranges|source_tags|protocols")
# Attributes whose literal value a rewrite may move into a variable, tfvars or module input.
MOVABLE = re.compile(r"cidr|port|range|prefix|address|encrypt|public|acl|protocol|https|tls|"
                     r"ssl|access|kms")
RESOURCE_KINDS = {"resource", "data"}


def _tf_sources(tree: Tree) -> dict[str, hcl.Source]:
    sources = {name: hcl.Source(text) for name, text in tree.items() if name.endswith(".tf")}
    if not sources or not all(source.valid for source in sources.values()):
        raise NotApplicable
    return sources


def _rewrite_each(tree: Tree, rewrite: Callable[[hcl.Source], str]) -> Tree:
    sources = _tf_sources(tree)
    return changed(tree, {**tree, **{name: rewrite(source) for name, source in sources.items()}})


def _reverse_blocks(tree: Tree, parent: str) -> Variant:
    """The blocks of every body whose parent node is `parent` in reverse order."""
    def rewrite(source: hcl.Source) -> str:
        def visit(node: hcl.Node, texts: list[str]) -> str | None:
            if node.type == "body" and node.parent.type == parent:
                reordered = hcl.reverse_chosen(node, texts, lambda child: child.type == "block")
                return source.join(node, reordered) if reordered else None
            return None
        return source.render(visit)
    return Variant(_rewrite_each(tree, rewrite))


def reverse_top_blocks(tree: Tree) -> Variant:
    """Resources, variables and the other top-level blocks of each file in reverse order."""
    return _reverse_blocks(tree, "config_file")


def reverse_nested_blocks(tree: Tree) -> Variant:
    """Nested blocks (ingress, dynamic, rule ...) of each block in reverse order."""
    return _reverse_blocks(tree, "block")


def _in_for_each_or_set(source: hcl.Source, collection: hcl.Node) -> bool:
    """A tuple or object that is a for_each collection (directly or through toset/tomap), a
    set-like attribute's list, a variable default, or a local value."""
    node = collection.parent  # collection_value
    expression = node.parent
    if expression.parent.type == "function_arguments":
        call = expression.parent.parent
        if hcl.block_type(source, call) not in {"toset", "tomap"}:
            return False
        expression = call.parent
    attribute = expression.parent
    if attribute.type != "attribute":
        return False
    name = hcl.attribute_name(source, attribute)
    enclosing = attribute.parent.parent
    kind = hcl.block_type(source, enclosing) if enclosing.type == "block" else ""
    if name == "for_each" or kind == "locals":
        return True
    if kind == "variable" and name == "default":
        return True
    return collection.type == "tuple" and bool(SET_LIKE.search(name))


def reverse_collections(tree: Tree) -> Variant:
    """Items of for_each / dynamic collections, port and CIDR lists, variable defaults and
    locals in reverse order."""
    def rewrite(source: hcl.Source) -> str:
        def visit(node: hcl.Node, texts: list[str]) -> str | None:
            if node.type not in {"tuple", "object"} or not _in_for_each_or_set(source, node):
                return None
            wanted = "expression" if node.type == "tuple" else "object_elem"
            reordered = hcl.reverse_chosen(node, texts, lambda child: child.type == wanted)
            return source.join(node, reordered) if reordered else None
        return source.render(visit)
    return Variant(_rewrite_each(tree, rewrite))


def _elements(node: hcl.Node, texts: list[str]) -> list[str]:
    return [text for child, text in zip(node.children, texts, strict=True)
            if child.type == "expression"]


def split_lists(tree: Tree) -> Variant:
    """One-line lists of two or more items written one item per line."""
    def rewrite(source: hcl.Source) -> str:
        def visit(node: hcl.Node, texts: list[str]) -> str | None:
            items = _elements(node, texts) if node.type == "tuple" else []
            one_line = node.start_point[0] == node.end_point[0]
            if len(items) < 2 or not one_line or hcl.has_comment(node):
                return None
            return "[\n" + "".join(f"    {item},\n" for item in items) + "  ]"
        return source.render(visit)
    return Variant(_rewrite_each(tree, rewrite))


def join_lists(tree: Tree) -> Variant:
    """Lists written over several lines, one line items, joined onto one line."""
    def rewrite(source: hcl.Source) -> str:
        def visit(node: hcl.Node, texts: list[str]) -> str | None:
            items = _elements(node, texts) if node.type == "tuple" else []
            several_lines = node.start_point[0] != node.end_point[0]
            if (not items or not several_lines or hcl.has_comment(node)
                    or hcl.has_heredoc(node) or any("\n" in item for item in items)):
                return None
            return "[" + ", ".join(items) + "]"
        return source.render(visit)
    return Variant(_rewrite_each(tree, rewrite))


def _movable_literals(source: hcl.Source, prefix: str, moved: dict[str, str]
                      ) -> str:
    """Replace movable literals of resources with var.<prefix>N; record N -> literal text."""
    def inside_resource(node: hcl.Node) -> bool:
        while node is not None:
            if node.type == "block" and node.parent.parent.type == "config_file":
                return hcl.block_type(source, node) in RESOURCE_KINDS
            node = node.parent
        return False

    def visit(node: hcl.Node, texts: list[str]) -> str | None:
        if node.type != "attribute" or not MOVABLE.search(hcl.attribute_name(source, node)):
            return None
        value = hcl.attribute_value(node)
        if hcl.literal_kind(value) is None or not inside_resource(node):
            return None
        if hcl.has_comment(value) or hcl.literal_kind(value) == "null":
            return None
        name = f"{prefix}{len(moved)}"
        moved[name] = source.text(value)
        return f"{hcl.attribute_name(source, node)} = var.{name}"
    return source.render(visit)


def _move_literals(tree: Tree) -> tuple[Tree, dict[str, str]]:
    sources = _tf_sources(tree)
    moved: dict[str, str] = {}
    rewritten = {name: _movable_literals(source, "mm_literal_", moved)
                 for name, source in sorted(sources.items())}
    if not moved:
        raise NotApplicable
    return {**tree, **rewritten}, moved


def literals_to_variables(tree: Tree) -> Variant:
    """Ports, CIDRs, encryption flags ... moved into variables with those defaults."""
    files, moved = _move_literals(tree)
    declarations = "".join(f'variable "{name}" {{\n  default = {text}\n}}\n\n'
                           for name, text in moved.items())
    return Variant({**files, "mm_literals.tf": declarations})


def literals_to_tfvars(tree: Tree) -> Variant:
    """The same literals given in terraform.tfvars to variables without default."""
    files, moved = _move_literals(tree)
    declarations = "".join(f'variable "{name}" {{}}\n' for name in moved)
    assignments = "".join(f"{name} = {text}\n" for name, text in moved.items())
    existing = files.get("terraform.tfvars", "")
    separator = "\n" if existing and not existing.endswith("\n") else ""
    return Variant({**files, "mm_literals.tf": declarations,
                    "terraform.tfvars": existing + separator + assignments})


MODULE = "m"


def _in_module(address: str) -> str:
    return f"module.{MODULE}.{address}" if address else address


def _wrappable(tree: Tree) -> None:
    _tf_sources(tree)
    if any(name.endswith((".tfvars", ".tfvars.json")) for name in tree):
        raise NotApplicable  # root variable values would no longer reach the module
    if any("path.root" in text or "path.cwd" in text for text in tree.values()):
        raise NotApplicable


def wrap_in_module(tree: Tree) -> Variant:
    """Everything moved into a local module that the root calls: module "m" { source = "./m" }."""
    _wrappable(tree)
    files = {f"{MODULE}/{name}": text for name, text in tree.items()}
    files["main_mm.tf"] = f'module "{MODULE}" {{\n  source = "./{MODULE}"\n}}\n'
    return Variant(files, _in_module)


def literals_to_module_inputs(tree: Tree) -> Variant:
    """Everything moved into a local module; the literals are passed to it as inputs."""
    _wrappable(tree)
    moved_tree, moved = _move_literals(tree)
    files = {f"{MODULE}/{name}": text for name, text in moved_tree.items()}
    files[f"{MODULE}/mm_literals.tf"] = "".join(f'variable "{name}" {{}}\n' for name in moved)
    inputs = "".join(f"  {name} = {text}\n" for name, text in moved.items())
    files["main_mm.tf"] = f'module "{MODULE}" {{\n  source = "./{MODULE}"\n{inputs}}}\n'
    return Variant(files, _in_module)


def split_files_reversed(tree: Tree) -> Variant:
    """Each top-level block in a file of its own, the files named in reverse order."""
    sources = _tf_sources(tree)
    pieces = [(name, source.text(block)) for name, source in sorted(sources.items())
              for block in hcl.blocks(hcl.body_of(source.root) or source.root)]
    if len(pieces) < 2:
        raise NotApplicable
    files = {name: text for name, text in tree.items() if name not in sources}
    for index, (name, text) in enumerate(pieces):
        directory, _, base = name.rpartition("/")
        new_name = f"z{len(pieces) - index:04d}_{base}"
        files[f"{directory}/{new_name}" if directory else new_name] = text + "\n"
    return Variant(files)


UNRELATED_TF = """\
resource "aws_security_group" "mm_unrelated" {
  name = "mm-unrelated"
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["10.0.0.0/8"]
  }
}

resource "aws_cloudwatch_log_group" "mm_unrelated" {
  name              = "mm-unrelated"
  retention_in_days = 7
}

resource "terraform_data" "mm_unrelated" {
  input = local.mm_unrelated
}

locals {
  mm_unrelated = "unrelated"
}

output "mm_unrelated" {
  value = terraform_data.mm_unrelated.output
}
"""


def add_unrelated(tree: Tree) -> Variant:
    """An unrelated file of resources, locals and outputs, and a few non-Terraform files."""
    _tf_sources(tree)
    return Variant({**tree, "mm_unrelated.tf": UNRELATED_TF,
                    "NOTES.md": "# Notes\n\nNothing to deploy here.\n",
                    "scripts/bootstrap.sh": "#!/bin/sh\necho bootstrap\n"})


RESOURCE_LABELS = re.compile(r'^(\s*resource\s+"([\w-]+)"\s+")([\w-]+)(")', re.MULTILINE)


def rename_resources(tree: Tree) -> Variant:
    """Every managed resource renamed <name>_mm, references followed."""
    sources = _tf_sources(tree)
    names = {(match.group(2), match.group(3)) for name in sources
             for match in RESOURCE_LABELS.finditer(tree[name])}
    if not names:
        raise NotApplicable
    files = dict(tree)
    for file in sources:
        text = RESOURCE_LABELS.sub(lambda match: f"{match.group(1)}{match.group(3)}_mm"
                                   f"{match.group(4)}", tree[file])
        for kind, name in names:
            text = re.sub(rf"(?<![\w.-]){re.escape(kind)}\.{re.escape(name)}(?![\w-])",
                          f"{kind}.{name}_mm", text)
        files[file] = text
    patterns = [(re.compile(rf"(^|\.){re.escape(kind)}\.{re.escape(name)}(?=$|\[|\.)"),
                 rf"\g<1>{kind}.{name}_mm") for kind, name in names]

    def renamed(address: str) -> str:
        for pattern, replacement in patterns:
            address = pattern.sub(replacement, address)
        return address
    return Variant(files, renamed)


def to_json_syntax(tree: Tree) -> Variant:
    """Every .tf file rewritten in Terraform's JSON syntax (.tf.json)."""
    sources = _tf_sources(tree)
    files = {name: text for name, text in tree.items() if name not in sources}
    try:
        for name, source in sources.items():
            files[name + ".json"] = convert(source)
    except NotConvertible as reason:
        raise NotApplicable(f"cannot convert: {reason}") from None
    return Variant(files)


TRANSFORMATIONS = {
    "tf-reverse-blocks": reverse_top_blocks,
    "tf-reverse-nested-blocks": reverse_nested_blocks,
    "tf-reverse-collections": reverse_collections,
    "tf-split-lists": split_lists,
    "tf-join-lists": join_lists,
    "tf-literals-to-variables": literals_to_variables,
    "tf-literals-to-tfvars": literals_to_tfvars,
    "tf-literals-to-module-inputs": literals_to_module_inputs,
    "tf-wrap-in-module": wrap_in_module,
    "tf-split-files-reversed": split_files_reversed,
    "tf-add-unrelated": add_unrelated,
    "tf-rename-resources": rename_resources,
    "tf-to-json": to_json_syntax,
}
