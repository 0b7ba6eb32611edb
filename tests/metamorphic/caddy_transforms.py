"""Caddyfile rewrites that change how a configuration is written, not what Caddy does: site
blocks in another order, a site's directives in another order (Caddy sorts them itself, keeping
the written order only among directives of one name and inside `route`), and a site's
directives moved into a snippet it imports. Every finding stays the same."""

from __future__ import annotations

import re

from dicomguard.apps.caddyfile import parse_tree
from dicomguard.apps.nginx import Directive
from dicomguard.model import InputError
from tests.metamorphic.tree import NotApplicable, Tree, Variant, changed

_PLAIN = re.compile(r"^[^\s\"`{}#]+$|^\{[^\s{}]+\}$")
REORDERED_BLOCKS = frozenset({"handle", "handle_path"})


def _is_caddyfile(name: str) -> bool:
    base = name.rpartition("/")[2]
    return base == "Caddyfile" or base.startswith("Caddyfile.") or base.endswith(".caddyfile")


def _configurations(tree: Tree) -> dict[str, list[Directive]]:
    found = {}
    for name, text in tree.items():
        if _is_caddyfile(name) and "reverse_proxy" in text:
            try:
                found[name] = parse_tree(text, name)
            except InputError:
                continue
    if not found:
        raise NotApplicable
    return found


def _word(text: str) -> str:
    if _PLAIN.match(text):
        return text
    return '"' + text.replace('"', '\\"') + '"'


def render(directives: list[Directive], depth: int = 0) -> str:
    indent = "\t" * depth
    lines = []
    for directive in directives:
        head = " ".join(_word(word) for word in [directive.name, *directive.args]
                        if word or directive.name)
        if directive.block is None:
            lines.append(f"{indent}{head}\n")
        else:
            opening = f"{head} {{" if head else "{"
            lines.append(f"{indent}{opening}\n{render(directive.block, depth + 1)}{indent}}}\n")
    return "".join(lines)


def _is_site(directive: Directive) -> bool:
    return directive.block is not None and directive.name != "" and not (
        directive.name.startswith("(") or directive.name.startswith("@"))


def _reversed_body(directives: list[Directive]) -> list[Directive]:
    """Siblings in reverse order, directives of one name kept in theirs."""
    for directive in directives:
        if directive.name in REORDERED_BLOCKS and directive.block is not None:
            directive.block = _reversed_body(directive.block)
    result = list(reversed(directives))
    by_name: dict[str, list[Directive]] = {}
    for directive in directives:
        by_name.setdefault(directive.name, []).append(directive)
    queues = {name: iter(items) for name, items in by_name.items()}
    return [next(queues[item.name]) for item in result]


def reorder(tree: Tree) -> Variant:
    files = dict(tree)
    for name, directives in _configurations(tree).items():
        sites = [item for item in directives if _is_site(item)]
        if not sites or any(item.block is None and item.name != "import"
                            for item in directives):
            continue  # a single site without braces: nothing to reorder at the top
        for site in sites:
            site.block = _reversed_body(site.block or [])
        rest = [item for item in directives if not _is_site(item)]
        files[name] = render(rest + list(reversed(sites)))
    return Variant(changed(tree, files))


def into_snippets(tree: Tree) -> Variant:
    """Each site's directives moved into a snippet defined ahead of the sites, imported where
    they were."""
    files = dict(tree)
    for name, directives in _configurations(tree).items():
        sites = [item for item in directives if _is_site(item)]
        if not sites or any(item.block is None and item.name != "import"
                            for item in directives):
            continue
        snippets = []
        for index, site in enumerate(sites):
            snippet = f"moved_{index}"
            snippets.append(Directive(f"({snippet})", [], name, 0, 0, site.block))
            site.block = [Directive("import", [snippet], name, 0)]
        rest = [item for item in directives if not _is_site(item)]
        files[name] = render(rest + snippets + sites)
    return Variant(changed(tree, files))


TRANSFORMATIONS = {
    "caddy-reorder": reorder,
    "caddy-into-snippets": into_snippets,
}
