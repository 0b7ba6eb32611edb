"""Files a task deploys (`template`, `copy`) and containers it starts, handed to the families
that understand them (PACS application configs, host firewalls).

An analyser is a module with `analyse_text(kind, text, file, context) -> CollectResult`, found
beside the family's detect module. A family whose analyser is not installed is skipped with a
note. Facts that come back point at the template (or at the task, for inline `content:`) and
name the task.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from typing import Any

from dicomguard.ansible.documents import Documents, find_file
from dicomguard.ansible.evaluate import TaskRun
from dicomguard.ansible.templating import render_file
from dicomguard.discover import display_path
from dicomguard.facts import fact_id
from dicomguard.model import CollectResult, Origin, is_unknown
from dicomguard.sources import ScanContext

HEAD = 4096
UNKNOWN_INTERPOLATION = "${ANSIBLE_VALUE_UNKNOWN_WHEN_SCANNED}"
FACT_KINDS = ("ingress", "storage", "services", "grants")


@dataclass(frozen=True, slots=True)
class Analyser:
    family: str
    detect_module: str
    analyse_module: str


ANALYSERS = (
    Analyser("firewall", "dicomguard.firewall.detect", "dicomguard.firewall.analyse"),
    Analyser("apps", "dicomguard.apps.detect", "dicomguard.apps.analyse"),
)


def _module(name: str) -> Any:
    try:
        return import_module(name)
    except ModuleNotFoundError as error:
        if error.name and name.startswith(error.name):
            return None
        raise


class Deployer:
    def __init__(self, documents: Documents, context: ScanContext, result: CollectResult) -> None:
        self.documents = documents
        self.context = context
        self.result = result

    def handle(self, run: TaskRun) -> None:
        if run.module in {"template", "copy"}:
            self._deployed_file(run)
        elif run.module == "docker_container":
            self._container(run)

    # ---- template / copy ---------------------------------------------------------------------

    def _deployed_file(self, run: TaskRun) -> None:
        dest = run.args.get("dest")
        content = run.args.get("content")
        if run.module == "copy" and content is not None:
            if is_unknown(content):
                self._note(run, f"content deployed to {dest!r} is unknown: {content.reason}")
                return
            text = content if isinstance(content, str) else json.dumps(content, indent=2)
            offset = self._content_offset(run)
            self._analyse(run, text, dest, Path(str(dest)), run.origin.file, offset)
            return
        src = run.args.get("src")
        if not isinstance(src, str) or (is_unknown(dest) or dest is None):
            return
        path = find_file(src, run.search)
        if path is None or not self.documents.inside(path):
            return
        raw = self.documents.text(path)
        if raw is None:
            return
        text: Any = raw
        if run.module == "template":
            text = render_file(raw, run.variables)
        if is_unknown(text):
            if self._kind_of(Path(str(dest)), raw) is not None:
                self._note(run, f"{display_path(path)} deployed to {dest} cannot be rendered: "
                                f"{text.reason}")
            return
        self._analyse(run, text, dest, Path(str(dest)), display_path(path), 0)

    def _content_offset(self, run: TaskRun) -> int:
        """Lines between the top of the task file and line 1 of an inline `content:`."""
        line = run.arg_lines.get("content", run.origin.line)
        text = self.documents.text(run.task_dir / Path(run.origin.file).name) or ""
        lines = text.splitlines()
        block = 0 < line <= len(lines) and lines[line - 1].rstrip().endswith(
            ("|", "|-", "|+", ">", ">-", ">+"))
        return line if block else line - 1

    def _kind_of(self, dest: Path, text: str) -> tuple[Analyser, str] | None:
        for analyser in ANALYSERS:
            detector = _module(analyser.detect_module)
            if detector is None:
                continue
            for candidate in (dest, dest.with_suffix("") if dest.suffix == ".j2" else dest):
                kind = detector.classify(candidate, text[:HEAD])
                if kind:
                    return analyser, kind
        return None

    def _analyse(self, run: TaskRun, text: str, dest: Any, dest_path: Path, file: str,
                 offset: int, keep: tuple[str, ...] = FACT_KINDS) -> None:
        found = self._kind_of(dest_path, text)
        if found is None:
            return
        analyser, kind = found
        module = _module(analyser.analyse_module)
        if module is None:
            self._note(run, f"{dest} is a {analyser.family} file; this installation cannot "
                            f"analyse it")
            return
        analysed: CollectResult = module.analyse_text(kind, text, file, self.context)
        self._adopt(run, analysed, file, offset, keep)

    def _adopt(self, run: TaskRun, analysed: CollectResult, file: str, offset: int,
               keep: tuple[str, ...]) -> None:
        """Point the facts and errors found in a deployed text at their source and task."""
        for error in analysed.errors:
            self.result.errors.append(type(error)(file, (error.line or 1) + offset,
                                                  f"{error.message} (deployed by task "
                                                  f"'{run.origin.address}')"))
        for kind in keep:
            for fact in getattr(analysed.facts, kind):
                self._repoint(fact, run, file, offset)
                getattr(self.result.facts, kind).append(fact)
        self.result.facts.notes.extend(analysed.facts.notes)

    @staticmethod
    def _repoint(fact: dict[str, Any], run: TaskRun, file: str, offset: int) -> None:
        origin = fact["origin"]
        inner = origin.get("address") or ""
        line = int(origin.get("line") or 1) + offset
        end_line = int(origin.get("end_line") or origin.get("line") or 1) + offset
        if offset == 0 and file == run.origin.file:
            line, end_line = run.origin.line, run.origin.end_line
        address = f"{run.origin.address}: {inner}" if inner else run.origin.address
        new_origin = Origin(file, line, end_line, address)
        suffix = str(fact["id"]).partition("#")[2]
        fact["origin"] = new_origin.to_json()
        fact["id"] = fact_id(new_origin, suffix)
        fact["unknown"] = [*fact.get("unknown", []), *run.notes]

    # ---- containers --------------------------------------------------------------------------

    def _container(self, run: TaskRun) -> None:
        """A started container, described as a compose service so the application family
        judges its image and environment. Its ports are already ingress facts here."""
        args = run.args
        if not isinstance(args.get("image"), str):
            return
        service: dict[str, Any] = {"image": args["image"]}
        for source, target in (("env", "environment"), ("published_ports", "ports"),
                               ("network_mode", "network_mode"), ("command", "command")):
            if args.get(source) is not None:
                service[target] = _plain(args[source])
        name = str(args.get("name") or "container")
        compose = json.dumps({"services": {name: service}}, indent=2)
        self._analyse(run, compose, "compose.yaml", Path("compose.yaml"), run.origin.file, 0,
                      keep=("storage", "services", "grants"))

    def _note(self, run: TaskRun, message: str) -> None:
        self.documents.notes.append((run.origin.file, run.origin.line, message))


def _plain(value: Any) -> Any:
    """JSON-ready. An unknown part becomes a compose interpolation, which is what compose
    files use for values known only when they run."""
    if is_unknown(value):
        return UNKNOWN_INTERPOLATION
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value

