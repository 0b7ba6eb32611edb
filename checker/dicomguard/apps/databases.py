"""The PACS index database as facts: which pg_hba.conf records let a client in without a
password (or with a password sent in clear text), and how far the server can be reached.

A record's reach is the narrowest of what its address admits, what the server listens on
(`listen_addresses`) and how the deployment exposes it (a published port, a shared network).
"""

from __future__ import annotations

from ipaddress import ip_network
from pathlib import Path

from dicomguard.apps import pg_hba, postgresql_conf
from dicomguard.facts import REACH_ORDER, listener, note, service
from dicomguard.model import CollectResult, InputError, Origin, ScanError

PRODUCT = "PostgreSQL (archive index)"
POSTGRES_PORT = 5432
# Where a record sends the password as typed: `host` lets a client decline TLS.
CLEARTEXT_CONNECTIONS = frozenset({"host", "hostnossl", "hostnogssenc"})
HOST_CONNECTIONS = frozenset({"host", "hostssl", "hostnossl", "hostgssenc", "hostnogssenc"})
SCOPE_REACH = {"internet": "internet", "public": "network", "private": "network",
               "local": "local", "unknown": "network"}  # unknown: a host name, named machines
CONFIG_NAME = "postgresql.conf"


def narrowest_reach(*reaches: str) -> str:
    """The reach of a path that passes every one of these gates: a record for a private range
    on a server whose listen_addresses is unknown reaches the network at most."""
    return min(reaches, key=REACH_ORDER.index)


def _covers(earlier: pg_hba.HbaRecord, later: pg_hba.HbaRecord) -> bool:
    """An earlier record matches every connection the later one would: the server uses the
    first record that matches, so the later one is never used."""
    if earlier.connection not in {later.connection, "host"}:
        return False
    if later.connection == "local" or earlier.connection == "local":
        return earlier.connection == later.connection and _matches_all(earlier)
    if not _matches_all(earlier) or earlier.address is None or later.address is None:
        return False
    if earlier.address == "all":
        return True
    try:
        wider, narrower = ip_network(earlier.address), ip_network(later.address)
    except ValueError:
        return False  # a host name or keyword: which addresses it stands for is not known
    return wider.version == narrower.version and narrower.subnet_of(wider)  # type: ignore[arg-type]


def _matches_all(record: pg_hba.HbaRecord) -> bool:
    return all(len(values) == 1 and values[0].keyword("all")
               for values in (record.databases, record.users))


def _weakness(record: pg_hba.HbaRecord) -> tuple[bool, bool] | None:
    """(no password, clear-text password) for a record that accepts remote clients."""
    if record.connection not in HOST_CONNECTIONS:
        return None
    if record.method == "trust":
        return True, False
    if record.method == "password" and record.connection in CLEARTEXT_CONNECTIONS:
        return False, True
    if record.connection == "hostnossl" and record.method in {"md5", "scram-sha-256"}:
        return False, False  # authenticated, but the session itself travels unencrypted
    return None


def hba_facts(parsed: pg_hba.HbaFile, file: str, *, platform: str, server_reach: str,
              address: str = "", unknown: list[str] | None = None) -> CollectResult:
    """Service facts for the records of one pg_hba.conf that let remote clients in without a
    password, send it in clear text, or refuse TLS. server_reach: how far the server itself
    can be reached (listen_addresses and the deployment)."""
    result = CollectResult()
    for line, message in parsed.references:
        result.facts.notes.append(note(Origin(file, line, line, address), message))
    for index, record in enumerate(parsed.records):
        weakness = _weakness(record)
        if weakness is None or any(_covers(earlier, record)
                                   for earlier in parsed.records[:index]):
            continue
        no_password, cleartext = weakness
        reach = narrowest_reach(SCOPE_REACH[record.address_scope()], server_reach)
        if reach == "local":
            continue
        if no_password:
            detail = f"'{record.text}' lets a client connect as any of its users without a password"
        elif cleartext:
            detail = f"'{record.text}' accepts passwords sent in clear text"
        else:
            detail = f"'{record.text}' refuses TLS"
        # The transport is a finding of its own (DG401) only where the record refuses TLS.
        listeners = [listener(POSTGRES_PORT, "postgresql", tls=False,
                              reach="unknown" if unknown else reach, name="PostgreSQL")
                     ] if record.connection == "hostnossl" else []
        result.facts.services.append(service(
            Origin(file, record.line, record.line, address), platform=platform,
            product=PRODUCT, kind="database", reach=reach,
            authentication=not (no_password or cleartext), listeners=listeners,
            tls=False if record.connection == "hostnossl" else None,
            detail=detail, suffix=f"hba{record.line}", unknown=unknown or []))
    return result


