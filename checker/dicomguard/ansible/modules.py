"""Module adapters: what a firewall, cloud, container or storage task means, as facts.

Every adapter reads a TaskRun (arguments already templated, Unknown where they cannot be known)
and returns facts. Module defaults are the documented ones of each module.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from dicomguard import facts
from dicomguard.ansible.evaluate import TaskRun
from dicomguard.ansible.postgresql import postgresql_pg_hba
from dicomguard.ansible.windows import win_firewall, win_firewall_rule
from dicomguard.apps.compose import parse_short_port
from dicomguard.apps.containers import bind_reach, exposed_ports
from dicomguard.firewall.iptables import port_ranges
from dicomguard.knowledge import images, principals
from dicomguard.knowledge.firewalld import UNTRUSTED_ZONES, Services, closed_zones
from dicomguard.knowledge.ufw import profile_ports
from dicomguard.model import Facts, InputError, Unknown, is_unknown
from dicomguard.terraform.adapters.aws.rules import rule_ports
from dicomguard.terraform.adapters.azure.rules import destination_ports
from dicomguard.terraform.adapters.gcp.rules import allowed_ports
from dicomguard.terraform.adapters.parts import json_document
from dicomguard.terraform.adapters.policy_documents import public_statements

PLATFORM = "ansible"
INTERNET = "0.0.0.0/0"
ZONE_PATH = "firewalld zone "  # ingress path of a rule in a zone, for zones.py


def adapt(run: TaskRun, services: Services | None = None,
          catalogue_ports: set[int] | None = None) -> Facts:
    """Facts of one task; `services` are the firewalld services the hosts know (shipped, and
    defined by the repository), `catalogue_ports` the ports of the DICOM port catalogue."""
    result = Facts()
    if run.module == "firewalld":
        firewalld(run, result, services or Services())
    elif run.module == "docker_container":
        docker_container(run, result, catalogue_ports or set())
    elif (adapter := ADAPTERS.get(run.module)) is not None:
        adapter(run, result)
    return result


def _absent(run: TaskRun, *absent_words: str) -> bool:
    state = run.args.get("state")
    return isinstance(state, str) and state.lower() in {"absent", *absent_words}


def _list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _ingress(run: TaskRun, result: Facts, *, mechanism: str, protocol: Any, ports: Any,
             sources: list[Any], suffix: str = "", tags: list[Any] | None = None,
             path: str = "") -> None:
    peers = [facts.peer(source) for source in sources] + \
        [facts.peer(tag, tag=True) for tag in tags or []]
    if is_unknown(ports) or ports is None:
        port_list: Any = ports if is_unknown(ports) else Unknown("ports not given")
    else:
        port_list = ports
    result.ingress.append(facts.ingress(
        run.origin, platform=PLATFORM, mechanism=mechanism, protocol=protocol, ports=port_list,
        peers=peers, path=path, suffix=suffix, unknown=run.notes))


def _port_specs(value: Any) -> list[Any]:
    """Port ranges of a value that may be a list, a comma list ('22, 24,49-67') or both."""
    specs: list[Any] = []
    for item in _list(value):
        if isinstance(item, str) and "," in item:
            specs.extend(facts.parse_port_spec(part) for part in item.split(",") if part.strip())
        else:
            specs.append(facts.parse_port_spec(item))
    return specs


def _port_with_protocol(spec: Any) -> tuple[Any, Any]:
    """'104/tcp' -> ([104, 104], 'tcp'); '4000-4010/udp' -> ([4000, 4010], 'udp')."""
    if is_unknown(spec):
        return spec, spec
    text = str(spec).strip()
    port, _, protocol = text.partition("/")
    return facts.parse_port_spec(port), protocol or "tcp"


def _netfilter_ports(value: Any) -> list[Any]:
    """Ports of the iptables and ufw modules, read as the firewall family reads `--dport` and
    ufw's ports: service names resolved, comma lists, ranges with ':'; a port the tools refuse
    is unknown."""
    ports: list[Any] = []
    for item in _list(value):
        if is_unknown(item):
            ports.append(item)
            continue
        try:
            ports.extend([low, high] for low, high in port_ranges(str(item)))
        except InputError as error:
            ports.append(Unknown(error.message))
    return ports


# ---- host firewalls ------------------------------------------------------------------------

def firewalld(run: TaskRun, result: Facts, services: Services) -> None:
    args = run.args
    state = args.get("state")
    if is_unknown(state):
        run.notes.append(f"firewalld state unknown: {state.reason}")
    elif str(state).lower() != "enabled":
        return
    zone = args.get("zone", "public")
    sources = _zone_sources(zone)
    if sources is None:
        return
    path = f"{ZONE_PATH}{zone}" if isinstance(zone, str) else ""
    if args.get("rich_rule") is not None:
        _rich_rule(run, result, args["rich_rule"], sources, path, services)
    for index, spec in enumerate(_list(args.get("port"))):
        ports, protocol = _port_with_protocol(spec)
        _ingress(run, result, mechanism="firewalld port", protocol=protocol, ports=[ports],
                 sources=sources, suffix=f"port{index}", path=path)
    for index, name in enumerate(_list(args.get("service"))):
        known = None if is_unknown(name) else services.ports(str(name))
        if known is None:
            reason = f"ports of {name.reason} are not known" if is_unknown(name) else \
                services.unknown_reason(str(name))
            _ingress(run, result, mechanism="firewalld service", protocol=None,
                     ports=Unknown(reason), sources=sources, suffix=f"service{index}",
                     path=path)
            continue
        for port, protocol in known:
            _ingress(run, result, mechanism=f"firewalld service {name}", protocol=protocol,
                     ports=[_service_port(port)], sources=sources,
                     suffix=f"service{index}-{port or protocol}", path=path)
    binds = [("source", args.get("source")), ("interface", args.get("interface"))]
    if str(zone).lower() == "trusted":
        # The trusted zone accepts everything from the sources and interfaces bound to it.
        for key, value in binds:
            if value is not None:
                source = value if key == "source" else Unknown(
                    f"who reaches interface {value!r} depends on the network it is plugged into")
                _ingress(run, result, mechanism=f"firewalld trusted zone {key}",
                         protocol="all", ports=facts.ALL_PORTS, sources=[source],
                         suffix=f"trusted-{key}")


def _service_port(port: str) -> Any:
    """A service's port ('104', '5900-5903'), or every port for a protocol-only entry."""
    return facts.ALL_PORTS[0] if port == "" else facts.parse_port_spec(port)


