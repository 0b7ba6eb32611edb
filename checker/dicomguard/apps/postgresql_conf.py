"""postgresql.conf: the settings that decide who can reach the server (listen_addresses) and
which client authentication file it reads (hba_file).

`name = value` or `name value` a line, `#` comments, string values in single quotes (`''`
is a quote); the last setting of a name wins, as in the server.
"""

from __future__ import annotations

import ipaddress
import re

from dicomguard.facts import widest_reach
from dicomguard.records import field, record

_SETTING = re.compile(
    r"^\s*(?P<name>[A-Za-z_][\w.]*)\s*(?:=\s*|\s+)"
    r"(?P<value>'(?:[^'\\]|''|\\.)*'|[^\s#']+)?\s*(?:#.*)?$")
# Without postgresql.conf the server listens on localhost only.
DEFAULT_LISTEN_ADDRESSES = "localhost"
INCLUDES = frozenset({"include", "include_if_exists", "include_dir"})


@record
class Setting:
    value: str
    line: int


@record
class PostgresConf:
    settings: dict[str, Setting] = field(default_factory=dict)
    includes: list[tuple[int, str]] = field(default_factory=list)


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] == "'":
        return value[1:-1].replace("''", "'").replace("\\'", "'")
    return value


def parse(text: str) -> PostgresConf:
    """Settings of a postgresql.conf. A line that is not a setting is skipped: the server
    reports it, and what matters here (listen_addresses, hba_file) is still read."""
    conf = PostgresConf()
    for number, line in enumerate(text.splitlines(), start=1):
        match = _SETTING.match(line)
        if not match:
            continue
        name = match.group("name").lower()
        value = _unquote(match.group("value") or "")
        if name in INCLUDES:
            conf.includes.append((number, f"{name} {value} is not followed"))
            continue
        conf.settings[name] = Setting(value, number)
    return conf


def command_settings(arguments: list[str]) -> dict[str, str]:
    """`-c name=value` and `--name=value` in a postgres command line."""
    found: dict[str, str] = {}
    pending = False
    for argument in arguments:
        if pending:
            name, separator, value = argument.partition("=")
            if separator:
                found[name.strip().lower().replace("-", "_")] = _unquote(value.strip())
            pending = False
        elif argument == "-c":
            pending = True
        elif argument.startswith(("-c", "--")) and "=" in argument:
            name, _, value = argument[2:].partition("=")
            found[name.strip().lower().replace("-", "_")] = _unquote(value.strip())
    return found


def listen_reach(listen_addresses: str) -> str:
    """Who can open a connection to a server listening on these addresses: internet (every
    interface, or a public address), network (a private address), local (loopback only)."""
    reaches = []
    for item in listen_addresses.split(","):
        word = item.strip().strip("[]").lower()
        if not word:
            continue
        if word in {"*", "0.0.0.0", "::"}:
            reaches.append("internet")
            continue
        if word == "localhost":
            reaches.append("local")
            continue
        try:
            address = ipaddress.ip_address(word)
        except ValueError:
            reaches.append("unknown")  # a host name, resolved when the server starts
            continue
        if address.is_loopback:
            reaches.append("local")
        elif address.is_private or address.is_link_local:
            reaches.append("network")
        else:
            reaches.append("internet")
    return widest_reach(reaches)
