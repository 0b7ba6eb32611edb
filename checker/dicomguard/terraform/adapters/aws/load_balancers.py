"""AWS load balancer listeners the internet reaches (ALB/NLB listeners, classic ELBs) as
ingress facts, with the ports they forward to."""

from __future__ import annotations

from typing import Any

from dicomguard.facts import ingress, normalise_protocol, peer, port_range, tristate
from dicomguard.model import Facts, Unknown, is_unknown
from dicomguard.terraform.adapters.aws.context import PLATFORM, Adapter, AwsContext
from dicomguard.terraform.adapters.aws.rules import GroupRule
from dicomguard.terraform.adapters.parts import Part, items, referenced_address
from dicomguard.terraform.evaluated import Resource

LISTENER_PROTOCOLS = {"udp": "udp", "tcp_udp": "all"}


def _admits_internet(rules: list[GroupRule], port: Any) -> Any:
    """Whether security group rules admit the internet to a TCP port: True, False or Unknown."""
    undecided: Unknown | None = None
    for rule in rules:
        scopes = {found["scope"] for found in rule.peers}
        if not scopes & {"internet", "unknown"}:
            continue
        protocol = rule.protocol
        if not is_unknown(protocol) and normalise_protocol(protocol) not in ("all", "tcp"):
            continue
        spans = rule.ports
        if (is_unknown(protocol) or is_unknown(spans) or is_unknown(port)
                or any(is_unknown(span) for span in spans)):
            undecided = Unknown("a rule of the load balancer's security group is not known")
            continue
        if any(span[0] <= int(port) <= span[1] for span in spans):
            if "internet" in scopes:
                return True
            undecided = Unknown("a source of the load balancer's security group is not known")
    return undecided if undecided is not None else False


def _internet_facing(balancer: Part | None, port: Any, context: AwsContext,
                     reason: str) -> Any:
    """Whether the internet reaches a load balancer's listener port: it is not internal, and
    it has no security group (an NLB) or one that admits the internet to that port."""
    if balancer is None:
        return Unknown(reason)
    internal = balancer.get("internal", False)
    if is_unknown(internal):
        return internal
    if tristate(internal):
        return False
    groups = items(balancer.get("security_groups"))
    if not groups:
        return True
    verdicts = []
    for group in groups:
        rules = context.group_rules.get(referenced_address(group) or "")
        verdicts.append(_admits_internet(rules, port) if rules is not None else Unknown(
            "a security group of the load balancer is not in the configuration"))
    if any(verdict is True for verdict in verdicts):
        return True
    return next((verdict for verdict in verdicts if is_unknown(verdict)), False)


def _listener_fact(part: Part, facing: Any, port: Any, protocol: Any, targets: list[Any],
                   mechanism: str, facts: Facts) -> None:
    """The listener port and the ports it forwards to (the service behind it)."""
    if facing is False:
        return
    if is_unknown(protocol):
        normalised: Any = protocol
    else:
        normalised = LISTENER_PROTOCOLS.get(str(protocol or "tcp").lower(), "tcp")
    source = peer("internet", tag=True) if facing is True else peer(facing)
    path = ""
    if targets:
        path = f"listener port {port} forwards to port " + ", ".join(map(str, targets))
    facts.ingress.append(ingress(
        part.origin(), platform=PLATFORM, mechanism=mechanism, protocol=normalised,
        ports=[port_range(port), *(port_range(target) for target in targets)],
        peers=[source], path=path,
    ))


def _target_ports(listener: Part, context: AwsContext) -> list[Any]:
    ports = []
    for action in listener.parts("default_action"):
        arns = [action.get("target_group_arn"),
                *(group.get("arn") for forward in action.parts("forward")
                  for group in forward.parts("target_group"))]
        for arn in arns:
            group = context.target_groups.get(referenced_address(arn) or "")
            if group is not None and group.has("port") and group.get("port") not in ports:
                ports.append(group.get("port"))
    return ports


def lb_listener(resource: Resource, context: AwsContext, facts: Facts) -> None:
    listener = Part.of(resource)
    balancer = context.load_balancers.get(
        referenced_address(listener.get("load_balancer_arn")) or "")
    port = listener.get("port")
    facing = _internet_facing(balancer, port, context,
                              "the listener's load balancer is not in the configuration")
    _listener_fact(listener, facing, port, listener.get("protocol"),
                   _target_ports(listener, context), "internet-facing load balancer listener",
                   facts)


def classic_elb(resource: Resource, context: AwsContext, facts: Facts) -> None:
    balancer = Part.of(resource)
    for listener in balancer.parts("listener"):
        port = listener.get("lb_port")
        facing = _internet_facing(balancer, port, context, "")
        target = listener.get("instance_port")
        _listener_fact(listener, facing, port, listener.get("lb_protocol"),
                       [target] if target is not None else [],
                       "internet-facing classic load balancer", facts)


ADAPTERS: dict[str, Adapter] = {
    "aws_lb_listener": lb_listener,
    "aws_alb_listener": lb_listener,
    "aws_elb": classic_elb,
}