def _zone_sources(zone: Any) -> list[Any] | None:
    """Who reaches a zone. None for zones that drop everything."""
    if is_unknown(zone):
        return [Unknown(f"firewalld zone unknown: {zone.reason}")]
    name = str(zone).lower()
    if name in closed_zones():
        return None
    if name in UNTRUSTED_ZONES:
        return [INTERNET]
    return [Unknown(f"which networks reach firewalld zone '{zone}' depends on interfaces "
                    f"and sources bound on the host")]


_RICH_SOURCE = re.compile(r"\bsource\s+(not\s+)?address=\"?([^\"\s]+)\"?")
_RICH_PORT = re.compile(r"\bport\s+port=\"?([^\"\s]+)\"?\s+protocol=\"?(\w+)\"?")
_RICH_SERVICE = re.compile(r"\bservice\s+name=\"?([\w-]+)\"?")
_RICH_ACTION = re.compile(r"\b(accept|reject|drop|mark)\b")


def _rich_rule(run: TaskRun, result: Facts, rule: Any, zone_sources: list[Any],
               path: str, services: Services) -> None:
    if is_unknown(rule):
        _ingress(run, result, mechanism="firewalld rich rule", protocol=None, ports=rule,
                 sources=[rule], suffix="rich")
        return
    text = str(rule)
    action = _RICH_ACTION.search(text)
    if action is None or action.group(1) != "accept" or "forward-port" in text:
        return
    source = _RICH_SOURCE.search(text)
    if source is None:
        sources = zone_sources
    else:
        path = ""  # the rule names its own source; "source not address=X" admits all others
        sources = [INTERNET] if source.group(1) else [source.group(2)]
    port = _RICH_PORT.search(text)
    service = _RICH_SERVICE.search(text)
    known = services.ports(service.group(1)) if service and not port else None
    if port:
        ports, protocol = facts.parse_port_spec(port.group(1)), port.group(2)
    elif service and known is not None:
        for index, (number, protocol) in enumerate(known):
            _ingress(run, result, mechanism="firewalld rich rule", protocol=protocol,
                     ports=[_service_port(number)], sources=sources,
                     suffix="rich" if index == 0 else f"rich{index}", path=path)
        return
    elif service:
        ports, protocol = Unknown(services.unknown_reason(service.group(1))), None
    else:
        ports, protocol = facts.ALL_PORTS[0], "all"
    _ingress(run, result, mechanism="firewalld rich rule", protocol=protocol, ports=[ports]
             if not is_unknown(ports) else ports, sources=sources, suffix="rich", path=path)


