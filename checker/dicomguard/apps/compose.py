"""docker-compose files: services, their images, environment, published ports and mounted
Orthanc configuration, with variables interpolated from the project's `.env` as Compose does."""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from typing import Any

from dicomguard.apps.compose_merge import ServiceDefinition
from dicomguard.apps.compose_names import service_names
from dicomguard.apps.compose_project import ProjectService, load_project
from dicomguard.apps.containers import Container, PublishedPort, facts_for_container
from dicomguard.apps.dockerfile import built_image
from dicomguard.apps.located import Located
from dicomguard.apps.placed_files import (
    mounted_files,
    orthanc_config_files,
    orthanc_config_paths,
    secret_and_config_files,
    within_roots,
)
from dicomguard.facts import note
from dicomguard.model import CollectResult, InputError, Origin, ScanError, Unknown, is_unknown

EPHEMERAL_PORTS = [32768, 60999]  # Docker's default range for a port published without one
_VARIABLE = re.compile(r"\$(?:\$|\{(?P<braced>[^}]*)\}|(?P<bare>[A-Za-z_][A-Za-z0-9_]*))")
_UNKNOWN_TAG = re.compile(r"^(?P<repository>[^$]+):(?P<tag>[^:/]*\$[^:/]*)$")
_BRACED = re.compile(r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?+])(?P<arg>.*))?$",
                     re.DOTALL)


def read_dotenv(text: str) -> dict[str, str]:
    """KEY=VALUE lines of a Compose .env file; quotes removed, comments skipped."""
    values: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.removeprefix("export ").partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        elif " #" in value:
            value = value.split(" #", 1)[0].rstrip()
        values[key.strip()] = value
    return values


