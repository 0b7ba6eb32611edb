"""Azure paths in front of a host: Azure Firewall DNAT rules (classic rule collections and
firewall policy rule collection groups) and Azure Load Balancer rules and inbound NAT rules.
Each that carries the internet to a backend port is an ingress fact of that port, with the
path it takes ("internet -> azurerm_firewall.hub:11112 DNAT -> 10.0.1.4:11112").

Azure Firewall translates the source of DNAT traffic to its own private address, so the
backend's network security group cannot tell internet traffic apart: the DNAT rule alone
decides. A load balancer keeps the client's address, so the security groups of its backends
decide (see docs/decisions.md)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dicomguard.facts import ALL_PORTS, ingress, normalise_protocol, parse_port_spec, peer
from dicomguard.model import Facts, Unknown, is_unknown
from dicomguard.records import field, record
from dicomguard.terraform.adapters.azure import context as azure_context
from dicomguard.terraform.adapters.azure import rules as azure_rules
from dicomguard.terraform.adapters.parts import Part, items, referenced_address
from dicomguard.terraform.evaluated import Configuration, Resource

PLATFORM = azure_context.PLATFORM
INTERNET = "internet"


@record
class PathContext:
    security: azure_context.AzureContext
    firewall_names: dict[str, str] = field(default_factory=dict)
    ip_groups: dict[str, list[Any]] = field(default_factory=dict)
    balancers: dict[str, Resource] = field(default_factory=dict)
    pool_members: dict[str, list[str]] = field(default_factory=dict)  # pool -> NICs
    nat_members: dict[str, list[str]] = field(default_factory=dict)  # NAT rule -> NICs
    nic_groups: dict[str, list[str]] = field(default_factory=dict)  # NIC -> its NSGs
    subnet_groups: dict[str, list[str]] = field(default_factory=dict)
    nic_subnets: dict[str, list[str]] = field(default_factory=dict)


def _link(links: dict[str, list[str]], key: Any, value: Any) -> None:
    key_address, value_address = referenced_address(key), referenced_address(value)
    if key_address and value_address:
        links.setdefault(key_address, []).append(value_address)


def build_context(configuration: Configuration) -> PathContext:
    context = PathContext(azure_context.build_context(configuration))
    for resource in configuration.of_type("azurerm_firewall"):
        name = resource.body.attr("name")
        if isinstance(name, str):
            context.firewall_names[name] = resource.address
    for resource in configuration.of_type("azurerm_ip_group"):
        context.ip_groups[resource.address] = items(resource.body.attr("cidrs"))
    for resource in configuration.of_type("azurerm_lb"):
        context.balancers[resource.address] = resource
    for association, links, key, value in (
            ("azurerm_network_interface_backend_address_pool_association", context.pool_members,
             "backend_address_pool_id", "network_interface_id"),
            ("azurerm_network_interface_nat_rule_association", context.nat_members,
             "nat_rule_id", "network_interface_id"),
            ("azurerm_network_interface_security_group_association", context.nic_groups,
             "network_interface_id", "network_security_group_id"),
            ("azurerm_subnet_network_security_group_association", context.subnet_groups,
             "subnet_id", "network_security_group_id")):
        for resource in configuration.of_type(association):
            _link(links, resource.body.attr(key), resource.body.attr(value))
    for resource in configuration.of_type("azurerm_network_interface"):
        context.nic_subnets[resource.address] = [
            subnet for block in Part.of(resource).parts("ip_configuration")
            if (subnet := referenced_address(block.get("subnet_id")))]
    return context


def _protocol(values: list[Any]) -> Any:
    """One protocol for a rule's list of them: every protocol when it lists several."""
    unknown = next((value for value in values if is_unknown(value)), None)
    if unknown is not None:
        return unknown
    names = {normalise_protocol(value) for value in values}
    if not names:
        return "all"
    return names.pop() if len(names) == 1 else "all"


def _text(value: Any) -> str:
    if is_unknown(value):
        address = referenced_address(value)
        return address or "(unknown)"
    return ", ".join(map(str, value)) if isinstance(value, list) else str(value)


# --- Azure Firewall DNAT ------------------------------------------------------------------

