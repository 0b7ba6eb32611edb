"""The nginx configuration a container runs with, from the files placed in it (bind mounts,
configs, files its Dockerfile copies): /etc/nginx/nginx.conf when one is placed, else the
image's own, which includes /etc/nginx/conf.d/*.conf inside `http` (the official image also
renders /etc/nginx/templates/*.template into conf.d). Includes are followed to placed files of
the scanned tree only; files the image brings under /etc/nginx (mime.types, fastcgi_params)
are left unread, anything else is named as unreadable.
"""

from __future__ import annotations

import fnmatch
import posixpath
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

from dicomguard.apps.nginx import ConfigError, Directive, Included, parse
from dicomguard.apps.nginx_templates import rendered_template
from dicomguard.apps.placed_files import PlacedFile, within_roots
from dicomguard.regular_files import read_regular_text

PREFIX = "/etc/nginx"
MAIN = "/etc/nginx/nginx.conf"
CONF_D = "/etc/nginx/conf.d"
TEMPLATES = "/etc/nginx/templates"
TEMPLATE_SUFFIX = ".template"
IMAGE_MAIN = f"http {{ include {CONF_D}/*.conf; }}\n"
# Snippets that only set TLS parameters (certbot's), never who may pass.
TLS_ONLY_SNIPPETS = ("options-ssl-nginx.conf",)
T = TypeVar("T")


def _rendered(placed: list[PlacedFile]) -> list[PlacedFile]:
    """placed, with each template also at the conf.d path the image renders it to."""
    found = list(placed)
    for item in placed:
        path = posixpath.normpath(item.container_path)
        if not (path == TEMPLATES or path.startswith(TEMPLATES + "/")) or item.host is None:
            continue
        hosts = sorted(item.host.glob(f"*{TEMPLATE_SUFFIX}")) if item.host.is_dir() \
            else [item.host]
        for host in hosts:
            if host.name.endswith(TEMPLATE_SUFFIX):
                found.append(PlacedFile(posixpath.join(CONF_D, host.name.removesuffix(
                    TEMPLATE_SUFFIX)), host, item.what))
    return found


def resolve_mounted(pattern: str, mounts: Iterable[tuple[str, str, T]],
                    collect: Callable[[T, str, Included], bool]) -> Included:
    """What an include pattern names among what is mounted in the container: mounts are
    (container path, what it is, payload); collect(payload, path below a mounted directory or
    "", found) adds what it holds, False when it is not in the scanned tree."""
    wanted = posixpath.normpath(posixpath.join(PREFIX, pattern))
    found = Included()
    covered = False
    for mounted_at, what, payload in mounts:
        path = posixpath.normpath(mounted_at)
        inside = wanted.startswith(path + "/")
        if not inside and not fnmatch.fnmatchcase(path, wanted):
            continue
        covered = True
        if not collect(payload, wanted[len(path) + 1:] if inside else "", found):
            found.unreadable = f"include {pattern}: {what} is not in the scanned tree; not read"
            return found
    if not covered and not wanted.startswith(PREFIX + "/") and \
            not wanted.endswith(TLS_ONLY_SNIPPETS):
        found.unreadable = f"include {pattern}: not placed in the container from the " \
                           "scanned tree; not read"
    return found


class PlacedResolver:
    """Resolves include patterns (container paths) to placed files of the scanned tree; a
    template is read as the image renders it with the container's environment."""

    def __init__(self, placed: list[PlacedFile], roots: list[str],
                 environment: dict[str, Any] | None = None) -> None:
        self.placed = _rendered(placed)
        self.roots = roots
        self.environment = environment or {}

    def __call__(self, pattern: str, including: Path) -> Included:
        return resolve_mounted(pattern, ((item.container_path, item.what, item.host)
                                         for item in self.placed), self._collect)

    def _collect(self, host: Path | None, below: str, found: Included) -> bool:
        from dicomguard.discover import display_path

        if host is None or not within_roots(host, self.roots) or not host.exists():
            return False
        hosts = sorted(host.glob(below)) if below else [host]
        for path in hosts:
            if not path.is_file() or not within_roots(path, self.roots):
                continue
            if path.name.endswith(TEMPLATE_SUFFIX):
                text = rendered_template(read_regular_text(path), self.environment)
                found.texts.append((display_path(path), text, 0))
            else:
                found.files.append((path, display_path(path)))
        return True


def placed_config(placed: list[PlacedFile], roots: list[str],
                  environment: dict[str, Any] | None = None
                  ) -> tuple[list[Directive], list[tuple[str, int, str]]] | None:
    """The configuration nginx runs with, and notes on what was not read; None when nothing
    of it is placed from the scanned tree (the image's defaults proxy nothing). Raises
    ConfigError for bad syntax in any of its files."""
    from dicomguard.discover import display_path

    resolver = PlacedResolver(placed, roots, environment)
    main = [item for item in resolver.placed if posixpath.normpath(item.container_path) == MAIN]
    if main:
        host = main[-1].host
        if host is None or not within_roots(host, roots) or not host.is_file():
            return [], [("", 0, f"{main[-1].what} placed at {MAIN} is not in the scanned "
                                f"tree; its proxies are not known")]
        shown = display_path(host)
        try:
            text = read_regular_text(host)
        except (OSError, UnicodeDecodeError) as error:
            raise ConfigError(f"cannot read: {error}", shown, None) from error
        return parse(text, shown, host, resolver)
    if not any(posixpath.normpath(item.container_path).startswith((CONF_D, TEMPLATES))
               for item in resolver.placed):
        return None
    return parse(IMAGE_MAIN, f"the image's {MAIN}", Path(MAIN), resolver)
