"""RDS instances, Aurora clusters and their instances: their storage encryption (storage
facts) and whether the database answers on the internet (service facts)."""

from __future__ import annotations

from typing import Any

from dicomguard.facts import service, storage, tristate
from dicomguard.model import Facts, Unknown, is_unknown
from dicomguard.terraform.adapters.aws.context import PLATFORM, Adapter, AwsContext
from dicomguard.terraform.adapters.parts import Part
from dicomguard.terraform.evaluated import Resource


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


def cluster_instance(resource: Resource, context: AwsContext, facts: Facts) -> None:
    """An Aurora instance: its storage is its cluster's, its endpoint is its own."""
    body = Part.of(resource)
    _database_endpoint(body, body.get("engine", ""), facts)


ADAPTERS: dict[str, Adapter] = {
    "aws_db_instance": db_instance,
    "aws_rds_cluster": rds_cluster,
    "aws_rds_cluster_instance": cluster_instance,
}
