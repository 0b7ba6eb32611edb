"""AWS resources as facts: security groups and load balancers (ingress), EBS (volumes,
instances, launch templates, auto scaling groups), RDS, EFS and HealthImaging (storage), S3 ACLs
and bucket policies (grants), public databases (services)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from dicomguard.facts import (
    ALL_PORTS,
    grant,
    ingress,
    normalise_protocol,
    peer,
    port_range,
    service,
    storage,
    tristate,
)
from dicomguard.knowledge.principals import PUBLIC_CANNED_ACLS, PUBLIC_GRANTEE_URIS
from dicomguard.model import Facts, Unknown, is_unknown
from dicomguard.terraform.adapters.parts import Part, items, json_document, referenced_address
from dicomguard.terraform.adapters.policy_documents import (
    iam_document,
    merge_statements,
    public_statements,
    statements_of,
)
from dicomguard.terraform.evaluated import Configuration, Resource

PLATFORM = "aws"
LISTENER_PROTOCOLS = {"udp": "udp", "tcp_udp": "all"}


@dataclass(slots=True)
class Declared:
    """The managed resources of one type in the configuration, by address and by the literal
    name other resources may give instead of a reference (a launch template's `name`, a
    database's `identifier`)."""

    parts: dict[str, Part] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, configuration: Configuration, resource_type: str, name: str) -> Declared:
        declared = cls()
        for resource in configuration.of_type(resource_type):
            if resource.mode != "managed":
                continue
            declared.parts[resource.address] = Part.of(resource)
            literal = resource.body.attr(name)
            if isinstance(literal, str):
                declared.names[literal] = resource.address
        return declared

    def named_by(self, value: Any, literal_names: bool = True) -> tuple[str, Part] | None:
        """(address, body) of the resource a reference, or a literal name, points at."""
        address = referenced_address(value)
        if address is None and literal_names and isinstance(value, str):
            address = self.names.get(value)
        part = self.parts.get(address or "")
        return None if address is None or part is None else (address, part)


@dataclass(slots=True)
class AwsContext:
    """What one resource's facts depend on elsewhere in the configuration."""

    ebs_encrypted_by_default: Any = False
    bucket_names: dict[str, str] = field(default_factory=dict)
    bucket_blocks: dict[str, list[Part]] = field(default_factory=dict)
    account_block: Part | None = None
    load_balancers: dict[str, Part] = field(default_factory=dict)
    policy_documents: dict[str, Resource] = field(default_factory=dict)
    prefix_lists: dict[str, list[Any]] = field(default_factory=dict)
    group_rules: dict[str, list[GroupRule]] = field(default_factory=dict)
    target_groups: dict[str, Part] = field(default_factory=dict)
    launch_templates: Declared = field(default_factory=lambda: Declared())
    db_instances: Declared = field(default_factory=lambda: Declared())

    def prefix_list_peers(self, values: Any) -> list[dict[str, Any]]:
        """Managed prefix lists of the configuration admit their entries' CIDRs; others (an
        AWS service's list, one from elsewhere) are private tags."""
        peers = []
        for value in items(values):
            entries = self.prefix_lists.get(referenced_address(value) or "")
            if entries is None:
                peers.extend(_tags(value))
            else:
                peers.extend(peer(cidr) for cidr in entries)
        return peers

    def bucket_of(self, value: Any) -> str | Unknown:
        """The address of the bucket a sub-resource's `bucket` names."""
        address = referenced_address(value)
        if address:
            return address
        if isinstance(value, str):
            return self.bucket_names.get(value, value)
        return Unknown("the bucket is not known")


