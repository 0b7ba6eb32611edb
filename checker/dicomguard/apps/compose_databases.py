"""What Compose says about an index database container beyond its image and environment: the
networks it shares with other services, and a pg_hba.conf / postgresql.conf mounted from the
scanned tree and named on the command line (`-c hba_file=...`, `-c listen_addresses=...`)."""

from __future__ import annotations

import shlex
from pathlib import Path, PurePosixPath
from typing import Any

from dicomguard.apps import postgresql_conf
from dicomguard.model import ScanError, is_unknown

# The official image's own postgresql.conf listens everywhere; its data directory holds the
# pg_hba.conf the entrypoint writes.
IMAGE_LISTEN_ADDRESSES = "*"
DATA_DIRECTORY = "/var/lib/postgresql/data"


def networks_of(service: Any) -> set[str] | None:
    """The networks a service joins; None when it shares no network (network_mode none,
    host, or another container's namespace)."""
    if not isinstance(service, dict):
        return None
    mode = service.get("network_mode")
    if isinstance(mode, str) and mode:
        return None
    networks = service.get("networks")
    if isinstance(networks, dict):
        return {str(name) for name in networks}
    if isinstance(networks, list):
        return {str(name) for name in networks}
    return {"default"}


def shares_a_network(services: dict[str, Any], name: str) -> bool:
    """Another service of the project can open connections to this one."""
    own = networks_of(services.get(name))
    if not own:
        return False
    return any(other != name and own & (networks_of(service) or set())
               for other, service in services.items())


def command_arguments(command: Any) -> list[str]:
    if isinstance(command, list):
        return [str(part) for part in command if not is_unknown(part)]
    if isinstance(command, str):
        try:
            return shlex.split(command)
        except ValueError:
            return command.split()
    return []


def _mounts(service: dict[str, Any]) -> list[tuple[str, str]]:
    found = []
    for volume in service.get("volumes") or []:
        if isinstance(volume, dict):
            source, target = volume.get("source"), volume.get("target")
        elif isinstance(volume, str):
            pieces = volume.split(":")
            source, target = (pieces[0], pieces[1]) if len(pieces) >= 2 else (None, None)
        else:
            continue
        if isinstance(source, str) and isinstance(target, str) and \
                source.startswith((".", "/", "~")):
            found.append((source, target))
    return found


def _host_file(service: dict[str, Any], target: str, base: Path, roots: list[str]
               ) -> Path | None:
    """The file of the scanned tree bind-mounted at target (itself, or inside a directory)."""
    from dicomguard.apps.placed_files import within_roots

    wanted = PurePosixPath(target)
    for source, mounted_at in _mounts(service):
        mount = PurePosixPath(mounted_at)
        if wanted != mount and mount not in wanted.parents:
            continue
        host = (base / source) if not source.startswith("/") else Path(source)
        if wanted != mount:
            host = host / wanted.relative_to(mount)
        if within_roots(host, roots) and host.is_file() and not host.is_symlink():
            return host
    return None


def postgres_files(service: dict[str, Any], base: Path, roots: list[str]
                   ) -> tuple[dict[str, str], tuple[str, str] | None, list[ScanError]]:
    """(settings from the command line and a mounted config_file, the mounted pg_hba.conf as
    (path shown, text), errors)."""
    from dicomguard.discover import display_path

    settings = postgresql_conf.command_settings(command_arguments(service.get("command")))
    errors: list[ScanError] = []
    config_file = settings.get("config_file")
    if config_file:
        mounted = _host_file(service, config_file, base, roots)
        if mounted is not None:
            conf = postgresql_conf.parse(mounted.read_text(encoding="utf-8", errors="replace"))
            settings = {**{name: item.value for name, item in conf.settings.items()},
                        **settings}
    hba_target = settings.get("hba_file") or f"{DATA_DIRECTORY}/pg_hba.conf"
    host = _host_file(service, hba_target, base, roots)
    if host is None:
        return settings, None, errors
    try:
        return settings, (display_path(host), host.read_text(encoding="utf-8")), errors
    except (OSError, UnicodeDecodeError) as error:
        errors.append(ScanError(display_path(host), None, f"cannot read: {error}"))
        return settings, None, errors
