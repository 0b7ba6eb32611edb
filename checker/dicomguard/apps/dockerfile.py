"""What a compose service's `build:` produces, read from its Dockerfile and never built: the
image its final stage starts from (ARG defaults and build args in FROM, stages built on earlier
stages), the files it COPYs or ADDs from the build context, and its CMD.

Nothing is fetched: an ADD of a URL, a context that is a URL, or a source outside the scanned
tree is named, never read.
"""

from __future__ import annotations

import json
import posixpath
import re
from pathlib import Path
from typing import Any

from dicomguard.apps.placed_files import PlacedFile, within_roots
from dicomguard.model import Unknown, is_unknown
from dicomguard.records import field, record
from dicomguard.regular_files import read_regular_text

_INSTRUCTION = re.compile(r"^\s*(?P<word>[A-Za-z]+)\s*(?P<rest>.*)$", re.DOTALL)
_FLAG = re.compile(r"^--(?P<name>[a-z-]+)(?:=(?P<value>\S*))?$")
_REMOTE = re.compile(r"^(?:[a-z][a-z0-9+.-]*://|git@)", re.IGNORECASE)


@record
class Stage:
    base: Any  # an image reference, an earlier stage's name, or Unknown
    line: int
    name: str | None = None
    copies: list[PlacedFile] = field(default_factory=list)
    command: list[str] | None = None
    workdir: str = "/"


@record
class BuiltImage:
    """The image a build produces, where its FROM is, and what it places in the container."""

    image: Any  # str or Unknown
    file: str
    line: int
    placed: list[PlacedFile] = field(default_factory=list)
    command: list[str] | None = None
    notes: list[tuple[str, int, str]] = field(default_factory=list)  # (file, line, message)


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """Instructions with their first line; continuation lines joined, comments dropped."""
    found: list[tuple[int, str]] = []
    current, start = "", 0
    for number, raw in enumerate(text.splitlines(), 1):
        stripped = raw.strip()
        if stripped.startswith("#") or (not stripped and current):
            continue
        if not current:
            start = number
        if stripped.endswith("\\"):
            current += stripped[:-1] + " "
            continue
        current += stripped
        if current.strip():
            found.append((start, current))
        current = ""
    if current.strip():
        found.append((start, current))
    return found


def _words(rest: str) -> list[str]:
    """An instruction's arguments, in JSON (exec) form or shell form."""
    if rest.startswith("["):
        try:
            parsed = json.loads(rest)
        except ValueError:
            return rest.split()
        if isinstance(parsed, list):
            return [str(word) for word in parsed]
    return rest.split()


def _substitute(text: str, args: dict[str, str]) -> Any:
    from dicomguard.apps.compose import interpolate

    return interpolate(text, args)


def _copy(stage: Stage, word: str, rest: str, line: int, context: Path, file: str,
          roots: list[str], notes: list[tuple[str, int, str]]) -> None:
    words = _words(rest)
    flags = {}
    while words and (flag := _FLAG.match(words[0])):
        flags[flag.group("name")] = flag.group("value") or ""
        words = words[1:]
    if len(words) < 2:
        return
    *sources, destination = words
    if not destination.startswith("/"):
        destination = posixpath.join(stage.workdir, destination)
    into_directory = destination.endswith("/") or len(sources) > 1
    for source in sources:
        target = posixpath.join(destination, posixpath.basename(source.rstrip("/"))) \
            if into_directory else destination
        if "from" in flags:
            stage.copies.append(PlacedFile(target, None,
                                           f"{source} copied from {flags['from']}"))
            continue
        if word == "ADD" and _REMOTE.match(source):
            stage.copies.append(PlacedFile(target, None, f"{source}, which is never fetched"))
            continue
        host = (context / source).resolve()
        if not within_roots(host, roots) or not host.resolve().is_relative_to(
                context.resolve()):
            notes.append((file, line, f"{word} {source}: outside the scanned tree, not read"))
            stage.copies.append(PlacedFile(target, None, f"{source}"))
            continue
        matches = sorted(host.parent.glob(host.name)) if any(
            char in source for char in "*?[") else [host]
        for match in matches:
            placed_at = posixpath.join(destination, match.name) \
                if len(matches) > 1 or (into_directory and match.is_file()) else target
            stage.copies.append(PlacedFile(placed_at, match, source))