def build_context(configuration: Configuration) -> AwsContext:
    context = AwsContext()
    for resource in configuration.of_type("aws_ebs_encryption_by_default"):
        enabled = resource.body.attr("enabled", True)
        context.ebs_encrypted_by_default = enabled if is_unknown(enabled) else tristate(enabled)
    named = [(resource.body.attr("bucket"), resource.address)
             for resource in configuration.of_type("aws_s3_bucket")]
    literal = [name for name, _ in named if isinstance(name, str)]
    context.bucket_names = {name: address for name, address in named
                            if isinstance(name, str) and literal.count(name) == 1}
    for resource in configuration.of_type("aws_s3_bucket_public_access_block"):
        bucket = context.bucket_of(resource.body.attr("bucket"))
        if isinstance(bucket, str):
            context.bucket_blocks.setdefault(bucket, []).append(Part.of(resource))
    for resource in configuration.of_type("aws_s3_account_public_access_block"):
        context.account_block = Part.of(resource)
    for resource in configuration.of_type("aws_ec2_managed_prefix_list"):
        context.prefix_lists[resource.address] = [
            entry.get("cidr") for entry in Part.of(resource).parts("entry")]
    for resource in configuration.of_type("aws_ec2_managed_prefix_list_entry"):
        entries = context.prefix_lists.get(
            referenced_address(resource.body.attr("prefix_list_id")) or "")
        if entries is not None:
            entries.append(resource.body.attr("cidr"))
    for resource in configuration.of_type("aws_lb", "aws_alb"):
        context.load_balancers[resource.address] = Part.of(resource)
    for resource in configuration.of_type("aws_lb_target_group", "aws_alb_target_group"):
        context.target_groups[resource.address] = Part.of(resource)
    context.launch_templates = Declared.of(configuration, "aws_launch_template", "name")
    context.db_instances = Declared.of(configuration, "aws_db_instance", "identifier")
    _index_group_rules(configuration, context)
    for resource in configuration.resources:
        if resource.type == "aws_iam_policy_document":
            context.policy_documents[resource.address] = resource
    return context


def _index_group_rules(configuration: Configuration, context: AwsContext) -> None:
    """Every ingress rule by the security group it belongs to, for load balancers."""
    for resource in configuration.of_type("aws_security_group", "aws_default_security_group"):
        context.group_rules.setdefault(resource.address, []).extend(
            _inline_rules(resource, context))
    standalone = [_standalone_rule(resource, context)
                  for resource in configuration.of_type("aws_security_group_rule")]
    standalone += [_vpc_rule(resource, context)
                   for resource in configuration.of_type("aws_vpc_security_group_ingress_rule")]
    for rule in standalone:
        if rule is not None and rule.group:
            context.group_rules.setdefault(rule.group, []).append(rule)


# --- ingress ------------------------------------------------------------------------------

def rule_ports(protocol: Any, low: Any, high: Any) -> list[Any] | Unknown:
    """Ports a rule opens. Protocol -1/all opens every port whatever from/to say; a negative
    port with TCP or UDP is read as every port, as the console shows it."""
    if not is_unknown(protocol) and normalise_protocol(protocol) == "all":
        return ALL_PORTS
    if low is None and high is None:
        return Unknown("the rule gives no port range")
    if not is_unknown(low) and not is_unknown(high):
        try:
            if int(low) < 0 or int(high) < 0:
                return ALL_PORTS
        except (TypeError, ValueError):
            pass
    return [port_range(low, high if high is not None else low)]


def _sources(*cidr_lists: Any) -> list[dict[str, Any]]:
    return [peer(source) for cidrs in cidr_lists for source in items(cidrs)]


def _tags(*tag_lists: Any) -> list[dict[str, Any]]:
    return [peer(tag if isinstance(tag, str) else "another security group", tag=True)
            for tags in tag_lists for tag in items(tags)]


@dataclass(slots=True)
class GroupRule:
    """One ingress rule of a security group, wherever it is written."""

    part: Part
    group: str  # the address of the security group it belongs to, when known
    protocol: Any
    ports: list[Any] | Unknown
    peers: list[dict[str, Any]]


def _inline_rules(resource: Resource, context: AwsContext) -> list[GroupRule]:
    rules = []
    for rule in Part.of(resource).parts("ingress"):
        protocol = rule.get("protocol")
        rules.append(GroupRule(
            rule, resource.address, protocol,
            rule_ports(protocol, rule.get("from_port"), rule.get("to_port")),
            [*_sources(rule.get("cidr_blocks"), rule.get("ipv6_cidr_blocks")),
             *_tags(rule.get("security_groups")),
             *context.prefix_list_peers(rule.get("prefix_list_ids")),
             *(_tags("self") if tristate(rule.get("self")) else [])]))
    return rules


