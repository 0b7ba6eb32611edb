"""One task, many evaluations: a play runs for several hosts (grouped by their variables) and a
role may run twice with different parameters. Identical facts are kept once; a fact that only
some hosts produce names them; what still shares an id is told apart by a variant number."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from dicomguard.ansible.evaluate import TaskRun
from dicomguard.facts import fact_id
from dicomguard.model import Facts, Origin
from dicomguard.records import field, record

TaskKey = tuple[str, int, str]


@record
class _Produced:
    kind: str
    fact: dict[str, Any]
    task: TaskKey
    hosts: set[str] = field(default_factory=set)


@record
class FactVariants:
    host_group_sizes: dict[str, int]  # representative host -> hosts sharing its variables
    # completes a fact once every task has run: (kind, fact, hosts that produced it)
    complete: Callable[[str, dict[str, Any], set[str]], None] = lambda *_: None
    _evaluated: dict[TaskKey, set[str]] = field(default_factory=dict)
    _produced: dict[str, _Produced] = field(default_factory=dict)

    def ran(self, run: TaskRun) -> None:
        self._evaluated.setdefault(_task(run), set()).add(run.host)

    def add(self, kind: str, fact: dict[str, Any], run: TaskRun) -> None:
        body = json.dumps({key: value for key, value in fact.items() if key != "id"},
                          sort_keys=True, default=str)
        entry = self._produced.setdefault(f"{fact['id']}\0{body}",
                                          _Produced(kind, fact, _task(run)))
        entry.hosts.add(run.host)

    def facts(self) -> Facts:
        result = Facts()
        ids: dict[str, int] = {}
        for entry in self._produced.values():
            fact = entry.fact
            self.complete(entry.kind, fact, entry.hosts)
            if entry.hosts != self._evaluated.get(entry.task, entry.hosts):
                _rename(fact, f"host {self._hosts_label(entry.hosts)}", "@" + ",".join(
                    sorted(entry.hosts)))
            count = ids[fact["id"]] = ids.get(fact["id"], 0) + 1
            if count > 1:
                _rename(fact, f"variant {count}", f"~{count}")
            getattr(result, entry.kind).append(fact)
        return result

    def _hosts_label(self, hosts: set[str]) -> str:
        names = sorted(hosts)
        others = sum(self.host_group_sizes.get(name, 1) for name in names) - len(names)
        label = ", ".join(name or "?" for name in names)
        return f"{label} and {others} more" if others else label


def _task(run: TaskRun) -> TaskKey:
    return (run.origin.file, run.origin.line, run.origin.address)


def _rename(fact: dict[str, Any], label: str, id_suffix: str) -> None:
    origin = fact["origin"]
    renamed = Origin(origin["file"], origin["line"], origin["end_line"],
                     f"{origin['address']} ({label})")
    suffix = str(fact["id"]).partition("#")[2]
    fact["origin"] = renamed.to_json()
    fact["id"] = fact_id(renamed, suffix) + id_suffix
