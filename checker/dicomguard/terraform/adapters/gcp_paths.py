"""Google Cloud paths in front of a host: external forwarding rules (the frontends of load
balancers and protocol forwarding) as ingress facts of the ports they carry from the internet,
with the path they take ("internet -> google_compute_forwarding_rule.dicom:11112 -> ...").

A proxy load balancer (a target proxy, or the EXTERNAL_MANAGED scheme) opens its port to the
internet by itself: the backends' firewall only has to admit Google's proxies. A passthrough
one keeps the client's address, so it carries only what a firewall of the configuration admits
from the internet (see docs/decisions.md)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dicomguard.facts import ALL_PORTS, ingress, normalise_protocol, parse_port_spec, peer
from dicomguard.model import Facts, Origin, Unknown, is_unknown
from dicomguard.terraform.adapters.gcp import context as gcp_context
from dicomguard.terraform.adapters.gcp import firewalls as gcp_firewalls
from dicomguard.terraform.adapters.gcp.backends import Backend, Group, backends_of
from dicomguard.terraform.adapters.gcp.rules import Firewall
from dicomguard.terraform.adapters.parts import Part, items, referenced_address
from dicomguard.terraform.adapters.ranges import subtract
from dicomguard.terraform.evaluated import Configuration, Resource

PLATFORM = gcp_context.PLATFORM
EXTERNAL_SCHEMES = {"external", "external_managed"}
PROXIES = ("google_compute_target_http_proxy", "google_compute_target_https_proxy",
           "google_compute_target_tcp_proxy", "google_compute_target_ssl_proxy",
           "google_compute_region_target_http_proxy", "google_compute_region_target_https_proxy",
           "google_compute_region_target_tcp_proxy")

build_context: Callable[[Configuration], gcp_context.GcpContext] = gcp_context.build_context


def _ports(rule: Part) -> tuple[list[Any], Origin]:
    if rule.has("all_ports") and rule.get("all_ports") is not False:
        value = rule.get("all_ports")
        return [value] if is_unknown(value) else list(ALL_PORTS), rule.line_of("all_ports")
    if rule.has("ports"):
        return [parse_port_spec(port) for port in items(rule.get("ports"))], rule.line_of("ports")
    if rule.has("port_range"):
        return [parse_port_spec(rule.get("port_range"))], rule.line_of("port_range")
    return [Unknown("the forwarding rule names no ports")], rule.origin()


def _is_proxy(rule: Part, scheme: str, global_rule: bool) -> bool:
    target = referenced_address(rule.get("target")) or ""
    return global_rule or scheme == "external_managed" or target.startswith(PROXIES)


def _identity(value: Any) -> str:
    return referenced_address(value) or str(value)


def _applies(firewall: Firewall, groups: list[Group]) -> bool:
    """Whether a firewall applies to the instances of groups: it targets every instance, or
    one of their network tags or service accounts. Instances not known: it may apply."""
    if firewall.any_target or not groups or any(
            group.tags is None or group.accounts is None for group in groups):
        return True
    tags = {tag for group in groups for tag in group.tags or ()}
    accounts = {account for group in groups for account in group.accounts or ()}
    rule = firewall.part
    return bool({_identity(tag) for tag in items(rule.get("target_tags"))} & tags or
                {_identity(account) for account in items(rule.get("target_service_accounts"))}
                & accounts)


def _admitted(ports: list[Any], protocol: Any, context: gcp_context.GcpContext,
              groups: list[Group]) -> tuple[list[Any], list[dict[str, Any]], list[str]]:
    """The ports of `ports` that firewalls of the configuration applying to the instances of
    groups admit from the internet, the peers that do, and the firewalls."""
    found = Facts()
    for firewall in context.firewalls.values():
        if _applies(firewall, groups):
            gcp_firewalls.firewall(firewall.resource, context, found)
    admitted: list[Any] = []
    peers: list[dict[str, Any]] = []
    names: list[str] = []
    for fact in found.ingress:
        opening = [found_peer for found_peer in fact["peers"]
                   if found_peer["scope"] in ("internet", "unknown")]
        fact_protocol = fact["protocol"]
        if not opening or (fact_protocol is not None and not is_unknown(protocol) and "all" not in (
                normalise_protocol(fact_protocol), normalise_protocol(protocol))
                and normalise_protocol(fact_protocol) != normalise_protocol(protocol)):
            continue
        spans = fact["ports"]
        carried = list(ports) if spans is None else subtract(ports, subtract(ALL_PORTS, spans))
        if carried:
            admitted.extend(span for span in carried if span not in admitted)
            peers.extend(found_peer for found_peer in opening if found_peer not in peers)
            names.append(fact["origin"]["address"])
    return admitted, peers, names


def forwarding_rule(resource: Resource, context: gcp_context.GcpContext, facts: Facts) -> None:
    rule = Part.of(resource)
    scheme_value = rule.get("load_balancing_scheme", "EXTERNAL")
    scheme = "" if is_unknown(scheme_value) else str(scheme_value).strip().lower()
    if not is_unknown(scheme_value) and scheme not in EXTERNAL_SCHEMES:
        return
    protocol = rule.get("ip_protocol", "TCP")
    if not is_unknown(protocol):
        protocol = "all" if str(protocol).upper() == "L3_DEFAULT" else normalise_protocol(protocol)
    ports, where = _ports(rule)
    backend = rule.get("backend_service", rule.get("target"))
    behind = backends_of(rule, context.routes)
    route = _route(behind)
    path = (f"internet -> {resource.address}:{_text(rule.get('port_range', rule.get('ports')))}"
            f" -> {route or _text(backend)}")
    peers = [peer("internet", tag=True)]
    if is_unknown(scheme_value):
        peers = [peer(Unknown("the forwarding rule's load balancing scheme is not known"))]
    elif not _is_proxy(rule, scheme, resource.type == "google_compute_global_forwarding_rule"):
        unknown = [span for span in ports if is_unknown(span)]
        admitted, peers, firewalls = _admitted(
            list(ALL_PORTS) if unknown else ports, protocol, context,
            [group for found in behind for group in found.groups])
        if not admitted:
            return  # GCP's implied rule denies what no firewall admits
        ports = unknown or admitted
        path += f" (passthrough, admitted by {', '.join(firewalls)})"
    else:
        # A proxy carries its frontend port to the port the backend service's port_name names.
        ports = [*ports, *(span for span in (
            parse_port_spec(port) for found in behind for port in found.ports
            if not is_unknown(port)) if span not in ports)]
    facts.ingress.append(ingress(where, platform=PLATFORM,
                                 mechanism="external forwarding rule", protocol=protocol,
                                 ports=ports, peers=peers, path=path))


def _route(behind: list[Backend]) -> str:
    """`backend service X (port_name dicom = 11112) -> group Y` for each backend service
    whose groups are in the configuration."""
    def port(found: Backend) -> str:
        named = "/".join(dict.fromkeys(_text(port) for port in found.ports))
        return named or "not named by its groups"

    return ", ".join(
        f"backend service {found.address} (port_name {found.port_name} = {port(found)})"
        f" -> group {', '.join(group.address for group in found.groups)}"
        for found in behind if found.groups)


def _text(value: Any) -> str:
    if value is None:
        return "*"
    if is_unknown(value):
        return referenced_address(value) or "(unknown)"
    return ",".join(map(str, value)) if isinstance(value, list) else str(value)


Adapter = Callable[[Resource, gcp_context.GcpContext, Facts], None]
ADAPTERS: dict[str, Adapter] = {
    "google_compute_forwarding_rule": forwarding_rule,
    "google_compute_global_forwarding_rule": forwarding_rule,
}