def _standalone_rule(resource: Resource, context: AwsContext) -> GroupRule | None:
    rule = Part.of(resource)
    direction = rule.get("type")
    if not is_unknown(direction) and direction != "ingress":
        return None
    peers = [*_sources(rule.get("cidr_blocks"), rule.get("ipv6_cidr_blocks")),
             *_tags(rule.get("source_security_group_id")),
             *context.prefix_list_peers(rule.get("prefix_list_ids")),
             *(_tags("self") if tristate(rule.get("self")) else [])]
    if is_unknown(direction):
        peers = [peer(Unknown("the rule's type (ingress or egress) is not known"))]
    protocol = rule.get("protocol")
    return GroupRule(rule, referenced_address(rule.get("security_group_id")) or "", protocol,
                     rule_ports(protocol, rule.get("from_port"), rule.get("to_port")), peers)


def _vpc_rule(resource: Resource, context: AwsContext) -> GroupRule:
    rule = Part.of(resource)
    protocol = rule.get("ip_protocol")
    return GroupRule(
        rule, referenced_address(rule.get("security_group_id")) or "", protocol,
        rule_ports(protocol, rule.get("from_port"), rule.get("to_port")),
        [*_sources(rule.get("cidr_ipv4"), rule.get("cidr_ipv6")),
         *_tags(rule.get("referenced_security_group_id")),
         *context.prefix_list_peers(rule.get("prefix_list_id"))])


def _rule_fact(rule: GroupRule, mechanism: str, facts: Facts, path: str = "") -> None:
    facts.ingress.append(ingress(rule.part.origin(), platform=PLATFORM, mechanism=mechanism,
                                 protocol=rule.protocol, ports=rule.ports, peers=rule.peers,
                                 path=path))


def security_group(resource: Resource, context: AwsContext, facts: Facts) -> None:
    for rule in _inline_rules(resource, context):
        _rule_fact(rule, "aws_security_group ingress", facts)


def security_group_rule(resource: Resource, context: AwsContext, facts: Facts) -> None:
    rule = _standalone_rule(resource, context)
    if rule is not None:
        _rule_fact(rule, resource.type, facts, path=rule.group)


def vpc_ingress_rule(resource: Resource, context: AwsContext, facts: Facts) -> None:
    rule = _vpc_rule(resource, context)
    _rule_fact(rule, resource.type, facts, path=rule.group)


# --- load balancers -----------------------------------------------------------------------

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


# --- storage ------------------------------------------------------------------------------

def volume_encryption(device: Part, context: AwsContext) -> Any:
    """EBS encryption: explicit setting, a KMS key, the snapshot's state, or the account's
    encryption by default (which encrypts every new volume whatever the resource says)."""
    if context.ebs_encrypted_by_default is True:
        return True
    encrypted = device.get("encrypted")
    if tristate(encrypted) is True or device.has("kms_key_id"):
        return True
    if encrypted is None and device.has("snapshot_id"):
        return Unknown("encryption follows the snapshot the volume is created from")
    if is_unknown(encrypted):
        return encrypted
    if is_unknown(context.ebs_encrypted_by_default):
        return context.ebs_encrypted_by_default
    return False


def _volume_fact(device: Part, context: AwsContext, detail: str, facts: Facts,
                 suffix: str = "") -> None:
    facts.storage.append(storage(device.line_of("encrypted"), platform=PLATFORM, kind="block",
                                 encrypted=volume_encryption(device, context), detail=detail,
                                 suffix=suffix))


def ebs_volume(resource: Resource, context: AwsContext, facts: Facts) -> None:
    _volume_fact(Part.of(resource), context, "EBS volume", facts)


def instance_volumes(resource: Resource, context: AwsContext, facts: Facts) -> None:
    """aws_instance and aws_launch_configuration: root and EBS block devices. Without a
    root_block_device the root volume comes from the launch template, or else is created
    unencrypted from the AMI (unless encryption by default)."""
    body = Part.of(resource)
    roots = body.parts("root_block_device")
    for root in roots:
        _volume_fact(root, context, "root volume", facts)
    templates = body.parts("launch_template")
    if not roots and templates:
        _launched_root_fact(templates[0], context, facts, "root")
    elif not roots:
        facts.storage.append(storage(
            body.origin(), platform=PLATFORM, kind="block",
            encrypted=context.ebs_encrypted_by_default,
            detail="root volume (no root_block_device: created unencrypted)", suffix="root"))
    for device in body.parts("ebs_block_device"):
        _volume_fact(device, context, f"EBS volume {device.get('device_name', '')}".strip(),
                     facts)