def _dnat_sources(rule: Part, context: PathContext) -> list[dict[str, Any]]:
    peers = [azure_rules.source_peer(source) for source in items(rule.get("source_addresses"))]
    for group in items(rule.get("source_ip_groups")):
        cidrs = context.ip_groups.get(referenced_address(group) or "")
        if cidrs is None:
            peers.append(peer(Unknown(f"IP group {_text(group)} is not in the configuration")))
        else:
            peers.extend(peer(cidr) for cidr in cidrs)
    return peers


def _dnat_fact(rule: Part, hop: str, action: Any, context: PathContext, facts: Facts) -> None:
    if not is_unknown(action) and str(action).strip().lower() != "dnat":
        return
    peers = _dnat_sources(rule, context)
    if is_unknown(action):
        peers = [peer(Unknown("the rule collection's action (Dnat or Snat) is not known"))]
    translated = rule.get("translated_port")
    ports = [parse_port_spec(translated)] if translated is not None else [
        Unknown("the rule gives no translated port")]
    backend = rule.get("translated_address", rule.get("translated_fqdn"))
    destination = rule.get("destination_address", rule.get("destination_addresses"))
    front = f"{hop} {_text(destination)}" if destination is not None else hop
    path = (f"{INTERNET} -> {front}:{_text(rule.get('destination_ports'))} DNAT -> "
            f"{_text(backend)}:{_text(translated)}")
    where = rule.line_of("source_addresses") if rule.has("source_addresses") else rule.origin()
    facts.ingress.append(ingress(
        where, platform=PLATFORM, mechanism="Azure Firewall DNAT rule",
        protocol=_protocol(items(rule.get("protocols"))), ports=ports, peers=peers, path=path))


def firewall_nat_rule_collection(resource: Resource, context: PathContext,
                                 facts: Facts) -> None:
    collection = Part.of(resource)
    name = collection.get("azure_firewall_name")
    hop = context.firewall_names.get(name, f"azurerm_firewall {name}") \
        if isinstance(name, str) else _text(name)
    for rule in collection.parts("rule"):
        _dnat_fact(rule, hop, collection.get("action"), context, facts)


def firewall_policy_rule_collection_group(resource: Resource, context: PathContext,
                                          facts: Facts) -> None:
    group = Part.of(resource)
    hop = _text(group.get("firewall_policy_id"))
    for collection in group.parts("nat_rule_collection"):
        for rule in collection.parts("rule"):
            _dnat_fact(rule, hop, collection.get("action", "Dnat"), context, facts)


# --- Azure Load Balancer ------------------------------------------------------------------

def _frontend_public(rule: Part, context: PathContext) -> Any:
    """Whether the rule's frontend has a public IP: True, False or Unknown."""
    balancer = context.balancers.get(referenced_address(rule.get("loadbalancer_id")) or "")
    if balancer is None:
        return Unknown("the rule's load balancer is not in the configuration")
    name = rule.get("frontend_ip_configuration_name")
    for frontend in Part.of(balancer).parts("frontend_ip_configuration"):
        if is_unknown(name) or frontend.get("name") == name:
            if frontend.has("public_ip_address_id") or frontend.has("public_ip_prefix_id"):
                return True
            if is_unknown(name):
                return Unknown("the rule's frontend IP configuration is not known")
            return False
    return Unknown(f"frontend IP configuration {_text(name)} is not on the load balancer")


def _first_match(rules: list[azure_rules.NsgRule], port: int, protocol: Any) -> Any:
    """What an NSG does with internet traffic to a port: the Allow or Deny of its inbound rule
    with the lowest priority number that matches (True, False), Unknown when a rule that might
    match is not known; False when none matches (DenyAllInBound)."""
    def priority(rule: azure_rules.NsgRule) -> int:
        try:
            return int(rule.priority)
        except (TypeError, ValueError):
            return -1  # an unknown priority may come first
    wanted = normalise_protocol(protocol)
    for rule in sorted(rules, key=priority):
        if rule.inbound is False:
            continue
        scopes = {azure_rules.source_peer(source)["scope"] for source in rule.sources}
        if not scopes & {"internet", "unknown"}:
            continue
        if "unknown" in scopes or any(is_unknown(value) for value in (
                rule.allow, rule.inbound, rule.priority, rule.protocol, *rule.ports)):
            return Unknown("a rule of the backend's network security group is not known")
        if "all" not in (wanted, normalise_protocol(rule.protocol)) and \
                normalise_protocol(rule.protocol) != wanted:
            continue
        if any(span[0] <= port <= span[1] for span in rule.ports):
            return bool(rule.allow)
    return False


