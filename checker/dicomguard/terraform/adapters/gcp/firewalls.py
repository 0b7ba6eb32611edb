"""Compute firewalls as ingress facts, with deny rules that win over an allow taking their
ports away."""

from __future__ import annotations

from dicomguard.facts import ingress, normalise_protocol
from dicomguard.model import Facts, is_unknown
from dicomguard.terraform.adapters.gcp.context import PLATFORM, Adapter, GcpContext
from dicomguard.terraform.adapters.gcp.rules import allowed_ports, shadows
from dicomguard.terraform.adapters.ranges import subtract
from dicomguard.terraform.evaluated import Resource


def firewall(resource: Resource, context: GcpContext, facts: Facts) -> None:
    rule = context.firewalls.get(resource.address)
    if rule is None:
        return
    denials = [other for other in context.firewalls.values()
               if other is not rule and other.part.parts("deny") and shadows(other, rule)]
    for index, allowed in enumerate(rule.part.parts("allow")):
        protocol = allowed.get("protocol")
        ports = allowed_ports(protocol, allowed.get("ports"))
        for deny in denials:
            for denied in deny.part.parts("deny"):
                denied_protocol = denied.get("protocol")
                if is_unknown(ports) or is_unknown(denied_protocol):
                    continue
                same = not is_unknown(protocol) and normalise_protocol(
                    denied_protocol) == normalise_protocol(protocol)
                if same or normalise_protocol(denied_protocol) == "all":
                    ports = subtract(ports, allowed_ports(denied_protocol, denied.get("ports")))
        facts.ingress.append(ingress(
            allowed.origin(), platform=PLATFORM, mechanism="google_compute_firewall allow",
            protocol=protocol, ports=ports, peers=rule.peers, suffix=f"allow{index}"))


ADAPTERS: dict[str, Adapter] = {
    "google_compute_firewall": firewall,
}