def launch_template_volumes(resource: Resource, context: AwsContext, facts: Facts) -> None:
    for mapping in Part.of(resource).parts("block_device_mappings"):
        for device in mapping.parts("ebs"):
            _volume_fact(device, context, f"EBS volume {mapping.get('device_name', '')}".strip(),
                         facts)


def autoscaling_group(resource: Resource, context: AwsContext, facts: Facts) -> None:
    """The instances of a group get their volumes from its launch templates (a launch
    configuration is reported where it is declared)."""
    body = Part.of(resource)
    specifications = body.parts("launch_template")
    for policy in body.parts("mixed_instances_policy"):
        for template in policy.parts("launch_template"):
            specifications += template.parts("launch_template_specification")
            for override in template.parts("override"):
                specifications += override.parts("launch_template_specification")
    for index, specification in enumerate(specifications):
        _launched_root_fact(specification, context, facts, f"root{index}")


def _launched_root_fact(specification: Part, context: AwsContext, facts: Facts,
                        suffix: str) -> None:
    """The root volume of instances launched from a template: the template's own volumes are
    reported on the template; a template that maps none leaves the AMI's unencrypted root,
    and a template outside the configuration leaves it unknown."""
    template = _launch_template(specification, context)
    if isinstance(template, Unknown):
        encrypted: Any = template
        detail = "root volume (from a launch template not in the configuration)"
    elif any(mapping.parts("ebs") for mapping in template.parts("block_device_mappings")):
        return
    else:
        encrypted = context.ebs_encrypted_by_default
        detail = "root volume (the launch template maps no volume: created unencrypted)"
    facts.storage.append(storage(specification.origin(), platform=PLATFORM, kind="block",
                                 encrypted=encrypted, detail=detail, suffix=suffix))


def _launch_template(specification: Part, context: AwsContext) -> Part | Unknown:
    """The aws_launch_template of the configuration that a launch_template block or
    launch_template_specification names by id, name or version."""
    for key in ("id", "name", "version", "launch_template_id", "launch_template_name"):
        found = context.launch_templates.named_by(specification.get(key), key.endswith("name"))
        if found is not None:
            return found[1]
    return Unknown("the launch template is not in the configuration")


def _rds_encryption(body: Part, serverless_default: bool = False,
                    source: Any = None) -> Any:
    """`source` tells the encryption of the instance a replica copies, when it is known."""
    encrypted = body.get("storage_encrypted")
    if tristate(encrypted) is True or body.has("kms_key_id"):
        return True
    if is_unknown(encrypted):
        return encrypted
    if encrypted is None:
        if serverless_default:
            return True
        if body.has("replicate_source_db") and source is not None:
            return source
        for inherited in ("replicate_source_db", "snapshot_identifier"):
            if body.has(inherited):
                return Unknown(f"encryption follows {inherited}")
    return False


def _replica_source_encryption(body: Part, context: AwsContext,
                               seen: frozenset[str] = frozenset()) -> Any:
    """The encryption of the aws_db_instance of the configuration a read replica copies (by
    reference or identifier): a replica is encrypted exactly when its source is, unless it
    gives its own KMS key (which an unencrypted source refuses). None when not known here."""
    found = context.db_instances.named_by(body.get("replicate_source_db"))
    if found is None or found[0] in seen:
        return None
    address, source = found
    return _rds_encryption(source, source=_replica_source_encryption(
        source, context, seen | {address}))


def db_instance(resource: Resource, context: AwsContext, facts: Facts) -> None:
    body = Part.of(resource)
    engine = body.get("engine", "")
    if not (isinstance(engine, str) and engine.startswith("aurora")):
        facts.storage.append(storage(
            body.line_of("storage_encrypted"), platform=PLATFORM, kind="database",
            encrypted=_rds_encryption(body, source=_replica_source_encryption(body, context)),
            detail="RDS storage"))
    _database_endpoint(body, engine, facts)