def ufw(run: TaskRun, result: Facts) -> None:
    args = run.args
    if facts.tristate(args.get("delete")) is True:
        return
    direction = str(args.get("direction") or "in").lower()
    default = args.get("default") or args.get("policy")
    if default is not None:
        if str(default).lower() == "allow" and direction in {"in", "incoming"}:
            _ingress(run, result, mechanism="ufw default policy", protocol="all",
                     ports=facts.ALL_PORTS, sources=[INTERNET], suffix="default")
        return
    rule = args.get("rule")
    if rule is None:
        return
    if is_unknown(rule):
        run.notes.append(f"ufw rule action unknown: {rule.reason}")
    elif str(rule).lower() not in {"allow", "limit"} or direction not in {"in", "incoming"}:
        return
    port = args.get("to_port", args.get("port"))
    sources = [args.get("from_ip", args.get("from", "any"))]
    name = args.get("name")
    if name is not None and port is None:
        profile = None if is_unknown(name) else profile_ports(str(name))
        if profile is not None:
            for index, spec in enumerate(profile):
                ports_text, _, protocol = spec.partition("/")
                _ingress(run, result, mechanism="ufw rule", protocol=protocol or "any",
                         ports=_netfilter_ports(ports_text), sources=sources,
                         suffix="rule" if index == 0 else f"rule{index}")
            return
        ports: Any = Unknown(f"ports of ufw application profile {name!r}")
    else:
        ports = _netfilter_ports("any" if port is None else port)
    protocol = args.get("proto", args.get("protocol", "any"))
    _ingress(run, result, mechanism="ufw rule", protocol=protocol, ports=ports,
             sources=sources, suffix="rule")


def iptables(run: TaskRun, result: Facts) -> None:
    args = run.args
    if _absent(run):
        return
    chain = str(args.get("chain", "INPUT")).upper()
    if chain not in {"INPUT", "FORWARD", "DOCKER-USER"} or str(args.get("table", "filter")) \
            != "filter":
        return
    if args.get("policy") is not None and args.get("jump") is None:
        if str(args["policy"]).upper() == "ACCEPT" and chain == "INPUT":
            _ingress(run, result, mechanism=f"iptables {chain} policy", protocol="all",
                     ports=facts.ALL_PORTS, sources=[INTERNET], suffix="policy")
        return
    if str(args.get("jump", "")).upper() != "ACCEPT":
        return
    if str(args.get("in_interface", "")) == "lo":
        return
    ports = _netfilter_ports(args.get("destination_ports")) or \
        _netfilter_ports(args.get("destination_port")) or facts.ALL_PORTS
    _ingress(run, result, mechanism=f"iptables {chain} rule",
             protocol=args.get("protocol", "all"), ports=ports,
             sources=[args.get("source", INTERNET)], suffix="rule")


# ---- cloud network rules ---------------------------------------------------------------------

def ec2_security_group(run: TaskRun, result: Facts) -> None:
    if _absent(run):
        return
    for index, rule in enumerate(_list(run.args.get("rules"))):
        if is_unknown(rule):
            _ingress(run, result, mechanism="security group rule", protocol=rule, ports=rule,
                     sources=[rule], suffix=f"rule{index}")
            continue
        if not isinstance(rule, dict):
            continue
        protocol = rule.get("proto", rule.get("protocol", "tcp"))
        if rule.get("ports") is not None and (is_unknown(protocol) or
                                              facts.normalise_protocol(protocol) != "all"):
            ports: Any = _port_specs(rule["ports"])
        else:
            ports = rule_ports(protocol, rule.get("from_port"), rule.get("to_port"))
        sources = _list(rule.get("cidr_ip")) + _list(rule.get("cidr_ipv6")) + \
            _list(rule.get("ip_prefix"))
        tags = _list(rule.get("group_id")) + _list(rule.get("group_name"))
        if not sources and not tags:
            continue
        _ingress(run, result, mechanism="security group rule", protocol=protocol, ports=ports,
                 sources=sources, tags=tags, suffix=f"rule{index}")


