"""S3 buckets: object storage facts, and grants for public ACLs, ACL grants and bucket
policies (aws_iam_policy_document rendered as the provider merges it), unless a bucket or
account public access block neutralises them."""

from __future__ import annotations

from typing import Any

from dicomguard.facts import grant, storage, tristate
from dicomguard.knowledge.principals import PUBLIC_CANNED_ACLS, PUBLIC_GRANTEE_URIS
from dicomguard.model import Facts, Unknown, is_unknown
from dicomguard.terraform.adapters.aws.context import PLATFORM, Adapter, AwsContext
from dicomguard.terraform.adapters.parts import Part, items, json_document, referenced_address
from dicomguard.terraform.adapters.policy_documents import (
    iam_document,
    merge_statements,
    public_statements,
    statements_of,
)
from dicomguard.terraform.evaluated import Resource


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


ADAPTERS: dict[str, Adapter] = {
    "aws_s3_bucket": s3_bucket,
    "aws_s3_bucket_acl": s3_bucket_acl,
    "aws_s3_bucket_policy": s3_bucket_policy,
}