def _backend_admits(groups: list[str], port: Any, protocol: Any, sku: Any,
                    context: PathContext) -> Any:
    """Whether internet traffic reaches one backend through every NSG on its path (its
    network interface's and its subnet's)."""
    if not groups:
        if is_unknown(sku) or sku is None:
            return Unknown("the backend has no network security group and the load balancer's "
                           "SKU is not set (a Basic one admits everything, a Standard one "
                           "nothing)")
        return str(sku).lower() == "basic"
    span = parse_port_spec(port)
    if is_unknown(span):
        return span
    verdicts = [_first_match(context.security.rules_by_group.get(group, []), span[0],
                             protocol) for group in groups]
    if any(verdict is False for verdict in verdicts):
        return False
    return next((verdict for verdict in verdicts if is_unknown(verdict)), True)


def _backends_admit(nics: list[str], port: Any, protocol: Any, sku: Any,
                    context: PathContext, pools: str) -> Any:
    if not nics:
        return Unknown(f"the backends of {pools} and their network security groups are not "
                       "in the configuration")
    verdicts = []
    for nic in nics:
        groups = list(context.nic_groups.get(nic, []))
        for subnet in context.nic_subnets.get(nic, []):
            groups.extend(context.subnet_groups.get(subnet, []))
        verdicts.append(_backend_admits(groups, port, protocol, sku, context))
    if any(verdict is True for verdict in verdicts):
        return True
    return next((verdict for verdict in verdicts if is_unknown(verdict)), False)


def _balancer_fact(rule: Part, nics: list[str], pools: str, mechanism: str,
                   context: PathContext, facts: Facts) -> None:
    public = _frontend_public(rule, context)
    if public is False:
        return
    protocol = rule.get("protocol", "Tcp")
    protocol = protocol if is_unknown(protocol) else normalise_protocol(protocol)
    backend_port = rule.get("backend_port")
    balancer = context.balancers.get(referenced_address(rule.get("loadbalancer_id")) or "")
    sku = Part.of(balancer).get("sku") if balancer is not None else None
    admitted = public if is_unknown(public) else _backends_admit(
        nics, backend_port, protocol, sku, context, pools)
    if admitted is False:
        return
    front = referenced_address(rule.get("loadbalancer_id")) or _text(rule.get("loadbalancer_id"))
    frontend_port = rule.get("frontend_port", rule.get("frontend_port_start"))
    path = f"{INTERNET} -> {front}:{_text(frontend_port)} -> {pools}:{_text(backend_port)}"
    ports = [parse_port_spec(backend_port)] if backend_port is not None else ALL_PORTS
    source = peer(INTERNET, tag=True) if admitted is True else peer(admitted)
    facts.ingress.append(ingress(rule.origin(), platform=PLATFORM, mechanism=mechanism,
                                 protocol=protocol, ports=ports, peers=[source], path=path))


def _pool_members(rule: Part, context: PathContext, *names: str) -> tuple[list[str], str]:
    pools = [referenced_address(value) or _text(value)
             for name in names for value in items(rule.get(name))]
    nics = [nic for pool in pools for nic in context.pool_members.get(pool, [])]
    return nics, ", ".join(pools) or "the backend pool"


def lb_rule(resource: Resource, context: PathContext, facts: Facts) -> None:
    rule = Part.of(resource)
    nics, pools = _pool_members(rule, context, "backend_address_pool_ids",
                                "backend_address_pool_id")
    _balancer_fact(rule, nics, pools, "Azure Load Balancer rule", context, facts)


def lb_nat_rule(resource: Resource, context: PathContext, facts: Facts) -> None:
    rule = Part.of(resource)
    nics, pools = _pool_members(rule, context, "backend_address_pool_id")
    nics = [*context.nat_members.get(resource.address, []), *nics]
    backends = ", ".join(nics) or pools
    _balancer_fact(rule, nics, backends, "Azure Load Balancer inbound NAT rule", context,
                   facts)


Adapter = Callable[[Resource, PathContext, Facts], None]
ADAPTERS: dict[str, Adapter] = {
    "azurerm_firewall_nat_rule_collection": firewall_nat_rule_collection,
    "azurerm_firewall_policy_rule_collection_group": firewall_policy_rule_collection_group,
    "azurerm_lb_rule": lb_rule,
    "azurerm_lb_nat_rule": lb_nat_rule,
}