def read_stages(text: str, context: Path, file: str, roots: list[str],
                build_args: dict[str, str]) -> tuple[list[Stage], list[tuple[str, int, str]]]:
    stages: list[Stage] = []
    notes: list[tuple[str, int, str]] = []
    global_args: dict[str, str] = {}
    for line, instruction in _logical_lines(text):
        match = _INSTRUCTION.match(instruction)
        if not match:
            continue
        word, rest = match.group("word").upper(), match.group("rest").strip()
        if word == "ARG" and not stages:
            for declaration in rest.split():
                name, separator, default = declaration.partition("=")
                if name in build_args:
                    global_args[name] = build_args[name]
                elif separator:
                    global_args[name] = default.strip("\"'")
        elif word == "FROM":
            words = [item for item in rest.split() if not item.startswith("--")]
            if not words:
                continue
            name = words[2] if len(words) >= 3 and words[1].lower() == "as" else None
            stages.append(Stage(_substitute(words[0], global_args), line, name))
        elif not stages:
            continue
        elif word in {"COPY", "ADD"}:
            _copy(stages[-1], word, rest, line, context, file, roots, notes)
        elif word == "WORKDIR":
            stages[-1].workdir = posixpath.join(stages[-1].workdir, rest.strip("\"'"))
        elif word == "CMD":
            stages[-1].command = _words(rest)
    return stages, notes


def _final(stages: list[Stage]) -> tuple[Stage, list[PlacedFile], list[str] | None]:
    """The stage an image starts from, through stages built on earlier ones, with every file
    placed on the way and the last CMD."""
    by_name = {stage.name.lower(): stage for stage in stages if stage.name}
    stage = stages[-1]
    chain = [stage]
    while isinstance(stage.base, str) and stage.base.lower() in by_name and len(chain) <= len(
            stages):
        stage = by_name[stage.base.lower()]
        chain.append(stage)
    placed = [item for link in reversed(chain) for item in link.copies]
    command = next((link.command for link in chain if link.command is not None), None)
    return stage, placed, command


def _build_args(raw: Any) -> dict[str, str]:
    if isinstance(raw, dict):
        return {str(key): str(value) for key, value in raw.items()
                if value is not None and not is_unknown(value)}
    if isinstance(raw, list):
        return dict(str(item).partition("=")[::2] for item in raw if "=" in str(item))
    return {}


def built_image(build: Any, base: Path, roots: list[str], compose_file: str
                ) -> BuiltImage | None:
    """What a compose `build:` (interpolated) produces; None when its Dockerfile cannot be read
    (a note says why)."""
    from dicomguard.discover import display_path

    spec = {"context": build} if isinstance(build, str) else build
    if not isinstance(spec, dict):
        return None
    context_text = spec.get("context", ".")
    if not isinstance(context_text, str) or _REMOTE.match(context_text):
        return BuiltImage(Unknown(f"the build context {context_text!r} is not read"),
                          compose_file, 0)
    context = (base / context_text).resolve()
    inline = spec.get("dockerfile_inline")
    dockerfile_text = spec.get("dockerfile", "Dockerfile")
    dockerfile = (context / str(dockerfile_text)).resolve()
    if isinstance(inline, str):
        text, shown = inline, compose_file
    elif within_roots(dockerfile, roots) and dockerfile.is_file():
        shown = display_path(dockerfile)
        try:
            text = read_regular_text(dockerfile)
        except (OSError, UnicodeDecodeError) as error:
            return BuiltImage(Unknown(f"{shown} cannot be read: {error}"), compose_file, 0)
    else:
        return BuiltImage(Unknown(f"its Dockerfile {dockerfile_text} is not in the scanned tree"),
                          compose_file, 0)
    stages, notes = read_stages(text, context, shown, roots, _build_args(spec.get("args")))
    if not stages:
        return BuiltImage(Unknown(f"{shown} has no FROM"), shown, 1, notes=notes)
    stage, placed, command = _final(stages)
    return BuiltImage(stage.base, shown, stage.line, placed, command, notes)
