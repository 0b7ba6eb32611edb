"""community.postgresql.postgresql_pg_hba: a pg_hba.conf record written by a task, judged as
the same record in the file would be (dicomguard.apps.databases)."""

from __future__ import annotations

from typing import Any

from dicomguard.ansible.evaluate import TaskRun
from dicomguard.apps import databases, pg_hba
from dicomguard.facts import service
from dicomguard.model import Facts, InputError, Origin, is_unknown

PLATFORM = "ansible"
LISTEN_UNKNOWN = "listen_addresses is not known: set by postgresql.conf, not by this task"
# The module's defaults (community.postgresql 3.x documentation).
DEFAULTS = {"contype": "host", "databases": "all", "users": "all", "method": "md5"}


def _record_text(rule: dict[str, Any]) -> str | Any:
    """The record as pg_hba.conf would hold it, or the first Unknown value."""
    values = {key: rule.get(key, DEFAULTS.get(key)) for key in
              ("contype", "databases", "users", "source", "netmask", "method")}
    for value in values.values():
        if is_unknown(value):
            return value
    parts = [str(values["contype"]), str(values["databases"]), str(values["users"])]
    if str(values["contype"]) != "local":
        parts.append(str(values["source"] or "all"))
        if values["netmask"]:
            parts.append(str(values["netmask"]))
    parts.append(str(values["method"]))
    return " ".join(parts)


def postgresql_pg_hba(run: TaskRun, result: Facts) -> None:
    rules = run.args.get("rules")
    entries = rules if isinstance(rules, list) else [run.args]
    for index, rule in enumerate(entries):
        if not isinstance(rule, dict) or str(rule.get("state", run.args.get("state", "present"))
                                             ).lower() == "absent":
            continue
        if rule is run.args and "contype" not in rule and "method" not in rule:
            continue  # only reads the file
        text = _record_text(rule)
        suffix = f"hba{index}"
        if is_unknown(text):
            result.services.append(service(
                run.origin, platform=PLATFORM, product=databases.PRODUCT, kind="database",
                reach="unknown", authentication=text, suffix=suffix,
                unknown=[*run.notes, LISTEN_UNKNOWN]))
            continue
        try:
            parsed = pg_hba.parse(text)
        except InputError as error:
            result.services.append(service(
                run.origin, platform=PLATFORM, product=databases.PRODUCT, kind="database",
                reach="unknown", authentication=None, suffix=suffix,
                unknown=[*run.notes, f"the record {text!r} is not valid: {error.message}"]))
            continue
        found = databases.hba_facts(parsed, run.origin.file, platform=PLATFORM,
                                    server_reach="unknown", address=run.origin.address,
                                    unknown=[*run.notes, LISTEN_UNKNOWN])
        origin = Origin(run.origin.file, run.origin.line, run.origin.end_line,
                        run.origin.address)
        for fact in found.facts.services:  # the task, not the text composed from it
            result.services.append(service(
                origin, platform=PLATFORM, product=fact["product"], kind="database",
                reach=fact["reach"], authentication=fact["authentication"],
                listeners=fact["listeners"], tls=fact["tls"], detail=fact["detail"],
                suffix=suffix, unknown=fact["unknown"]))