def interpolate(value: Any, variables: dict[str, str]) -> Any:
    """Compose's ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, $VAR and $$ in every
    string; a variable with no value anywhere makes the string Unknown."""
    if isinstance(value, dict):
        return {key: interpolate(item, variables) for key, item in value.items()}
    if isinstance(value, list):
        return [interpolate(item, variables) for item in value]
    if not isinstance(value, str) or "$" not in value:
        return value
    missing: list[str] = []

    def substitute(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        text = match.group("braced") if match.group("braced") is not None else match.group("bare")
        parts = _BRACED.match(text or "")
        if not parts:
            missing.append(text or "")
            return ""
        name, op, arg = parts.group("name"), parts.group("op"), parts.group("arg") or ""
        current = variables.get(name)
        if op in {":-", "-"}:
            use_default = current is None or (op == ":-" and current == "")
            return arg if use_default else current or ""
        if op in {":+", "+"}:
            return arg if current not in (None, "") or (op == "+" and current is not None) else ""
        if current is None:
            missing.append(name)
            return ""
        return current

    result = _VARIABLE.sub(substitute, value)
    if missing:
        return Unknown(f"${{{missing[0]}}} has no value in the project's .env file")
    return result


def _image(raw: Any, variables: dict[str, str]) -> Any:
    """The image reference; when only its tag cannot be known, the repository still names
    the product and the tag stays as written (an unknown tag is read as an unknown release)."""
    image = interpolate(raw, variables)
    if not is_unknown(image) or not isinstance(raw, str):
        return image
    match = _UNKNOWN_TAG.match(raw)
    if match:
        repository = interpolate(match.group("repository"), variables)
        if not is_unknown(repository):
            return f"{repository}:{match.group('tag')}"
    return image


def _port_number(text: Any) -> Any:
    if is_unknown(text):
        return text
    try:
        return int(str(text).strip())
    except ValueError:
        return Unknown(f"port {text!r} is not a number")


def _range(text: Any) -> Any:
    if is_unknown(text):
        return text
    low, _, high = str(text).partition("-")
    low_number, high_number = _port_number(low), _port_number(high or low)
    for number in (low_number, high_number):
        if is_unknown(number):
            return number
    return [low_number, high_number]


def _split_port_spec(spec: str, variables: dict[str, str]) -> list[Any]:
    """Split on ':' outside ${...} and [...], then interpolate each part, so that one unknown
    variable leaves the other parts known."""
    parts, depth, current = [], 0, ""
    for char in spec:
        if char == ":" and depth == 0:
            parts.append(current)
            current = ""
            continue
        depth += char in "{["
        depth -= char in "}]"
        current += char
    parts.append(current)
    return [interpolate(part, variables) for part in parts]


def parse_short_port(spec: Any, line: int, variables: dict[str, str] | None = None
                     ) -> PublishedPort:
    """[HOST_IP:][HOST_PORTS:]CONTAINER_PORTS[/PROTOCOL], as Compose and docker run read it."""
    if is_unknown(spec):
        return PublishedPort(spec, spec, spec, "tcp", line)
    parts = _split_port_spec(str(spec).strip(), variables or {})
    container_text, protocol = parts[-1], "tcp"
    if not is_unknown(container_text) and "/" in container_text:
        container_text, _, protocol = container_text.partition("/")
    container = _range(container_text)
    host_ports_text = parts[-2] if len(parts) >= 2 else ""
    host_ip_parts = parts[:-2]
    host_ip: Any = None
    if host_ip_parts:
        unknown = [part for part in host_ip_parts if is_unknown(part)]
        host_ip = unknown[0] if unknown else ":".join(host_ip_parts).strip("[]")
    return PublishedPort(
        container if is_unknown(container) else container[0],
        _range(host_ports_text) if host_ports_text != "" else list(EPHEMERAL_PORTS),
        host_ip, protocol.lower(), line, host_port_chosen=host_ports_text != "")


def parse_long_port(entry: dict[str, Any], line: int) -> PublishedPort:
    target = _port_number(entry.get("target"))
    published = entry.get("published")
    host_ip = entry.get("host_ip")
    if published is None or published == "":
        host_ports: Any = list(EPHEMERAL_PORTS)
    elif is_unknown(published):
        host_ports = published
    else:
        text = str(published)
        if _is_address(text):  # "127.0.0.1": an address where the port belongs
            host_ip, text = host_ip or text, ""
        elif ":" in text:  # "127.0.0.1:8080": not documented, but Docker accepts it
            address, _, text = text.rpartition(":")
            host_ip = host_ip or address
        host_ports = _range(text) if text and text.replace("-", "").isdigit() else Unknown(
            f"published {published!r} carries no port")
    return PublishedPort(target, host_ports, host_ip, str(entry.get("protocol") or "tcp").lower(),
                         line, host_port_chosen=published is not None and published != "")


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return False
    return True


def _environment(raw: Any, service: ServiceDefinition
                 ) -> tuple[dict[str, Any], dict[str, int], dict[str, str]]:
    """Variables of a service's environment, the line and the file that set each."""
    values: dict[str, Any] = {}
    lines: dict[str, int] = {}
    files: dict[str, str] = {}
    items = raw.items() if isinstance(raw, dict) else [
        str(item).partition("=")[::2] if "=" in str(item) else (str(item), None)
        for item in raw if not is_unknown(item)] if isinstance(raw, list) else []
    for key, value in items:
        name = str(key)
        values[name] = Unknown(f"{name} is taken from the shell environment") \
            if value is None else value
        at = service.line("environment", name)
        if at:
            files[name], lines[name] = at
    return values, lines, files


def _env_files(service: dict[str, Any], base: Path, roots: list[str]
               ) -> tuple[dict[str, Any], list[str]]:
    """Variables of the service's env_files, and the env_files that cannot be read."""
    raw = service.get("env_file")
    entries = raw if isinstance(raw, list) else [raw] if raw else []
    values: dict[str, Any] = {}
    unknown: list[str] = []
    for entry in entries:
        path_text = entry.get("path") if isinstance(entry, dict) else entry
        required = not isinstance(entry, dict) or entry.get("required", True) is not False
        if not isinstance(path_text, str):
            unknown.append("an env_file whose path cannot be known")
            continue
        path = base / path_text
        if within_roots(path, roots) and path.is_file():
            values.update(read_dotenv(path.read_text(encoding="utf-8", errors="replace")))
        elif required or not within_roots(path, roots):
            unknown.append(f"env_file {path_text}")
    return values, unknown


SERVICE_SHAPES: dict[str, type | tuple[type, ...]] = {
    "ports": list, "volumes": list, "environment": (dict, list), "env_file": (str, list),
    "image": str}


def _shape_problem(service: Any) -> tuple[str | None, str] | None:
    """(key, what is wrong) when a service has a shape Compose rejects."""
    if not isinstance(service, dict):
        return None, "is not a mapping"
    for key, shape in SERVICE_SHAPES.items():
        if key in service and service[key] is not None and not isinstance(service[key], shape):
            return key, f"'{key}' has the wrong type ({type(service[key]).__name__})"
    return None


def _check_document(located: Located) -> None:
    document = located.value
    if not isinstance(document, dict) or not isinstance(document.get("services"), dict):
        legacy = isinstance(document, dict) and any(
            isinstance(value, dict) and ("image" in value or "build" in value)
            for value in document.values())
        raise InputError("Compose file format 1 (services at the top level) is not read; "
                         "move them under 'services:'" if legacy
                         else "a Compose file needs a 'services' mapping", located.line())


def _ports(service: ServiceDefinition, variables: dict[str, str]) -> list[PublishedPort]:
    ports = []
    for index, spec in enumerate(service.value.get("ports") or []):
        file, line = service.line("ports", index) or ("", 0)
        port = parse_long_port(interpolate(spec, variables), line) if isinstance(spec, dict) \
            else parse_short_port(spec, line, variables)
        port.file = file
        ports.append(port)
    return ports


def _container(project_service: ProjectService, variables: dict[str, str], roots: list[str]
               ) -> tuple[Container, list[ScanError], list[tuple[str, int, str]]]:
    definition = project_service.service
    raw_service, base, name = definition.value, project_service.base, project_service.name
    service = interpolate(raw_service, variables)
    environment, unknown_environment = _env_files(service, base, roots)
    from_service, env_lines, env_files = _environment(service.get("environment"), definition)
    environment.update(from_service)
    image = _image(raw_service["image"], variables) if "image" in raw_service \
        else Unknown(f"service {name} is built from source, its image is not known")
    image_file, image_line = definition.line("image") or (project_service.file, 0)
    placed = [*mounted_files(service, base),
              *secret_and_config_files(service, interpolate(project_service.definitions,
                                                            variables), base)]
    command = service.get("command")
    built = built_image(service["build"], base, roots, project_service.file) \
        if "build" in service else None
    if built is not None:
        if not is_unknown(built.image) or "image" not in raw_service:
            image = built.image
            image_file, image_line = (built.file, built.line) if built.line else (
                image_file, image_line)
        placed.extend(built.placed)
        command = built.command if command is None else command
    configs = orthanc_config_files(placed, orthanc_config_paths(image, command), roots)
    container = Container(
        image=image, environment=environment,
        origin=Origin(project_service.file, project_service.line, project_service.end_line,
                      f"services.{name}"),
        platform="compose", env_lines=env_lines, env_files=env_files,
        ports=_ports(definition, variables), host_network=service.get("network_mode") == "host",
        orthanc_files=configs.files, unreadable_configs=configs.unreadable,
        image_line=image_line, image_file=image_file, unknown_environment=unknown_environment,
        placed=placed, network_names=service_names(name, service))
    from dicomguard.apps.traefik_compose import command_of, labels_of

    container.labels = labels_of(service.get("labels"), definition, project_service.file)
    container.command = command_of(command, definition, project_service.file,
                                   project_service.line)
    return container, configs.errors, built.notes if built else []


def compose_containers(located: Located, file: str, roots: list[str],
                       variables: dict[str, str] | None = None
                       ) -> tuple[list[Container], list[ScanError], list[dict[str, Any]]]:
    """The containers of the project file is the first file of (none when another file owns
    it), the errors met, and notes on what could not be followed."""
    _check_document(located)
    base = Path(file).parent
    if variables is None:
        dotenv = base / ".env"
        variables = read_dotenv(dotenv.read_text(encoding="utf-8", errors="replace")) \
            if dotenv.is_file() and within_roots(dotenv, roots) else {}
    errors: list[ScanError] = []
    for name, raw_service in located.value["services"].items():
        if not isinstance(raw_service, dict):
            errors.append(ScanError(file, located.line("services", name),
                                    f"service {name!r}: is not a mapping"))
    project = load_project(Path(file), located, roots)
    if project is None:
        return [], errors, []
    containers: list[Container] = []
    project_services = {item.name: item.service.value for item in project.services}
    for project_service in project.services:
        problem = _shape_problem(project_service.service.value)
        if problem:
            key, message = problem
            at_file, at_line = (project_service.service.line(key) if key else None) or (
                project_service.file, project_service.line)
            errors.append(ScanError(at_file, at_line,
                                    f"service {project_service.name!r}: {message}"))
            continue
        own_variables = variables if project_service.variables is None \
            else project_service.variables
        container, found, build_notes = _container(project_service, own_variables, roots)
        _database_context(container, interpolate(project_service.service.value, own_variables),
                          project_services, project_service.name, project_service.base, roots,
                          errors)
        containers.append(container)
        errors.extend(found)
        project.notes.extend(build_notes)
    errors.extend(ScanError(at_file, line, message) for at_file, line, message in project.errors)
    notes = [note(Origin(at_file, line, line, ""), message)
             for at_file, line, message in project.notes]
    return containers, errors, notes


def _database_context(container: Container, service: dict[str, Any], services: dict[str, Any],
                      name: str, base: Path, roots: list[str], errors: list[ScanError]) -> None:
    """A container is reached by the other services of its networks; an index database may
    read a pg_hba.conf and settings the project mounts and passes on its command line."""
    from dicomguard.apps import compose_databases
    from dicomguard.knowledge.images import product

    shared = compose_databases.shares_a_network(services, name)
    if shared:
        container.neighbours_reach = "network"
    image = container.image
    if not isinstance(image, str) or product(image) not in {"postgres", "mysql"}:
        return
    if shared:
        container.unpublished_reach = "network"
    if product(image) == "postgres":
        settings, hba, found_errors = compose_databases.postgres_files(service, base, roots)
        container.postgres_settings = settings
        container.pg_hba = hba
        errors.extend(found_errors)


def analyse(located: Located, file: str, context: Any, consumed: set[str]) -> CollectResult:
    """Facts of every service; consumed receives the Orthanc configs the services mount."""
    result = CollectResult()
    try:
        containers, errors, notes = compose_containers(located, file, list(context.roots))
    except InputError as error:
        result.errors.append(ScanError(file, error.line, error.message))
        return result
    result.errors.extend(errors)
    result.facts.notes.extend(notes)
    found_services = []
    for container in containers:
        consumed.update(path for _, path in container.orthanc_files)
        if container.pg_hba:
            consumed.add(container.pg_hba[0])
        found = facts_for_container(container, context.catalogue)
        result.facts.extend(found.facts)
        result.errors.extend(found.errors)
        found_services.append(found.facts.services)
    from dicomguard.apps.compose_proxies import proxy_facts

    hops = proxy_facts(containers, found_services, list(context.roots), context.catalogue)
    result.facts.extend(hops.facts)
    result.errors.extend(hops.errors)
    return result