def _database_endpoint(body: Part, engine: Any, facts: Facts) -> None:
    public = body.get("publicly_accessible", False)
    reach = "unknown" if is_unknown(public) else "internet" if tristate(public) else "network"
    facts.services.append(service(
        body.line_of("publicly_accessible"), platform=PLATFORM,
        product=engine if isinstance(engine, str) and engine else "database", reach=reach,
        authentication=True, kind="database",
        detail="publicly_accessible" if reach == "internet" else "",
        unknown=[public.reason] if is_unknown(public) else [],
    ))


def rds_cluster(resource: Resource, context: AwsContext, facts: Facts) -> None:
    body = Part.of(resource)
    serverless = body.get("engine_mode") == "serverless"
    facts.storage.append(storage(body.line_of("storage_encrypted"), platform=PLATFORM,
                                 kind="database",
                                 encrypted=_rds_encryption(body, serverless_default=serverless),
                                 detail="Aurora cluster storage"))


def efs(resource: Resource, context: AwsContext, facts: Facts) -> None:
    body = Part.of(resource)
    encrypted = body.get("encrypted", False)
    if body.has("kms_key_id") and not is_unknown(encrypted):
        encrypted = True
    facts.storage.append(storage(body.line_of("encrypted"), platform=PLATFORM, kind="file",
                                 encrypted=encrypted, detail="EFS file system"))


def healthimaging(resource: Resource, context: AwsContext, facts: Facts) -> None:
    body = Part.of(resource)
    key = "customer-managed KMS key" if body.has("kms_key_arn") else "AWS-owned key"
    facts.storage.append(storage(body.origin(), platform=PLATFORM, kind="dicom_store",
                                 encrypted=True, detail=f"HealthImaging data store ({key})"))


# --- S3 -----------------------------------------------------------------------------------

def _block_setting(context: AwsContext, bucket: Any, settings: tuple[str, str]) -> Any:
    """True when a public access block (the bucket's or the account's) neutralises ACLs or
    policies; Unknown when a block exists whose settings are unknown."""
    blocks = list(context.bucket_blocks.get(bucket, [])) if isinstance(bucket, str) else []
    if context.account_block is not None:
        blocks.append(context.account_block)
    unknown: Unknown | None = None
    for block in blocks:
        for setting in settings:
            value = block.get(setting, False)
            if is_unknown(value):
                unknown = value
            elif tristate(value):
                return True
    return unknown if unknown is not None else False


def _public_grant(part: Part, context: AwsContext, bucket: Any, principal: str, access: str,
                  settings: tuple[str, str], facts: Facts, suffix: str = "") -> None:
    blocked = _block_setting(context, bucket, settings)
    public: Any = False if blocked is True else blocked if is_unknown(blocked) else True
    facts.grants.append(grant(
        part.origin(), platform=PLATFORM,
        resource=bucket if isinstance(bucket, str) else "an unknown bucket",
        principal=principal, public=public, access=access, suffix=suffix,
    ))


ACL_SETTINGS = ("block_public_acls", "ignore_public_acls")
POLICY_SETTINGS = ("block_public_policy", "restrict_public_buckets")


def _acl_grants(part: Part, acl: Any, context: AwsContext, bucket: Any, facts: Facts) -> None:
    if is_unknown(acl):
        facts.grants.append(grant(part.line_of("acl"), platform=PLATFORM,
                                  resource=bucket if isinstance(bucket, str) else "",
                                  principal=acl, public=acl))
    elif isinstance(acl, str) and acl in PUBLIC_CANNED_ACLS:
        principal, access = PUBLIC_CANNED_ACLS[acl]
        _public_grant(part, context, bucket, principal, access, ACL_SETTINGS, facts)


def _grantee_grants(grants: list[Part], context: AwsContext, bucket: Any,
                    facts: Facts) -> None:
    for index, entry in enumerate(grants):
        grantees = entry.parts("grantee") or [entry]
        for grantee in grantees:
            uri = grantee.get("uri")
            principal = PUBLIC_GRANTEE_URIS.get(uri.lower()) if isinstance(uri, str) else None
            if principal:
                permission = entry.get("permission") or entry.get("permissions") or "access"
                access = ", ".join(map(str, items(permission))).lower()
                _public_grant(entry, context, bucket, principal, access, ACL_SETTINGS, facts,
                              suffix=f"grant{index}")


