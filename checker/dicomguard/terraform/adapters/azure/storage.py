"""Storage accounts (HTTPS, network rules, anonymous blob access) and their containers as
storage, service and grant facts."""

from __future__ import annotations

from typing import Any

from dicomguard.facts import grant, listener, service, storage, tristate
from dicomguard.knowledge.principals import AZURE_PUBLIC_CONTAINER_ACCESS
from dicomguard.model import Facts, is_unknown
from dicomguard.terraform.adapters.azure.context import PLATFORM, Adapter, AzureContext
from dicomguard.terraform.adapters.azure.rules import source_peer, word
from dicomguard.terraform.adapters.parts import Part, items
from dicomguard.terraform.evaluated import Resource


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
    if word(action) == "allow":
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


ADAPTERS: dict[str, Adapter] = {
    "azurerm_storage_account": storage_account,
    "azurerm_storage_account_network_rules": storage_network_rules,
    "azurerm_storage_container": storage_container,
}
