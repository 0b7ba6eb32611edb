"""docker-compose files: services, their images, environment, published ports and mounted
Orthanc configuration, with variables interpolated from the project's `.env` as Compose does."""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from typing import Any

from dicomguard.apps.containers import Container, PublishedPort, facts_for_container
from dicomguard.apps.located import Located
from dicomguard.model import CollectResult, InputError, Origin, ScanError, Unknown, is_unknown

EPHEMERAL_PORTS = [32768, 60999]  # Docker's default range for a port published without one
ORTHANC_CONFIG_DIR = "/etc/orthanc"
_VARIABLE = re.compile(r"\$(?:\$|\{(?P<braced>[^}]*)\}|(?P<bare>[A-Za-z_][A-Za-z0-9_]*))")
_UNKNOWN_TAG = re.compile(r"^(?P<repository>[^$]+):(?P<tag>[^:/]*\$[^:/]*)$")
_PAIRED_NAME = re.compile(r"^(?P<stem>(?:docker-)?compose)(?P<override>\.override)?\.ya?ml$")
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
        host_ip, protocol.lower(), line)


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
                         line)


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return False
    return True


def _environment(raw: Any, located: Located, path: tuple[Any, ...]
                 ) -> tuple[dict[str, Any], dict[str, int]]:
    values: dict[str, Any] = {}
    lines: dict[str, int] = {}
    if isinstance(raw, dict):
        for key, value in raw.items():
            values[str(key)] = Unknown(f"{key} is taken from the shell environment") \
                if value is None else value
            lines[str(key)] = located.line(*path, key)
    elif isinstance(raw, list):
        for index, item in enumerate(raw):
            if is_unknown(item):
                continue
            key, separator, value = str(item).partition("=")
            values[key] = value if separator else Unknown(
                f"{key} is taken from the shell environment")
            lines[key] = located.line(*path, index)
    return values, lines


def _within_roots(path: Path, roots: list[str]) -> bool:
    resolved = path.resolve()
    return any(resolved.is_relative_to(Path(root).resolve()) for root in roots or ["."])


def _orthanc_mounts(service: dict[str, Any], base: Path, roots: list[str], file: str
                    ) -> tuple[list[tuple[Located, str]], list[str], list[ScanError]]:
    """Orthanc configuration files bind-mounted into /etc/orthanc, read from the scanned tree."""
    from dicomguard.apps import jsonc
    from dicomguard.discover import display_path

    found: list[tuple[Located, str]] = []
    unreadable: list[str] = []
    errors: list[ScanError] = []
    for volume in service.get("volumes") or []:
        if isinstance(volume, dict):
            source, target = volume.get("source"), volume.get("target")
        elif isinstance(volume, str):
            pieces = volume.split(":")
            source, target = (pieces[0], pieces[1]) if len(pieces) >= 2 else (None, pieces[0])
        else:
            continue
        if not isinstance(target, str) or not target.startswith(ORTHANC_CONFIG_DIR):
            continue
        if not isinstance(source, str) or not source.startswith((".", "/", "~")):
            unreadable.append(f"volume {source or target!r} mounted at {target}")
            continue
        host_path = (base / source).resolve() if not source.startswith("/") else Path(source)
        if not _within_roots(host_path, roots) or not host_path.exists():
            unreadable.append(f"{source} mounted at {target}")
            continue
        candidates = sorted(host_path.glob("*.json")) if host_path.is_dir() else [host_path]
        for candidate in candidates:
            shown = display_path(candidate)
            try:
                found.append((jsonc.loads(candidate.read_text(encoding="utf-8")), shown))
            except InputError as error:
                errors.append(ScanError(shown, error.line, error.message))
            except (OSError, UnicodeDecodeError) as error:
                errors.append(ScanError(shown, None, f"cannot read: {error}"))
    return found, unreadable, errors


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
        if _within_roots(path, roots) and path.is_file():
            values.update(read_dotenv(path.read_text(encoding="utf-8", errors="replace")))
        elif required or not _within_roots(path, roots):
            unknown.append(f"env_file {path_text}")
    return values, unknown


def _end_line(located: Located, path: tuple[Any, ...]) -> int:
    depth = len(path)
    return max((line for key, line in located.lines.items() if key[:depth] == path),
               default=located.line(*path))


def _partner_services(file: Path, roots: list[str]) -> tuple[str, dict[str, Any]]:
    """Compose reads compose.yaml with compose.override.yaml (and the docker-compose names)
    as one project. For a base file: ("base", the override's services); for an override:
    ("override", the base's services); otherwise ("", {})."""
    match = _PAIRED_NAME.match(file.name)
    if not match:
        return "", {}
    stem, override = match.group("stem"), match.group("override")
    names = [f"{stem}.{ext}" for ext in ("yaml", "yml")] if override else [
        f"{stem}.override.{ext}" for ext in ("yaml", "yml")]
    for name in names:
        partner = file.parent / name
        if partner.is_file() and _within_roots(partner, roots):
            from dicomguard.apps import yamlpos

            try:
                documents = yamlpos.load_all(partner.read_text(encoding="utf-8"))
            except (InputError, OSError, UnicodeDecodeError):
                return "", {}  # reported when that file is scanned itself
            services = documents[0].value.get("services") if documents and isinstance(
                documents[0].value, dict) else None
            return ("override" if override else "base"), (
                services if isinstance(services, dict) else {})
    return "", {}


