"""Google Cloud resources as facts: compute firewalls (ingress), Cloud Storage and Cloud
Healthcare IAM (grants), Cloud SQL authorised networks (services), DICOM stores and disks."""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from dicomguard.facts import (
    ALL_PORTS,
    grant,
    ingress,
    normalise_protocol,
    parse_port_spec,
    peer,
    service,
    storage,
    tristate,
)
from dicomguard.knowledge.principals import is_gcp_public_member
from dicomguard.model import Facts, Unknown, is_unknown
from dicomguard.terraform.adapters.parts import Part, items, referenced_address
from dicomguard.terraform.adapters.ranges import subtract
from dicomguard.terraform.evaluated import Configuration, Resource

PLATFORM = "gcp"
PUBLIC_PREDEFINED_ACLS = {"publicread": "read", "publicreadwrite": "read and write"}
ACL_ROLES = {"reader": "read", "writer": "read and write", "owner": "full control"}


@dataclass(slots=True)
class GcpContext:
    prevented_buckets: dict[str, Any] = field(default_factory=dict)  # address or name -> state
    firewalls: dict[str, Firewall] = field(default_factory=dict)
    iam_policies: dict[str, Resource] = field(default_factory=dict)

    def prevention(self, bucket: Any) -> Any:
        key = referenced_address(bucket) or (bucket if isinstance(bucket, str) else "")
        return self.prevented_buckets.get(key, False)


def build_context(configuration: Configuration) -> GcpContext:
    context = GcpContext()
    for resource in configuration.of_type("google_storage_bucket"):
        setting = resource.body.attr("public_access_prevention", "inherited")
        state = setting if is_unknown(setting) else setting == "enforced"
        context.prevented_buckets[resource.address] = state
        name = resource.body.attr("name")
        if isinstance(name, str):
            context.prevented_buckets[name] = state
    for resource in configuration.of_type("google_compute_firewall"):
        rule = _firewall(resource)
        if rule is not None:
            context.firewalls[resource.address] = rule
    for resource in configuration.resources:
        if resource.type == "google_iam_policy":
            context.iam_policies[resource.address] = resource
    return context


# --- firewall -----------------------------------------------------------------------------

@dataclass(slots=True)
class Firewall:
    """One ingress firewall rule, as the other rules of its network see it."""

    resource: Resource
    part: Part
    network: Any
    priority: Any
    targets: set[str]
    any_target: bool  # applies to every instance of the network
    peers: list[dict[str, Any]]
    world_versions: set[int]  # IP versions whose whole space a source range covers


def _firewall(resource: Resource) -> Firewall | None:
    """An ingress rule admits its source ranges (0.0.0.0/0 when no source is given at all,
    as gcloud documents); None for egress and disabled rules."""
    rule = Part.of(resource)
    direction = rule.get("direction", "INGRESS")
    disabled = rule.get("disabled")
    if tristate(disabled) is True:
        return None
    if not is_unknown(direction) and str(direction).upper() != "INGRESS":
        return None
    ranges = rule.get("source_ranges")
    tags = [*items(rule.get("source_tags")), *items(rule.get("source_service_accounts"))]
    if ranges is None and not tags:
        ranges = ["0.0.0.0/0"]
    peers = [*(peer(source) for source in items(ranges)),
             *(peer(str(tag), tag=True) for tag in tags)]
    if is_unknown(direction):
        peers = [peer(Unknown("the rule's direction is not known"))]
    elif is_unknown(disabled):
        peers = [peer(disabled)]
    targets = [*items(rule.get("target_tags")), *items(rule.get("target_service_accounts"))]
    return Firewall(
        resource=resource, part=rule, network=rule.get("network"),
        priority=rule.get("priority", 1000),
        targets={target for target in targets if isinstance(target, str)},
        any_target=not targets, peers=peers,
        world_versions={version for version in map(_world_version, items(ranges)) if version})


def _world_version(source: Any) -> int | None:
    try:
        network = ipaddress.ip_network(str(source).strip(), strict=False)
    except ValueError:
        return None
    return network.version if network.prefixlen == 0 else None