def azure_rm_securitygroup(run: TaskRun, result: Facts) -> None:
    if _absent(run):
        return
    for index, rule in enumerate(_list(run.args.get("rules"))):
        if not isinstance(rule, dict):
            continue
        if str(rule.get("direction", "Inbound")).lower() != "inbound" or \
                str(rule.get("access", "Allow")).lower() != "allow":
            continue
        ports = destination_ports(_list(rule.get("destination_port_range", "*")))
        sources = _list(rule.get("source_address_prefix", "*"))
        _ingress(run, result, mechanism="network security rule",
                 protocol=rule.get("protocol", "*"), ports=ports, sources=sources,
                 suffix=f"rule{index}")


def gcp_compute_firewall(run: TaskRun, result: Facts) -> None:
    args = run.args
    if _absent(run) or facts.tristate(args.get("disabled")) is True:
        return
    if str(args.get("direction", "INGRESS")).upper() != "INGRESS":
        return
    sources = _list(args.get("source_ranges"))
    tags = _list(args.get("source_tags")) + _list(args.get("source_service_accounts"))
    if not sources and not tags:
        sources = [INTERNET]  # GCP applies 0.0.0.0/0 when no source is given
    for index, allowed in enumerate(_list(args.get("allowed"))):
        if not isinstance(allowed, dict):
            continue
        ports = allowed_ports(allowed.get("ip_protocol"), allowed.get("ports"))
        _ingress(run, result, mechanism="firewall rule", protocol=allowed.get("ip_protocol"),
                 ports=ports, sources=sources, tags=tags, suffix=f"allowed{index}")


# ---- containers ------------------------------------------------------------------------------

def published_ports(run: TaskRun) -> tuple[list[Any], int]:
    """A docker_container task's `published_ports` (or their alias `ports`), and the line
    where they are written."""
    key = "published_ports" if "published_ports" in run.args else "ports"
    return _list(run.args.get(key)), run.arg_lines.get(key, run.origin.line)


def docker_container(run: TaskRun, result: Facts, catalogue_ports: set[int]) -> None:
    args = run.args
    if _absent(run, "stopped"):
        return
    specs, line = published_ports(run)
    for index, spec in enumerate(specs):
        if is_unknown(spec):
            _ingress(run, result, mechanism="docker published port", protocol=spec,
                     ports=spec, sources=[spec], suffix=f"port{index}")
            continue
        published = parse_short_port(spec, line)
        if bind_reach(published.host_ip) == "local":
            continue
        address = str(published.host_ip or "")
        ports = exposed_ports(published, catalogue_ports) if published.host_port_chosen else \
            Unknown(f"'{spec}' publishes on a random host port")
        _ingress(run, result, mechanism="docker published port", protocol=published.protocol,
                 ports=ports,
                 sources=[INTERNET if address in {"", "0.0.0.0", "::"} else address],
                 suffix=f"port{index}")
    if str(args.get("network_mode", "")).lower() == "host":
        # The container's own ports are the host's: known for PACS images, unknown when the
        # image is; a known image that is no PACS brings no DICOM port.
        image = args.get("image")
        listening = image_ports(image)
        if listening or not isinstance(image, str):
            _ingress(run, result, mechanism="docker host network", protocol="tcp",
                     ports=[[port, port] for port in listening] if listening else Unknown(
                         f"the ports of image {image!r} are not known"),
                     sources=[INTERNET], suffix="host-network")


def image_ports(image: Any) -> list[int]:
    return list(images.listening_ports(image)) if isinstance(image, str) else []


# ---- storage and public access ---------------------------------------------------------------

def ec2_vol(run: TaskRun, result: Facts) -> None:
    if _absent(run):
        return
    encrypted = run.args.get("encrypted", False)  # the module's default
    result.storage.append(facts.storage(run.origin, platform=PLATFORM, kind="block",
                                        encrypted=encrypted, detail="EBS volume",
                                        unknown=run.notes))


