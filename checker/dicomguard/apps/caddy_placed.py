"""The Caddyfile a Caddy container runs with: /etc/caddy/Caddyfile (what the official image's
command reads) from the files placed in it (bind mounts, configs, files its Dockerfile copies,
ConfigMap keys mounted into a pod), and the files its `import`s name, relative to the importing
file's directory in the container. Nothing placed there: the image's own Caddyfile, which serves
files and proxies nothing.
"""

from __future__ import annotations

import fnmatch
import posixpath
from collections.abc import Iterable
from pathlib import Path

from dicomguard.apps.caddyfile import Caddyfile, parse
from dicomguard.apps.nginx import ConfigError
from dicomguard.apps.placed_files import PlacedFile, within_roots
from dicomguard.records import record
from dicomguard.regular_files import read_regular_text

PREFIX = "/etc/caddy"
MAIN = "/etc/caddy/Caddyfile"
_GLOB = "*?["


@record(frozen=True)
class Placed:
    """Something at container_path: a host file or directory of the scanned tree, text held
    in another file (a ConfigMap key: shown, its first line's offset there), or (neither)
    something outside the scanned tree, described by what."""

    container_path: str
    what: str
    host: Path | None = None
    text: str | None = None
    shown: str = ""
    offset: int = 0


FoundFile = tuple[str, str, str, int]  # (file shown, text, container path, line offset)


def from_compose(placed: list[PlacedFile], roots: list[str]) -> list[Placed]:
    return [Placed(posixpath.normpath(item.container_path), item.what,
                   item.host if item.host is not None and within_roots(item.host, roots)
                   and item.host.exists() else None) for item in placed]


def _read(host: Path, container_path: str) -> FoundFile:
    from dicomguard.discover import display_path

    shown = display_path(host)
    try:
        return shown, read_regular_text(host), container_path, 0
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"cannot read: {error}", shown, None) from error


class Resolver:
    """Finds what a container path (or pattern) names among what is placed in the container."""

    def __init__(self, placed: Iterable[Placed], roots: list[str]) -> None:
        self.placed = list(placed)
        self.roots = roots

    def files(self, wanted: str) -> tuple[list[FoundFile], str, bool]:
        """(files found, why what covers the path cannot be read, whether anything covers it)."""
        found: list[FoundFile] = []
        covered = False
        for item in self.placed:
            path = item.container_path
            inside = wanted.startswith(path + "/")
            if not inside and not fnmatch.fnmatchcase(path, wanted):
                continue
            covered = True
            if item.text is not None:
                found.append((item.shown, item.text, path, item.offset))
            elif item.host is None:
                return [], f"{item.what} placed at {path} is not in the scanned tree", True
            elif inside and item.host.is_dir():
                below = wanted[len(path) + 1:]
                matches = sorted(item.host.glob(below)) if any(
                    char in below for char in _GLOB) else [item.host / below]
                found.extend(_read(match, posixpath.join(path, match.relative_to(
                    item.host).as_posix())) for match in matches
                    if match.is_file() and within_roots(match, self.roots))
            elif item.host.is_file():
                found.append(_read(item.host, path))
        return found, "", covered

    def __call__(self, pattern: str, here: str) -> tuple[list[FoundFile], str]:
        wanted = posixpath.normpath(posixpath.join(posixpath.dirname(here), pattern))
        found, unreadable, covered = self.files(wanted)
        if unreadable:
            return [], f"import {pattern}: {unreadable}; not read"
        if not covered:
            return [], f"import {pattern}: not placed in the container from the scanned " \
                       "tree; not read"
        if not found and not any(char in pattern for char in _GLOB):
            return [], f"import {pattern}: no such file in the container; not read"
        return found, ""


def placed_caddyfile(placed: list[Placed], roots: list[str], environment: dict[str, object]
                     ) -> tuple[Caddyfile | None, list[tuple[str, int, str]]]:
    """The Caddyfile Caddy runs with and notes on what was not read; None when nothing of it
    is placed from the scanned tree. Raises ConfigError for bad syntax in any of its files."""
    resolver = Resolver(placed, roots)
    found, unreadable, covered = resolver.files(MAIN)
    if not covered:
        return None, []
    if unreadable or not found:
        return None, [("", 0, f"{unreadable or 'nothing'} at {MAIN}; its proxies are not "
                              "known")]
    shown, text, path, offset = found[-1]
    config = parse(text, shown, path, environment, resolver, offset)
    return config, config.notes