def _shadows(deny: Firewall, allow: Firewall) -> bool:
    """A deny rule that wins over `allow` (lower or equal priority number) for every instance
    it targets and every internet source it admits."""
    if deny.network is None or is_unknown(deny.network) or deny.network != allow.network:
        return False
    try:
        if int(deny.priority) > int(allow.priority):
            return False
    except (TypeError, ValueError):
        return False
    if not (deny.any_target or (not allow.any_target and allow.targets <= deny.targets)):
        return False
    admitted = {6 if ":" in str(found.get("cidr", "")) else 4
                for found in allow.peers if found["scope"] == "internet"}
    return bool(admitted) and admitted <= deny.world_versions


def firewall(resource: Resource, context: GcpContext, facts: Facts) -> None:
    rule = context.firewalls.get(resource.address)
    if rule is None:
        return
    denials = [other for other in context.firewalls.values()
               if other is not rule and other.part.parts("deny") and _shadows(other, rule)]
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


def allowed_ports(protocol: Any, ports: Any) -> Any:
    """The ports of an allowed (or denied) block: every port when none are listed or the
    protocol is all."""
    if is_unknown(ports):
        return ports
    if ports is None or ports == [] or (
            not is_unknown(protocol) and normalise_protocol(protocol) == "all"):
        return ALL_PORTS
    return [parse_port_spec(port) for port in items(ports)]


# --- IAM and ACLs -------------------------------------------------------------------------

def _member_grants(part: Part, members: Any, target: str, prevention: Any, access: str,
                   facts: Facts, attribute: str) -> None:
    for index, member in enumerate(items(members)):
        if is_unknown(member):
            facts.grants.append(grant(part.line_of(attribute), platform=PLATFORM,
                                      resource=target, principal=member, public=member,
                                      suffix=f"member{index}"))
            continue
        if not is_gcp_public_member(str(member)):
            continue
        public: Any = False if prevention is True else prevention if is_unknown(
            prevention) else True
        facts.grants.append(grant(part.line_of(attribute), platform=PLATFORM, resource=target,
                                  principal=str(member), public=public, access=access,
                                  suffix=f"member{index}"))


def _target(part: Part, *names: str) -> tuple[Any, str]:
    for name in names:
        value = part.get(name)
        if value is not None:
            address = referenced_address(value)
            return value, address or (value if isinstance(value, str) else "")
    return None, ""


TARGETS = ("bucket", "dicom_store_id", "dataset_id")


def _iam_target(resource: Resource, part: Part, context: GcpContext) -> tuple[str, Any]:
    """The store an IAM resource grants on, and whether public access prevention blocks it
    (only Cloud Storage has it)."""
    value, target = _target(part, *TARGETS)
    prevention = context.prevention(value) if resource.type.startswith("google_storage") \
        else False
    return target, prevention


def iam_member(resource: Resource, context: GcpContext, facts: Facts) -> None:
    part = Part.of(resource)
    target, prevention = _iam_target(resource, part, context)
    _member_grants(part, [part.get("member")], target, prevention,
                   _role_access(part.get("role", "")), facts, "member")


def iam_binding(resource: Resource, context: GcpContext, facts: Facts) -> None:
    part = Part.of(resource)
    target, prevention = _iam_target(resource, part, context)
    _member_grants(part, part.get("members"), target, prevention,
                   _role_access(part.get("role", "")), facts, "members")


def iam_policy(resource: Resource, context: GcpContext, facts: Facts) -> None:
    part = Part.of(resource)
    target, prevention = _iam_target(resource, part, context)
    bindings = _policy_bindings(part.get("policy_data"), context)
    if is_unknown(bindings):
        facts.grants.append(grant(part.line_of("policy_data"), platform=PLATFORM,
                                  resource=target, principal=bindings, public=bindings))
        return
    for role, members in bindings:
        _member_grants(part, members, target, prevention, _role_access(role), facts,
                       "policy_data")


def _policy_bindings(value: Any, context: GcpContext) -> list[tuple[Any, Any]] | Unknown:
    source = context.iam_policies.get(referenced_address(value) or "")
    if source is not None:
        return [(binding.get("role"), binding.get("members"))
                for binding in Part.of(source).parts("binding")]
    if is_unknown(value):
        return value
    document = value
    if isinstance(value, str):
        try:
            document = json.loads(value)
        except ValueError:
            return Unknown("policy_data is not valid JSON")
    if not isinstance(document, dict):
        return Unknown("policy_data is not a JSON object")
    return [(binding.get("role"), binding.get("members"))
            for binding in document.get("bindings", []) if isinstance(binding, dict)]


def _role_access(role: Any) -> str:
    text = str(role).lower() if isinstance(role, str) else ""
    reads = ("viewer", "reader", "objectviewer", "legacybucketreader", "legacyobjectreader")
    return "read" if text.endswith(reads) else f"{role}" if text else "some"


