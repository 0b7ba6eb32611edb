"""Azure resources as facts: network security groups (ingress, with Deny rules and
priorities), storage accounts and containers, managed disks, Health Data Services DICOM."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from dicomguard.facts import (
    grant,
    ingress,
    listener,
    parse_port_spec,
    peer,
    service,
    storage,
    tristate,
)
from dicomguard.knowledge.principals import AZURE_PUBLIC_CONTAINER_ACCESS
from dicomguard.model import Facts, Unknown, is_unknown
from dicomguard.terraform.adapters.parts import Part, items, referenced_address
from dicomguard.terraform.adapters.ranges import subtract
from dicomguard.terraform.evaluated import Configuration, Resource

PLATFORM = "azure"


@dataclass(slots=True)
class NsgRule:
    part: Part
    priority: Any
    allow: Any  # True, False or Unknown
    inbound: Any
    protocol: Any
    ports: list[Any]
    sources: list[Any]


@dataclass(slots=True)
class AzureContext:
    rules_by_group: dict[str, list[NsgRule]] = field(default_factory=dict)
    group_names: dict[str, str] = field(default_factory=dict)
    accounts: dict[str, Part] = field(default_factory=dict)
    account_names: dict[str, str] = field(default_factory=dict)

    def group_of(self, value: Any) -> str:
        address = referenced_address(value)
        if address:
            return address
        return self.group_names.get(value, f"name:{value}") if isinstance(value, str) else ""

    def account_of(self, part: Part) -> Part | None:
        for name in ("storage_account_id", "storage_account_name"):
            value = part.get(name)
            address = referenced_address(value) or (
                self.account_names.get(value) if isinstance(value, str) else None)
            if address in self.accounts:
                return self.accounts[address]
        return None


def build_context(configuration: Configuration) -> AzureContext:
    context = AzureContext()
    for resource in configuration.of_type("azurerm_network_security_group"):
        name = resource.body.attr("name")
        if isinstance(name, str):
            context.group_names[name] = resource.address
        context.rules_by_group[resource.address] = [
            _rule(part) for part in Part.of(resource).parts("security_rule")]
    for resource in configuration.of_type("azurerm_network_security_rule"):
        group = context.group_of(resource.body.attr("network_security_group_name"))
        context.rules_by_group.setdefault(group, []).append(_rule(Part.of(resource)))
    for resource in configuration.of_type("azurerm_storage_account"):
        context.accounts[resource.address] = Part.of(resource)
        name = resource.body.attr("name")
        if isinstance(name, str):
            context.account_names[name] = resource.address
    return context


# --- network security groups --------------------------------------------------------------

def _word(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


def destination_ports(specs: list[Any]) -> list[Any]:
    """Ports of a security rule's destination port ranges: '104', '4242-4243', '*', and
    comma lists of them."""
    ports: list[Any] = []
    for spec in specs:
        pieces = spec.split(",") if isinstance(spec, str) else [spec]
        ports.extend(parse_port_spec(piece) for piece in pieces if piece != "")
    return ports


def _rule(part: Part) -> NsgRule:
    access = _word(part.get("access"))
    direction = _word(part.get("direction"))
    protocol = _word(part.get("protocol"))
    if protocol == "asterisk":
        protocol = "*"
    ports = destination_ports([*items(part.get("destination_port_range")),
                               *items(part.get("destination_port_ranges"))])
    sources = [*items(part.get("source_address_prefix")),
               *items(part.get("source_address_prefixes"))]
    return NsgRule(
        part=part, priority=part.get("priority"),
        allow=access if is_unknown(access) else access == "allow",
        inbound=direction if is_unknown(direction) else direction == "inbound",
        protocol=protocol, ports=ports or [Unknown("the rule gives no destination port")],
        sources=sources,
    )


def source_peer(source: Any) -> dict[str, Any]:
    if isinstance(source, str) and source.strip() and not any(
            character.isdigit() or character in ":/*" for character in source):
        return peer(source, tag=True)  # a service tag: Internet, VirtualNetwork, AzureCloud
    return peer(source)


def _denied_everywhere(deny: NsgRule, allow: NsgRule) -> bool:
    """A Deny rule that wins over `allow` for every internet source it admits."""
    if deny.allow is not False or deny.inbound is not True:
        return False
    try:
        if int(deny.priority) >= int(allow.priority):
            return False
    except (TypeError, ValueError):
        return False
    if deny.protocol not in ("*", allow.protocol):
        return False
    return any(source_peer(source)["scope"] == "internet" for source in deny.sources)


def _rule_fact(rule: NsgRule, group_rules: list[NsgRule], mechanism: str,
               facts: Facts) -> None:
    if rule.allow is False or rule.inbound is False:
        return
    peers = [source_peer(source) for source in rule.sources]
    for undecided, what in ((rule.allow, "access (Allow or Deny)"),
                            (rule.inbound, "direction")):
        if is_unknown(undecided):
            peers = [peer(Unknown(f"the rule's {what} is not known"))]
    ports = rule.ports
    for other in group_rules:
        if other is not rule and _denied_everywhere(other, rule):
            ports = subtract(ports, other.ports)
    facts.ingress.append(ingress(rule.part.origin(), platform=PLATFORM, mechanism=mechanism,
                                 protocol=rule.protocol, ports=ports, peers=peers))


def security_group(resource: Resource, context: AzureContext, facts: Facts) -> None:
    rules = context.rules_by_group.get(resource.address, [])
    for rule in rules:
        if rule.part.resource is resource:
            _rule_fact(rule, rules, "azurerm_network_security_group security_rule", facts)


def security_rule(resource: Resource, context: AzureContext, facts: Facts) -> None:
    rules = context.rules_by_group.get(
        context.group_of(resource.body.attr("network_security_group_name")), [])
    for rule in rules:
        if rule.part.resource is resource:
            _rule_fact(rule, rules, resource.type, facts)


# --- storage ------------------------------------------------------------------------------

def _first(part: Part, *names: str) -> tuple[Any, str]:
    """The first of several spellings of one argument (azurerm 2.x, 3.x and 4.x names)."""
    for name in names:
        if part.has(name):
            return part.get(name), name
    return None, names[0]


def _network_reach(rules: Part | None) -> tuple[str, list[str]]:
    """internet when network rules explicitly admit every network or an internet range."""
    if rules is None:
        return "network", []
    action = rules.get("default_action")
    if is_unknown(action):
        return "unknown", [action.reason]
    if _word(action) == "allow":
        return "internet", []
    scopes = [source_peer(address) for address in items(rules.get("ip_rules"))]
    if any(scope["scope"] == "internet" for scope in scopes):
        return "internet", []
    unknown = [scope["reason"] for scope in scopes if scope["scope"] == "unknown"]
    return ("unknown", unknown) if unknown else ("network", [])


def storage_account(resource: Resource, context: AzureContext, facts: Facts) -> None:
    """Encrypted at rest always; reported for plain HTTP (HTTPS-only is off), for network
    rules that admit the internet, and for allowing anonymous blob access. TLS below 1.2 is
    not reported: Azure Storage stopped accepting TLS 1.0 and 1.1 in November 2025."""
    account = Part.of(resource)
    facts.storage.append(storage(account.origin(), platform=PLATFORM, kind="object",
                                 encrypted=True,
                                 detail="Azure Storage encrypts all data at rest"))
    https, https_name = _first(account, "https_traffic_only_enabled",
                               "enable_https_traffic_only")
    rules = account.part("network_rules")
    reach, unknown = _network_reach(rules)
    if tristate(account.get("public_network_access_enabled", True)) is False:
        reach, unknown = "network", []
    listeners = [listener(443, "http", tls=True, reach=reach, name="blob HTTPS")]
    if https is not None and tristate(https) is not True:
        listeners.append(listener(80, "http", tls=https if is_unknown(https) else False,
                                  reach=reach, name=f"blob HTTP ({https_name} = false)"))
        origin = account.line_of(https_name)
    elif reach == "internet" and rules is not None:
        origin = rules.origin()
    else:
        origin = account.origin()
    tls: Any = True if https is None else https if is_unknown(https) else tristate(https)
    facts.services.append(service(
        origin, platform=PLATFORM, product="Azure storage account", reach=reach,
        authentication=True, tls=tls, listeners=listeners, kind="data_store",
        unknown=unknown))
    nested, nested_name = _first(account, "allow_nested_items_to_be_public",
                                 "allow_blob_public_access")
    if nested is not None and tristate(nested) is not False:
        facts.grants.append(grant(account.line_of(nested_name), platform=PLATFORM,
                                  resource=resource.address,
                                  principal="anonymous (public blob access allowed)",
                                  public=nested, suffix="nested"))


def storage_network_rules(resource: Resource, context: AzureContext, facts: Facts) -> None:
    rules = Part.of(resource)
    reach, unknown = _network_reach(rules)
    facts.services.append(service(rules.origin(), platform=PLATFORM,
                                  product="Azure storage account", reach=reach,
                                  authentication=True, kind="data_store", unknown=unknown))


def storage_container(resource: Resource, context: AzureContext, facts: Facts) -> None:
    container = Part.of(resource)
    access_type = container.get("container_access_type", "private")
    if not is_unknown(access_type) and access_type not in AZURE_PUBLIC_CONTAINER_ACCESS:
        return
    account = context.account_of(container)
    allowed: Any = True
    if account is not None:
        nested, _ = _first(account, "allow_nested_items_to_be_public", "allow_blob_public_access")
        allowed = True if nested is None else nested if is_unknown(nested) else tristate(nested)
    public: Any = access_type if is_unknown(access_type) else allowed
    facts.grants.append(grant(
        container.line_of("container_access_type"), platform=PLATFORM,
        resource=account.resource.address if account else resource.address,
        principal="anonymous", public=public,
        access=AZURE_PUBLIC_CONTAINER_ACCESS.get(access_type, "read")
        if isinstance(access_type, str) else "read"))


def managed_disk(resource: Resource, context: AzureContext, facts: Facts) -> None:
    disk = Part.of(resource)
    key = "customer-managed key" if disk.has("disk_encryption_set_id") else "platform key"
    facts.storage.append(storage(disk.origin(), platform=PLATFORM, kind="block", encrypted=True,
                                 detail=f"managed disk, server-side encryption ({key})"))


def dicom_service(resource: Resource, context: AzureContext, facts: Facts) -> None:
    body = Part.of(resource)
    public = body.get("public_network_access_enabled", True)
    reach = "unknown" if is_unknown(public) else "internet" if tristate(public) else "network"
    facts.services.append(service(
        body.line_of("public_network_access_enabled"), platform=PLATFORM,
        product="Azure Health Data Services DICOM", reach=reach, authentication=True,
        tls=True, kind="data_store",
        detail="public_network_access_enabled defaults to true" if reach == "internet" else "",
        unknown=[public.reason] if is_unknown(public) else []))
    key = ("customer-managed key" if body.has("encryption_key_url")
           or body.part("customer_managed_key") else "Microsoft-managed key")
    facts.storage.append(storage(body.origin(), platform=PLATFORM, kind="dicom_store",
                                 encrypted=True, detail=f"DICOM service ({key})",
                                 suffix="store"))


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


Adapter = Callable[[Resource, AzureContext, Facts], None]
ADAPTERS: dict[str, Adapter] = {
    "azurerm_network_security_group": security_group,
    "azurerm_network_security_rule": security_rule,
    "azurerm_storage_account": storage_account,
    "azurerm_storage_account_network_rules": storage_network_rules,
    "azurerm_storage_container": storage_container,
    "azurerm_managed_disk": managed_disk,
    "azurerm_healthcare_dicom_service": dicom_service,
    "azurerm_mssql_firewall_rule": database_firewall_rule,
    "azurerm_sql_firewall_rule": database_firewall_rule,
    "azurerm_postgresql_firewall_rule": database_firewall_rule,
    "azurerm_postgresql_flexible_server_firewall_rule": database_firewall_rule,
    "azurerm_mysql_firewall_rule": database_firewall_rule,
    "azurerm_mysql_flexible_server_firewall_rule": database_firewall_rule,
}
