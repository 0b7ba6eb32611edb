"""IAM members, bindings and policies on Cloud Storage buckets and Cloud Healthcare datasets
and DICOM stores, and Cloud Storage ACLs, as grant facts (public access prevention blocks
public members of a bucket)."""

from __future__ import annotations

import json
from typing import Any

from dicomguard.facts import grant
from dicomguard.knowledge.principals import is_gcp_public_member
from dicomguard.model import Facts, Unknown, is_unknown
from dicomguard.terraform.adapters.gcp.context import PLATFORM, Adapter, GcpContext
from dicomguard.terraform.adapters.parts import Part, items, referenced_address
from dicomguard.terraform.evaluated import Resource

PUBLIC_PREDEFINED_ACLS = {"publicread": "read", "publicreadwrite": "read and write"}
ACL_ROLES = {"reader": "read", "writer": "read and write", "owner": "full control"}


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


ADAPTERS: dict[str, Adapter] = {
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
}