def s3_bucket(run: TaskRun, result: Facts) -> None:
    args = run.args
    if _absent(run):
        return
    encryption = args.get("encryption")
    # Without `encryption` the module leaves S3's default, SSE-S3, in place.
    encrypted: Any = True if encryption is None else (
        encryption if is_unknown(encryption) else str(encryption).lower() != "none")
    result.storage.append(facts.storage(run.origin, platform=PLATFORM, kind="object",
                                        encrypted=encrypted, detail="S3 bucket",
                                        unknown=run.notes))
    acl = args.get("acl")
    if acl is not None:
        _grant(run, result, acl, is_unknown(acl) or principals.is_public_canned_acl(str(acl)),
               "acl")
    policy = args.get("policy")
    if policy is not None:
        _grant(run, result, "bucket policy", _policy_is_public(policy), "policy")
    block = args.get("public_access")
    if isinstance(block, dict) and all(
            facts.tristate(block.get(key)) is False
            for key in ("block_public_acls", "block_public_policy")):
        _grant(run, result, "public access block disabled", Unknown(
            "Block Public Access is off; public ACLs and policies are allowed"), "block")


def _policy_is_public(policy: Any) -> Any:
    """Whether a bucket policy lets everyone in, read as S3 Block Public Access reads it."""
    found = public_statements(json_document(policy))
    return found if is_unknown(found) else bool(found)


def aws_s3(run: TaskRun, result: Facts) -> None:
    permission = run.args.get("permission")
    for index, value in enumerate(_list(permission)):
        _grant(run, result, value, is_unknown(value) or principals.is_public_canned_acl(str(value)),
               f"permission{index}")


def rds_instance(run: TaskRun, result: Facts) -> None:
    args = run.args
    if _absent(run):
        return
    result.storage.append(facts.storage(
        run.origin, platform=PLATFORM, kind="database",
        encrypted=args.get("storage_encrypted", False), detail="RDS instance",
        unknown=run.notes))
    public = args.get("publicly_accessible", False)  # the module's default
    reach = "unknown" if is_unknown(public) else \
        "internet" if facts.tristate(public) else "network"
    engine = args.get("engine")
    result.services.append(facts.service(
        run.origin, platform=PLATFORM, kind="database", reach=reach, authentication=True,
        product=engine if isinstance(engine, str) and engine else "database",
        detail="publicly_accessible" if reach == "internet" else "", suffix="endpoint",
        unknown=[*run.notes, *([public.reason] if is_unknown(public) else [])]))


def gcp_compute_disk(run: TaskRun, result: Facts) -> None:
    if _absent(run):
        return
    # Persistent disks are always encrypted at rest, with a Google-managed key when no
    # disk_encryption_key is given.
    result.storage.append(facts.storage(run.origin, platform=PLATFORM, kind="block",
                                        encrypted=True, detail="persistent disk",
                                        unknown=run.notes))


def gcp_storage_bucket(run: TaskRun, result: Facts) -> None:
    if _absent(run):
        return
    for key in ("acl", "default_object_acl"):
        for index, entry in enumerate(_list(run.args.get(key))):
            entity = entry.get("entity") if isinstance(entry, dict) else entry
            public = entity if is_unknown(entity) else principals.is_gcp_public_member(str(entity))
            _grant(run, result, entity, public, f"{key}{index}")


def azure_rm_storageblob(run: TaskRun, result: Facts) -> None:
    access = run.args.get("public_access")
    if access is None:
        return
    public = access if is_unknown(access) else \
        str(access).lower() in principals.AZURE_PUBLIC_CONTAINER_ACCESS
    _grant(run, result, access, public, "public_access")


def _grant(run: TaskRun, result: Facts, principal: Any, public: Any, suffix: str) -> None:
    result.grants.append(facts.grant(
        run.origin, platform=PLATFORM, resource=run.origin.address, principal=principal
        if is_unknown(principal) else str(principal), public=public, suffix=suffix,
        unknown=run.notes))


ADAPTERS: dict[str, Callable[[TaskRun, Facts], None]] = {
    "ufw": ufw, "iptables": iptables,
    "ec2_security_group": ec2_security_group, "ec2_group": ec2_security_group,
    "azure_rm_securitygroup": azure_rm_securitygroup,
    "gcp_compute_firewall": gcp_compute_firewall,
    "ec2_vol": ec2_vol, "s3_bucket": s3_bucket, "aws_s3": aws_s3, "s3_object": aws_s3,
    "rds_instance": rds_instance, "gcp_compute_disk": gcp_compute_disk,
    "gcp_storage_bucket": gcp_storage_bucket, "azure_rm_storageblob": azure_rm_storageblob,
    "postgresql_pg_hba": postgresql_pg_hba,
    "win_firewall_rule": win_firewall_rule, "win_firewall": win_firewall,
}