def _merge_override(container: Container, override: Any, variables: dict[str, str]) -> None:
    """What a compose override changes in a service, for its reach and configuration; the
    override's own scan reports its published ports."""
    if not isinstance(override, dict):
        return
    if "image" in override:
        container.image = _image(override["image"], variables)
    if "network_mode" in override:
        container.host_network = override["network_mode"] == "host"
    environment, _ = _environment(interpolate(override.get("environment"), variables),
                                  Located(None), ())
    container.environment.update(environment)
    for spec in override.get("ports") or []:
        port = parse_long_port(interpolate(spec, variables), 0) if isinstance(spec, dict) \
            else parse_short_port(spec, 0, variables)
        port.reported_here = False
        container.ports.append(port)


SERVICE_SHAPES = {"ports": list, "volumes": list, "environment": (dict, list),
                  "env_file": (str, list), "image": str}


def _shape_problem(service: Any) -> tuple[str | None, str] | None:
    """(key, what is wrong) when a service has a shape Compose rejects."""
    if not isinstance(service, dict):
        return None, "is not a mapping"
    for key, shape in SERVICE_SHAPES.items():
        if key in service and service[key] is not None and not isinstance(service[key], shape):
            return key, f"'{key}' has the wrong type ({type(service[key]).__name__})"
    return None


def compose_containers(located: Located, file: str, roots: list[str],
                       variables: dict[str, str] | None = None
                       ) -> tuple[list[Container], list[ScanError]]:
    document = located.value
    if not isinstance(document, dict) or not isinstance(document.get("services"), dict):
        legacy = isinstance(document, dict) and any(
            isinstance(value, dict) and ("image" in value or "build" in value)
            for value in document.values())
        raise InputError("Compose file format 1 (services at the top level) is not read; "
                         "move them under 'services:'" if legacy
                         else "a Compose file needs a 'services' mapping", located.line())
    base = Path(file).parent
    if variables is None:
        dotenv = base / ".env"
        variables = read_dotenv(dotenv.read_text(encoding="utf-8", errors="replace")) \
            if dotenv.is_file() and _within_roots(dotenv, roots) else {}
    role, partner = _partner_services(Path(file), roots)
    containers: list[Container] = []
    errors: list[ScanError] = []
    for name, raw_service in document["services"].items():
        path = ("services", name)
        problem = _shape_problem(raw_service)
        if problem:
            key, message = problem
            where = located.line(*path, key) if key else located.line(*path)
            errors.append(ScanError(file, where, f"service {name!r}: {message}"))
            continue
        service = interpolate(raw_service, variables)
        origin = Origin(file, located.line(*path), _end_line(located, path), f"services.{name}")
        environment, unknown_environment = _env_files(service, base, roots)
        from_service, env_lines = _environment(service.get("environment"), located,
                                               (*path, "environment"))
        environment.update(from_service)
        ports = []
        for index, spec in enumerate(raw_service.get("ports") or []):
            line = located.line(*path, "ports", index)
            ports.append(parse_long_port(interpolate(spec, variables), line)
                         if isinstance(spec, dict) else parse_short_port(spec, line, variables))
        mounted, unreadable, mount_errors = _orthanc_mounts(service, base, roots, file)
        errors.extend(mount_errors)
        container = Container(
            image=_image(raw_service["image"], variables) if "image" in raw_service
            else Unknown(f"service {name} is built from source, its image is not known"),
            environment=environment, origin=origin, platform="compose", env_lines=env_lines,
            ports=ports, host_network=service.get("network_mode") == "host",
            orthanc_files=mounted, unreadable_configs=unreadable,
            image_line=located.line(*path, "image"), unknown_environment=unknown_environment,
            ports_only=role == "override" and name in partner,
        )
        if role == "base" and name in partner:
            _merge_override(container, partner[name], variables)
        _database_context(container, service, document["services"], name, base, roots, errors)
        containers.append(container)
    return containers, errors


def _database_context(container: Container, service: dict[str, Any], services: dict[str, Any],
                      name: str, base: Path, roots: list[str], errors: list[ScanError]) -> None:
    """An index database is reached by the other services of its networks, and may read a
    pg_hba.conf and settings the project mounts and passes on its command line."""
    from dicomguard.apps import compose_databases
    from dicomguard.knowledge.images import product

    image = container.image
    if not isinstance(image, str) or product(image) not in {"postgres", "mysql"}:
        return
    if compose_databases.shares_a_network(services, name):
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
        containers, errors = compose_containers(located, file, list(context.roots))
    except InputError as error:
        result.errors.append(ScanError(file, error.line, error.message))
        return result
    result.errors.extend(errors)
    for container in containers:
        consumed.update(path for _, path in container.orthanc_files)
        if container.pg_hba:
            consumed.add(container.pg_hba[0])
        found = facts_for_container(container, context.catalogue)
        result.facts.extend(found.facts)
        result.errors.extend(found.errors)
    return result
