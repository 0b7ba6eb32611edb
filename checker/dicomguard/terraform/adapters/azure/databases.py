"""Server-level firewall rules of Azure SQL, PostgreSQL and MySQL as database service facts."""

from __future__ import annotations

import ipaddress
from typing import Any

from dicomguard.facts import service
from dicomguard.model import Facts, is_unknown
from dicomguard.terraform.adapters.azure.context import PLATFORM, Adapter, AzureContext
from dicomguard.terraform.adapters.azure.rules import source_peer
from dicomguard.terraform.adapters.parts import Part
from dicomguard.terraform.evaluated import Resource


def database_firewall_rule(resource: Resource, context: AzureContext, facts: Facts) -> None:
    """A server-level firewall rule of Azure SQL, PostgreSQL or MySQL: the internet when its
    range is as wide as the internet (0.0.0.0 to 0.0.0.0 only admits Azure services)."""
    rule = Part.of(resource)
    start, end = rule.get("start_ip_address"), rule.get("end_ip_address")
    reach, unknown = "network", []
    for value in (start, end):
        if is_unknown(value):
            reach, unknown = "unknown", [value.reason]
    if reach == "network" and _widest_scope(start, end) == "internet":
        reach = "internet"
    facts.services.append(service(rule.origin(), platform=PLATFORM,
                                  product=resource.type.removeprefix("azurerm_").removesuffix(
                                      "_firewall_rule").replace("_", " "),
                                  reach=reach, authentication=True, kind="database",
                                  detail=f"firewall rule {start} - {end}", unknown=unknown))


def _widest_scope(start: Any, end: Any) -> str:
    try:
        networks = ipaddress.summarize_address_range(ipaddress.ip_address(str(start)),
                                                     ipaddress.ip_address(str(end)))
    except (TypeError, ValueError):
        return "unknown"
    scopes = {source_peer(str(network))["scope"] for network in networks}
    return "internet" if "internet" in scopes else "network"


ADAPTERS: dict[str, Adapter] = {
    "azurerm_mssql_firewall_rule": database_firewall_rule,
    "azurerm_sql_firewall_rule": database_firewall_rule,
    "azurerm_postgresql_firewall_rule": database_firewall_rule,
    "azurerm_postgresql_flexible_server_firewall_rule": database_firewall_rule,
    "azurerm_mysql_firewall_rule": database_firewall_rule,
    "azurerm_mysql_flexible_server_firewall_rule": database_firewall_rule,
}
