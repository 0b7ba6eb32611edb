"""nginx rewrites that change how a configuration is written, not what nginx does: directives
and blocks in another order, locations moved into an included file, a backend moved into an
`upstream` block. Every finding stays the same."""

from __future__ import annotations

import re

from dicomguard.apps.nginx import Directive, parse
from dicomguard.model import InputError
from tests.metamorphic.tree import NotApplicable, Tree, Variant, changed

# Directives whose order among themselves nginx obeys (access rules, the rewrite module).
ORDERED = frozenset({"allow", "deny", "rewrite", "return", "set", "if", "break"})
_UNQUOTED = re.compile(r"^[^\s;{}#\"'\\]+$")
_PROXY_PASS = re.compile(r"proxy_pass\s+http://(?P<host>[A-Za-z0-9_.-]+):(?P<port>\d+)"
                         r"(?P<rest>[^;\s]*);")
_VOLUME = re.compile(r"-\s*\.?/?(?P<source>[\w./-]+):(?P<target>/etc/nginx/[\w./-]+)")


def _configurations(tree: Tree) -> dict[str, list[Directive]]:
    found = {}
    for name, text in tree.items():
        if name.endswith(".conf") and "proxy_pass" in text:
            try:
                found[name] = parse(text, name)[0]
            except InputError:  # not a configuration this rewrite can handle
                continue
    if not found:
        raise NotApplicable
    return found


def _word(text: str) -> str:
    if _UNQUOTED.match(text):
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render(directives: list[Directive], depth: int = 0) -> str:
    indent = "    " * depth
    lines = []
    for directive in directives:
        head = " ".join([directive.name, *(_word(arg) for arg in directive.args)])
        if directive.block is None:
            lines.append(f"{indent}{head};\n")
        else:
            lines.append(f"{indent}{head} {{\n{render(directive.block, depth + 1)}{indent}}}\n")
    return "".join(lines)


def _order_sensitive(directive: Directive) -> bool:
    return directive.name in ORDERED or (directive.name == "location"
                                         and directive.args[:1] != [] and
                                         directive.args[0] in {"~", "~*"})


def _reversed(directives: list[Directive]) -> list[Directive]:
    """Siblings in reverse order, those whose order matters kept in theirs."""
    for directive in directives:
        if directive.block is not None:
            directive.block = _reversed(directive.block)
    result = list(reversed(directives))
    sensitive = iter([item for item in directives if _order_sensitive(item)])
    return [next(sensitive) if _order_sensitive(item) else item for item in result]


def reorder(tree: Tree) -> Variant:
    files = dict(tree)
    for name, directives in _configurations(tree).items():
        files[name] = render(_reversed(directives))
    return Variant(changed(tree, files))


def _mounted_directories(tree: Tree) -> dict[str, str]:
    """Host directories compose mounts under /etc/nginx -> where they appear."""
    found = {}
    for name, text in tree.items():
        if name.endswith((".yml", ".yaml")):
            base = name.rpartition("/")[0]
            for match in _VOLUME.finditer(text):
                source = "/".join(part for part in (base, match.group("source").strip("/"))
                                  if part)
                found[source] = match.group("target").rstrip("/")
    return found


def split_locations(tree: Tree) -> Variant:
    """Each server's locations moved into a file of the same mounted directory, included
    where they were."""
    mounts = _mounted_directories(tree)
    files = dict(tree)
    for name, directives in _configurations(tree).items():
        directory, _, stem = name.rpartition("/")
        if directory not in mounts:
            continue
        for index, server in enumerate(item for item in directives if item.name == "server"):
            locations = [item for item in server.block or [] if item.name == "location"]
            if not locations or server.block is None:
                continue
            moved = f"{stem}.{index}.locations"
            files[f"{directory}/{moved}"] = render(locations)
            server.block = [item for item in server.block if item.name != "location"]
            server.block.append(Directive("include", [f"{mounts[directory]}/{moved}"], name, 0))
        files[name] = render(directives)
    return Variant(changed(tree, files))


def to_upstream(tree: Tree) -> Variant:
    """proxy_pass http://host:port/... becomes proxy_pass http://<upstream>/... with an
    upstream block holding host:port, in the context the location's server sits in."""
    files = dict(tree)
    for name in _configurations(tree):
        text = tree[name]
        upstreams: dict[str, str] = {}

        def named(match: re.Match[str], upstreams: dict[str, str] = upstreams) -> str:
            upstream = f"moved_{match.group('host').replace('.', '_')}_{match.group('port')}"
            upstreams[upstream] = f"{match.group('host')}:{match.group('port')}"
            return f"proxy_pass http://{upstream}{match.group('rest')};"

        rewritten = _PROXY_PASS.sub(named, text)
        if not upstreams:
            continue
        blocks = "".join(f"upstream {upstream} {{\n    server {server};\n}}\n"
                         for upstream, server in upstreams.items())
        http = re.search(r"^http\s*\{\n", rewritten, re.MULTILINE)
        if http:
            rewritten = rewritten[:http.end()] + blocks + rewritten[http.end():]
        elif re.search(r"^(?:events|stream)\b", rewritten, re.MULTILINE):
            continue  # a main file whose servers are not in an http block written here
        else:
            rewritten = blocks + rewritten  # a conf.d file: already inside http
        files[name] = rewritten
    return Variant(changed(tree, files))


def _with_container_name(text: str, service: str, name: str) -> str | None:
    """A compose file's text with `container_name: name` added to service; None when the file
    does not define the service in block style, or already names containers."""
    header = re.search(rf"^(?P<indent> +){re.escape(service)}:[ \t]*\n(?P<inner> +)\S",
                       text, re.MULTILINE)
    if "container_name" in text or header is None or \
            len(header.group("inner")) <= len(header.group("indent")):
        return None
    at = header.start("inner")
    return f"{text[:at]}{header.group('inner')}container_name: {name}\n{text[at:]}"


def to_container_name(tree: Tree) -> Variant:
    """Each backend a proxy_pass names by its compose service is given a container_name, and
    the proxy_pass names it by that instead: Docker's DNS answers to both."""
    files = dict(tree)
    for name in _configurations(tree):
        for host in {match.group("host") for match in _PROXY_PASS.finditer(tree[name])}:
            moved = f"moved-{host}"
            for compose in [item for item in files if item.endswith((".yml", ".yaml"))]:
                named = _with_container_name(files[compose], host, moved)
                if named is not None and "services:" in files[compose]:
                    files[compose] = named
                    files[name] = re.sub(rf"proxy_pass\s+http://{re.escape(host)}:",
                                         f"proxy_pass http://{moved}:", files[name])
                    break
    return Variant(changed(tree, files))


TRANSFORMATIONS = {
    "nginx-backend-to-container-name": to_container_name,
    "nginx-reorder": reorder,
    "nginx-split-locations": split_locations,
    "nginx-to-upstream": to_upstream,
}