def _policy_grants(part: Part, document: Any, context: AwsContext, bucket: Any,
                   facts: Facts) -> None:
    statements = public_statements(document)
    origin = part.line_of("policy")
    if is_unknown(statements):
        facts.grants.append(grant(origin, platform=PLATFORM,
                                  resource=bucket if isinstance(bucket, str) else "",
                                  principal=statements, public=statements))
        return
    for index, (principal, access) in enumerate(statements):
        blocked = _block_setting(context, bucket, POLICY_SETTINGS)
        public: Any = False if blocked is True else blocked if is_unknown(blocked) else True
        facts.grants.append(grant(origin, platform=PLATFORM,
                                  resource=bucket if isinstance(bucket, str) else "",
                                  principal=principal, public=public, access=access,
                                  suffix=f"statement{index}"))


def _policy_document(value: Any, context: AwsContext, seen: frozenset[str] = frozenset()
                     ) -> Any:
    """The document a policy argument holds: JSON text, an object, or an
    aws_iam_policy_document of the configuration, rendered the way the provider merges it
    (source documents, then its own statements, then overrides; a later Sid replaces)."""
    address = referenced_address(value)
    source = context.policy_documents.get(address or "")
    if source is None or address is None:
        return json_document(value)
    if address in seen:
        return Unknown("policy documents include each other")
    body = Part.of(source)
    own = iam_document([_plain(statement) for statement in body.parts("statement")])
    merged: list[Any] = []
    for included in [*_included(body, ("source_policy_documents", "source_json")), own,
                     *_included(body, ("override_policy_documents", "override_json"))]:
        document = included if included is own else _policy_document(
            included, context, seen | {address})
        statements = statements_of(document)
        if is_unknown(statements):
            return statements
        merged = merge_statements(merged, statements)
    return {"Statement": merged}


def _included(body: Part, names: tuple[str, ...]) -> list[Any]:
    return [document for name in names for document in items(body.get(name))
            if document != ""]


def _plain(part: Part) -> dict[str, Any]:
    plain = dict(part.values)
    for nested in ("principals", "not_principals", "condition"):
        plain[nested] = [child.values for child in part.parts(nested)]
    return plain


def s3_bucket(resource: Resource, context: AwsContext, facts: Facts) -> None:
    body = Part.of(resource)
    facts.storage.append(storage(body.origin(), platform=PLATFORM, kind="object",
                                 encrypted=True,
                                 detail="S3 encrypts every object (SSE-S3 at least) since 2023"))
    _acl_grants(body, body.get("acl"), context, resource.address, facts)
    _grantee_grants(body.parts("grant"), context, resource.address, facts)
    if body.has("policy"):
        _policy_grants(body, _policy_document(body.get("policy"), context), context,
                       resource.address, facts)


def s3_bucket_acl(resource: Resource, context: AwsContext, facts: Facts) -> None:
    body = Part.of(resource)
    bucket = context.bucket_of(body.get("bucket"))
    _acl_grants(body, body.get("acl"), context, bucket, facts)
    for policy in body.parts("access_control_policy"):
        _grantee_grants(policy.parts("grant"), context, bucket, facts)


def s3_bucket_policy(resource: Resource, context: AwsContext, facts: Facts) -> None:
    body = Part.of(resource)
    _policy_grants(body, _policy_document(body.get("policy"), context), context,
                   context.bucket_of(body.get("bucket")), facts)


Adapter = Callable[[Resource, AwsContext, Facts], None]
ADAPTERS: dict[str, Adapter] = {
    "aws_security_group": security_group,
    "aws_default_security_group": security_group,
    "aws_security_group_rule": security_group_rule,
    "aws_vpc_security_group_ingress_rule": vpc_ingress_rule,
    "aws_lb_listener": lb_listener,
    "aws_alb_listener": lb_listener,
    "aws_elb": classic_elb,
    "aws_ebs_volume": ebs_volume,
    "aws_instance": instance_volumes,
    "aws_launch_configuration": instance_volumes,
    "aws_launch_template": launch_template_volumes,
    "aws_autoscaling_group": autoscaling_group,
    "aws_db_instance": db_instance,
    "aws_rds_cluster": rds_cluster,
    "aws_efs_file_system": efs,
    "aws_medicalimaging_datastore": healthimaging,
    "aws_s3_bucket": s3_bucket,
    "aws_s3_bucket_acl": s3_bucket_acl,
    "aws_s3_bucket_policy": s3_bucket_policy,
}
