"""Files a task deploys (`template`, `copy`) and containers it starts, handed to the families
that understand them (PACS application configs, host firewalls).

An analyser is a module with `analyse_text(kind, text, file, context, line_offset)
-> CollectResult` and the KINDS it reads. A family whose analyser is not installed is skipped
with a note. Facts that come back point at the template (or at the task file, for inline
`content:`) and name the task.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from importlib import import_module
from pathlib import Path
from typing import Any

from dicomguard.ansible.detect import is_role_payload
from dicomguard.ansible.documents import Documents, find_file
from dicomguard.ansible.evaluate import TaskRun
from dicomguard.ansible.host_proxies import HostProxies, is_nginx_config
from dicomguard.ansible.host_reach import HostFirewalls
from dicomguard.ansible.modules import published_ports
from dicomguard.ansible.templating import render_file
from dicomguard.discover import display_path
from dicomguard.facts import fact_id
from dicomguard.facts import tristate as facts_tristate
from dicomguard.knowledge import firewalld
from dicomguard.model import CollectResult, Origin, Unknown, is_unknown
from dicomguard.records import record
from dicomguard.sources import ScanContext

HEAD = 4096
ORTHANC_CONFIG_DIR = "/etc/orthanc"
ANSIBLE_KINDS = ("playbook", "tasks", "vars", "meta", "inventory", "template")
FACT_KINDS = ("ingress", "storage", "services", "grants")


@record(frozen=True)
class Analyser:
    family: str
    detect_module: str
    analyse_module: str


ANALYSERS = (
    Analyser("firewall", "dicomguard.firewall.detect", "dicomguard.firewall"),
    Analyser("apps", "dicomguard.apps.detect", "dicomguard.apps.collect"),
)


def define_service(services: firewalld.Services, path: Path, text: str, file: str) -> None:
    """Record a firewalld service XML; one that cannot be read defines nothing (the firewall
    family reports it where it lies)."""
    from defusedxml import ElementTree
    from defusedxml.common import DefusedXmlException

    try:
        root = ElementTree.fromstring(text)
    except (DefusedXmlException, ElementTree.ParseError):
        return
    if root.tag == "service":
        services.define(firewalld.object_name(str(path)), firewalld.service_ports(
            list(root.iter())), file)


def repository_services(files: list[Any], documents: Documents) -> firewalld.Services:
    """The firewalld services the repository defines in services/<name>.xml where they lie."""
    services = firewalld.Services()
    for source in files:
        if source.kind == "firewalld-service" and documents.inside(Path(source.path)):
            try:
                text = Path(source.path).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue  # reported by the firewall family, which reads the file too
            define_service(services, Path(source.path), text, source.path)
    return services


def _module(name: str) -> Any:
    try:
        return import_module(name)
    except ModuleNotFoundError as error:
        if error.name and name.startswith(error.name):
            return None
        raise


class Deployer:
    def __init__(self, documents: Documents, context: ScanContext, result: CollectResult,
                 keep: Callable[[str, dict[str, Any], TaskRun], None],
                 services: firewalld.Services | None = None) -> None:
        self.documents = documents
        self.services = services if services is not None else firewalld.Services()
        self.context = context
        self.result = result
        self.keep = keep  # adds a fact (kind, fact, the task that produced it) to the result
        # Orthanc configs deployed so far: dest on the managed host -> (parsed, template path)
        self.deployed: dict[str, tuple[Any, str]] = {}
        self.consumed: set[str] = set()  # templates read as mounted into a container
        # facts of deployed Orthanc configs, kept until it is known whether a container mounts
        # them: (template, kind, fact, task)
        self._pending: list[tuple[str, str, dict[str, Any], TaskRun]] = []
        self._claimed: set[Path] | None = None  # files other families read themselves
        self.firewalls = HostFirewalls()  # what each host's firewall tasks let in
        self.proxies = HostProxies(self.firewalls)  # nginx and Orthanc on each host

    def handle(self, run: TaskRun) -> None:
        if run.module in {"template", "copy"}:
            self._deployed_file(run)
        elif run.module == "docker_container":
            self._container(run)
        elif run.module in {"docker_compose", "docker_compose_v2"}:
            self._inline_compose(run)
        elif run.module == "k8s":
            self._kubernetes(run)

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
            if isinstance(dest, str) and is_nginx_config(dest):
                self.proxies.nginx(run, dest, "\n" * offset + text, run.origin.file)
                return
            self._analyse(run, text, dest, Path(str(dest)), run.origin.file, offset)
            return
        src = run.args.get("src")
        if not isinstance(src, str) or (is_unknown(dest) or dest is None):
            return
        if run.module == "copy" and facts_tristate(run.args.get("remote_src", False)) is not False:
            return  # the source is a file on the managed host
        path = find_file(src, run.search)
        if path is None or not self.documents.inside(path):
            return
        if run.module == "copy" and self._claimed_elsewhere(path):
            return  # the file is read where it lies, by the family that claimed it
        raw = self.documents.text(path)
        if raw is None:
            return
        deployed = render_file(raw, run.variables) if run.module == "template" else raw
        if is_unknown(deployed):
            if self._kind_of(Path(str(dest)), raw) is not None:
                self._note(run, f"{display_path(path)} deployed to {dest} cannot be rendered: "
                                f"{deployed.reason}")
            elif isinstance(dest, str) and is_nginx_config(dest):
                self._note(run, f"{display_path(path)} deployed to {dest} cannot be rendered: "
                                f"{deployed.reason}; its proxies are not known")
            return
        if isinstance(dest, str) and is_nginx_config(dest):
            self.proxies.nginx(run, dest, deployed, display_path(path))
            return
        self._analyse(run, deployed, dest, Path(str(dest)), display_path(path), 0)

    def _claimed_elsewhere(self, path: Path) -> bool:
        """Another family reads the file where it lies, except a file of a role's (or a
        project's) files/ or templates/: the application family leaves those to the task that
        deploys them (ansible.detect.is_role_payload)."""
        if is_role_payload(path):
            return False
        if self._claimed is None:
            self._claimed = {self.documents.resolve(Path(source.path))
                             for source in self.context.all_files
                             if not source.kind.startswith(ANSIBLE_KINDS)}
        return self.documents.resolve(path) in self._claimed

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
        if kind == "firewalld-service":
            # A service later firewalld tasks and zones may name.
            define_service(self.services, dest_path, text, file)
            return
        module = _module(analyser.analyse_module)
        if module is None or kind not in getattr(module, "KINDS", ()):
            self._note(run, f"{dest} is a {analyser.family} file ({kind}) that is not "
                            f"analysed when an Ansible task deploys it")
            return
        # Some files mean something by their name (a firewalld zone is named after its file):
        # the text is analysed under the name it gets on the host, then pointed back at `file`.
        named = str(Path(file).with_name(dest_path.name)) if dest_path.name else file
        analysed: CollectResult = module.analyse_text(kind, text, named, self.context,
                                                      line_offset=offset)
        renamed = (named, file)
        if kind == "orthanc-json" and isinstance(dest, str):
            self._remember_orthanc_config(dest, text, file, offset)
            for fact_kind in keep:
                for fact in getattr(analysed.facts, fact_kind):
                    self._repoint(fact, run, at_task=False, renamed=renamed)
                    self._pending.append((file, fact_kind, fact, run))
            analysed.facts = type(analysed.facts)(notes=analysed.facts.notes)
        self._adopt(run, analysed, renamed, keep, at_task=offset == 0 and
                    file == run.origin.file)

    def _remember_orthanc_config(self, dest: str, text: str, file: str, offset: int) -> None:
        from dicomguard.apps import jsonc
        from dicomguard.model import InputError

        try:
            self.deployed[dest] = (jsonc.loads(text).shifted(offset), file)
        except InputError:
            return  # analyse_text has reported it

    def firewall(self, run: TaskRun, ingress: list[dict[str, Any]]) -> None:
        """What a firewall task lets in to its host."""
        self.firewalls.record(run, ingress)

    def finish(self) -> None:
        """Deployed Orthanc configs no container mounts are judged on their own, with what the
        host's firewall lets in, and through the nginx the play puts in front of them."""
        for file, kind, fact, run in self._pending:
            if file not in self.consumed:
                if kind == "services":
                    self.proxies.narrow(run, fact)
                    self.proxies.orthanc(run, [fact])
                self.keep(kind, fact, run)
        self._pending.clear()
        for fact, run in self.proxies.facts(self.result):
            self.keep("services", fact, run)

    def _adopt(self, run: TaskRun, analysed: CollectResult, renamed: tuple[str, str],
               keep: tuple[str, ...], at_task: bool) -> None:
        """Name the deploying task in the facts and errors found in a deployed text."""
        for error in analysed.errors:
            file = renamed[1] if error.file == renamed[0] else error.file
            self.result.errors.append(type(error)(file, error.line,
                                                  f"{error.message} (deployed by task "
                                                  f"'{run.origin.address}')"))
        for kind in keep:
            for fact in getattr(analysed.facts, kind):
                self._repoint(fact, run, at_task, renamed)
                self.keep(kind, fact, run)
        self.result.facts.notes.extend(analysed.facts.notes)

    @staticmethod
    def _repoint(fact: dict[str, Any], run: TaskRun, at_task: bool,
                 renamed: tuple[str, str]) -> None:
        origin = fact["origin"]
        if origin.get("file") == renamed[0]:
            origin = {**origin, "file": renamed[1]}
        inner = origin.get("address") or ""
        line = int(origin.get("line") or 1)
        end_line = int(origin.get("end_line") or line)
        if at_task:  # text dicomguard composed from the task's own arguments
            line, end_line = run.origin.line, run.origin.end_line
        address = f"{run.origin.address}: {inner}" if inner and \
            not inner.startswith(run.origin.address) else inner or run.origin.address
        new_origin = Origin(str(origin.get("file") or run.origin.file), line, end_line, address)
        suffix = str(fact["id"]).partition("#")[2]
        fact["origin"] = new_origin.to_json()
        fact["id"] = fact_id(new_origin, suffix)
        fact["unknown"] = [*fact.get("unknown", []), *run.notes]

    # ---- containers --------------------------------------------------------------------------

    def _container(self, run: TaskRun) -> None:
        """A started container, judged by the application family from its image, environment
        and the Orthanc configuration it mounts. Its ports are already ingress facts here."""
        containers = _module("dicomguard.apps.containers")
        if containers is None:
            return
        from dicomguard.apps.compose import parse_short_port

        args = run.args
        env = args.get("env")
        environment = env if isinstance(env, dict) else {}
        specs, line = published_ports(run)
        ports = [parse_short_port(spec, line) for spec in specs]
        mounted, unreadable = self._mounted_orthanc_configs(run)
        container = containers.Container(
            image=args.get("image", Unknown("the container's image is not given")),
            environment={str(key): value for key, value in environment.items()},
            origin=run.origin, platform="ansible",
            env_lines={key[len("env."):]: line for key, line in run.arg_lines.items()
                       if key.startswith("env.")},
            ports=ports, host_network=str(args.get("network_mode", "")).lower() == "host",
            orthanc_files=mounted, unreadable_configs=unreadable,
            image_line=run.arg_lines.get("image", run.origin.line))
        found = containers.facts_for_container(container, self.context.catalogue)
        self._adopt(run, found, (run.origin.file, run.origin.file),
                    ("storage", "services", "grants"), at_task=False)
        self.proxies.container(run, found.facts.services, ports, container.host_network)

    def _inline_compose(self, run: TaskRun) -> None:
        """A compose project given inline (`definition:`); a `project_src` in the scanned tree is
        read by the application family where it lies."""
        definition = run.args.get("definition")
        if not isinstance(definition, dict):
            return
        text = json.dumps(_with_interpolations(definition), indent=2)
        self._analyse(run, text, "compose.yaml", Path("compose.yaml"), run.origin.file, 0)

    def _kubernetes(self, run: TaskRun) -> None:
        """Manifests applied with kubernetes.core.k8s: an inline `definition` or a rendered
        `template` (a `src` file in the tree is read where it lies)."""
        definition = run.args.get("definition")
        template_arg = run.args.get("template")
        if isinstance(template_arg, dict):
            template_arg = template_arg.get("path")
        if isinstance(template_arg, str):
            path = find_file(template_arg, run.search)
            raw = self.documents.text(path) if path and self.documents.inside(path) else None
            if path is not None and raw is not None:
                text = render_file(raw, run.variables)
                if is_unknown(text):
                    self._note(run, f"{template_arg} cannot be rendered: {text.reason}")
                    return
                self._analyse(run, text, "manifest.yaml", Path("manifest.yaml"),
                              display_path(path), 0)
            return
        if isinstance(definition, str):
            self._analyse(run, definition, "manifest.yaml", Path("manifest.yaml"),
                          run.origin.file, 0)
            return
        documents = definition if isinstance(definition, list) else [definition]
        if not all(isinstance(document, dict) for document in documents):
            return
        unknown = _first_unknown(documents)
        if unknown is not None:
            self._note(run, f"the manifest cannot be analysed: {unknown.reason}")
            return
        import yaml

        text = yaml.safe_dump_all([json.loads(json.dumps(document)) for document in documents],
                                  sort_keys=False)
        self._analyse(run, text, "manifest.yaml", Path("manifest.yaml"), run.origin.file, 0)

    def _mounted_orthanc_configs(self, run: TaskRun) -> tuple[list[Any], list[str]]:
        """Orthanc configs bind-mounted into /etc/orthanc: those an earlier task deployed are
        read as rendered; any other host path is a config dicomguard cannot see."""
        mounted: list[Any] = []
        unreadable: list[str] = []
        for volume in _as_list(run.args.get("volumes")):
            if is_unknown(volume):
                unreadable.append(f"a volume that cannot be known ({volume.reason})")
                continue
            source, _, rest = str(volume).partition(":")
            target = rest.split(":")[0]
            if not target.startswith(ORTHANC_CONFIG_DIR):
                continue
            deployed = [item for dest, item in self.deployed.items()
                        if dest == source or dest.startswith(source.rstrip("/") + "/")]
            if not deployed:
                unreadable.append(f"{source} mounted at {target}")
            for located, shown in deployed:
                mounted.append((located, shown))
                self.consumed.add(shown)
        return mounted, unreadable

    def _note(self, run: TaskRun, message: str) -> None:
        self.documents.notes.append((run.origin.file, run.origin.line, message))


def _with_interpolations(value: Any) -> Any:
    """An unknown part of an inline compose definition becomes a compose interpolation with no
    value, which the compose reader treats as unknown."""
    if is_unknown(value):
        return "${ANSIBLE_VALUE_UNKNOWN_WHEN_SCANNED}"
    if isinstance(value, dict):
        return {str(key): _with_interpolations(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_with_interpolations(item) for item in value]
    return value


def _first_unknown(value: Any) -> Unknown | None:
    if is_unknown(value):
        return value
    children = value.values() if isinstance(value, dict) else value \
        if isinstance(value, list) else ()
    return next((found for found in map(_first_unknown, children) if found is not None), None)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]