def _configuration_beside(path: Path, hba_name: str) -> postgresql_conf.PostgresConf | None:
    """The postgresql.conf of the same directory, when it is the one that reads this file."""
    candidate = path.parent / CONFIG_NAME
    if not candidate.is_file() or candidate.is_symlink():
        return None
    try:
        conf = postgresql_conf.parse(candidate.read_text(encoding="utf-8", errors="replace"))
    except OSError:
        return None
    hba_file = conf.settings.get("hba_file")
    if hba_file is not None and Path(hba_file.value).name != hba_name:
        return None
    return conf


def server_reach_of(conf: postgresql_conf.PostgresConf | None, where: str
                    ) -> tuple[str, list[str]]:
    """(reach, reasons it is unknown) of a server configured by conf (None: not in the tree)."""
    if conf is None:
        return "unknown", [f"listen_addresses is not known: no {CONFIG_NAME} beside {where}"]
    setting = conf.settings.get("listen_addresses")
    value = setting.value if setting else postgresql_conf.DEFAULT_LISTEN_ADDRESSES
    return postgresql_conf.listen_reach(value), []


def analyse_hba(text: str, file: str, *, platform: str = "postgresql",
                conf: postgresql_conf.PostgresConf | None = None,
                reach: str | None = None) -> CollectResult:
    """Facts of one pg_hba.conf. conf: the postgresql.conf that reads it, when known; reach:
    overrides what conf says (a container's own reach)."""
    result = CollectResult()
    try:
        parsed = pg_hba.parse(text)
    except InputError as error:
        result.errors.append(ScanError(file, error.line, error.message))
        return result
    unknown: list[str] = []
    if reach is None:
        reach, unknown = server_reach_of(conf, file)
    return hba_facts(parsed, file, platform=platform, server_reach=reach, unknown=unknown)


def collect_file(kind: str, text: str, file: str, *, standalone: bool) -> CollectResult:
    """A pg_hba.conf (with the postgresql.conf beside it when the file lies in the scanned
    tree), or a postgresql.conf whose hba_file names a file beside it under another name."""
    path = Path(file)
    if kind == "pg-hba":
        beside = _configuration_beside(path, path.name) if standalone else None
        return analyse_hba(text, file, conf=beside)
    conf = postgresql_conf.parse(text)
    result = CollectResult()
    for line, message in conf.includes:
        result.facts.notes.append(note(Origin(file, line, line), message))
    hba_file = conf.settings.get("hba_file")
    if not standalone or hba_file is None:
        return result
    target = path.parent / Path(hba_file.value).name
    if target.name == "pg_hba.conf" or target.name.endswith(".pg_hba.conf") \
            or not target.is_file() or target.is_symlink():
        return result  # read on its own, or not in the tree
    from dicomguard.discover import display_path

    try:
        hba_text = target.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        result.errors.append(ScanError(display_path(target), None, f"cannot read: {error}"))
        return result
    found = analyse_hba(hba_text, display_path(target), conf=conf)
    result.facts.extend(found.facts)
    result.errors.extend(found.errors)
    return result


def is_hba_name(name: str) -> bool:
    lowered = name.lower()
    return lowered == "pg_hba.conf" or lowered.endswith(".pg_hba.conf")


def is_config_name(name: str) -> bool:
    lowered = name.lower()
    return lowered == CONFIG_NAME or lowered.endswith(f".{CONFIG_NAME}")
