"""pg_hba.conf held in a Kubernetes ConfigMap (`data: {pg_hba.conf: |...}`), with the
postgresql.conf of the same ConfigMap when it is there.

A pod is reached by the cluster network unless a NetworkPolicy says otherwise; which pod reads
the ConfigMap, and whether a Service exposes it further, is not followed: a record reaches the
network at most."""

from __future__ import annotations

from typing import Any

from dicomguard.apps import databases, pg_hba, postgresql_conf
from dicomguard.model import CollectResult, InputError, ScanError

CLUSTER_REACH = "network"


def config_map_facts(resources: list[Any], file: str) -> CollectResult:
    result = CollectResult()
    for resource in resources:
        data = resource.body.get("data") if resource.kind == "ConfigMap" else None
        if not isinstance(data, dict):
            continue
        conf_text = next((value for key, value in data.items()
                          if databases.is_config_name(str(key)) and isinstance(value, str)),
                         None)
        for key, value in data.items():
            if not databases.is_hba_name(str(key)) or not isinstance(value, str):
                continue
            offset = resource.line("data", key)
            address = f"{resource.address()}.data.{key}"
            try:
                parsed = pg_hba.parse("\n" * offset + value)
            except InputError as error:
                result.errors.append(ScanError(file, error.line, f"{address}: {error.message}"))
                continue
            unknown: list[str] = []
            if conf_text is None:
                reach = CLUSTER_REACH
                unknown = ["listen_addresses is not known: no postgresql.conf in the ConfigMap"]
            else:
                listen = postgresql_conf.parse(conf_text).settings.get("listen_addresses")
                reach = databases.narrowest_reach(CLUSTER_REACH, postgresql_conf.listen_reach(
                    listen.value if listen else postgresql_conf.DEFAULT_LISTEN_ADDRESSES))
            found = databases.hba_facts(parsed, file, platform="kubernetes",
                                        server_reach=reach, address=address, unknown=unknown)
            result.facts.extend(found.facts)
    return result