def storage_acl(resource: Resource, context: GcpContext, facts: Facts) -> None:
    part = Part.of(resource)
    value, target = _target(part, "bucket")
    prevention = context.prevention(value)
    predefined = part.get("predefined_acl")
    if isinstance(predefined, str) and predefined.lower() in PUBLIC_PREDEFINED_ACLS:
        _member_grants(part, ["allUsers"], target, prevention,
                       PUBLIC_PREDEFINED_ACLS[predefined.lower()], facts, "predefined_acl")
    for entity in items(part.get("role_entity")):
        if is_unknown(entity):
            _member_grants(part, [entity], target, prevention, "read", facts, "role_entity")
        elif isinstance(entity, str) and ":" in entity:
            role, member = entity.split(":", 1)
            _member_grants(part, [member], target, prevention,
                           ACL_ROLES.get(role.lower(), role), facts, "role_entity")


# --- stores and databases -----------------------------------------------------------------

def storage_bucket(resource: Resource, context: GcpContext, facts: Facts) -> None:
    part = Part.of(resource)
    key = "customer-managed key" if part.part("encryption") else "Google-managed key"
    facts.storage.append(storage(part.origin(), platform=PLATFORM, kind="object",
                                 encrypted=True, detail=f"Cloud Storage ({key})"))


def compute_disk(resource: Resource, context: GcpContext, facts: Facts) -> None:
    part = Part.of(resource)
    facts.storage.append(storage(part.origin(), platform=PLATFORM, kind="block",
                                 encrypted=True,
                                 detail="persistent disk (always encrypted by Google)"))


def dicom_store(resource: Resource, context: GcpContext, facts: Facts) -> None:
    part = Part.of(resource)
    facts.storage.append(storage(part.origin(), platform=PLATFORM, kind="dicom_store",
                                 encrypted=True,
                                 detail="Cloud Healthcare DICOM store (Google-managed key "
                                        "unless the dataset sets encryption_spec)"))


def sql_instance(resource: Resource, context: GcpContext, facts: Facts) -> None:
    """Reachable from the internet when it has a public IP and an authorised network that
    is the internet; a public IP without authorised networks only admits the Auth Proxy."""
    part = Part.of(resource)
    settings = part.part("settings")
    network = settings.part("ip_configuration") if settings else None
    reach, unknown = "network", []
    origin = part.origin()
    if network is not None:
        enabled = network.get("ipv4_enabled", True)
        sources = [peer(entry.get("value")) for entry in network.parts("authorized_networks")
                   if entry.has("value")]
        if is_unknown(enabled):
            reach, unknown = "unknown", [enabled.reason]
        elif tristate(enabled) and any(source["scope"] == "internet" for source in sources):
            reach = "internet"
            origin = network.origin()
        elif tristate(enabled) and any(source["scope"] == "unknown" for source in sources):
            reach = "unknown"
            unknown = [source.get("reason", "") for source in sources
                       if source["scope"] == "unknown"]
    version = part.get("database_version")
    facts.services.append(service(origin, platform=PLATFORM,
                                  product=version if isinstance(version, str) else "Cloud SQL",
                                  reach=reach, authentication=True, kind="database",
                                  unknown=unknown))


Adapter = Callable[[Resource, GcpContext, Facts], None]
ADAPTERS: dict[str, Adapter] = {
    "google_compute_firewall": firewall,
    "google_storage_bucket": storage_bucket,
    "google_storage_bucket_iam_member": iam_member,
    "google_storage_bucket_iam_binding": iam_binding,
    "google_storage_bucket_iam_policy": iam_policy,
    "google_storage_bucket_acl": storage_acl,
    "google_storage_default_object_acl": storage_acl,
    "google_storage_object_acl": storage_acl,
    "google_healthcare_dicom_store_iam_member": iam_member,
    "google_healthcare_dicom_store_iam_binding": iam_binding,
    "google_healthcare_dicom_store_iam_policy": iam_policy,
    "google_healthcare_dataset_iam_member": iam_member,
    "google_healthcare_dataset_iam_binding": iam_binding,
    "google_healthcare_dataset_iam_policy": iam_policy,
    "google_healthcare_dicom_store": dicom_store,
    "google_compute_disk": compute_disk,
    "google_sql_database_instance": sql_instance,
}
