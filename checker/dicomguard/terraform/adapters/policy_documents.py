"""Who a resource policy lets in: AWS IAM JSON statements with Principal "*", read the way
S3 Block Public Access decides what is public (a fixed source VPC, IP range, account or
organisation in a condition makes a statement non-public)."""

from __future__ import annotations

from typing import Any

from dicomguard.facts import source_scope
from dicomguard.knowledge.principals import EVERYONE, names_everyone
from dicomguard.model import Unknown, is_unknown
from dicomguard.terraform.evaluated import KnownPrefix

# Condition keys that, with fixed values, pin a statement to known callers
# (docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html).
RESTRICTING_KEYS = frozenset({
    "aws:sourcearn", "aws:sourcevpc", "aws:sourcevpce", "aws:sourceaccount", "aws:sourceowner",
    "aws:sourceorgid", "aws:sourceorgpaths", "aws:principalaccount", "aws:principalarn",
    "aws:principalorgid", "aws:principalorgpaths", "aws:userid", "s3:dataaccesspointarn",
    "s3:dataaccesspointaccount", "aws:sourceip", "aws:vpceaccount", "aws:vpceorgid",
    "aws:vpceorgpaths",
})
ARN_KEYS = frozenset({"aws:sourcearn", "aws:principalarn", "s3:dataaccesspointarn"})
WILDCARDS = frozenset("*?")
READ_ACTION_PREFIXES = ("s3:get", "s3:list", "healthimaging:get", "healthimaging:search")


def statements_of(document: Any) -> list[Any] | Unknown:
    if is_unknown(document):
        return document
    if not isinstance(document, dict):
        return Unknown("policy is not a JSON object")
    statements = document.get("Statement", [])
    if isinstance(statements, dict):
        return [statements]
    if not isinstance(statements, list):
        return Unknown("policy Statement is not a list")
    return statements


def merge_statements(base: list[Any], later: list[Any]) -> list[Any]:
    """Statements of `later` added to `base`; one with the Sid of an earlier one replaces it."""
    result = list(base)
    for statement in later:
        sid = statement.get("Sid") if isinstance(statement, dict) else None
        if isinstance(sid, str) and sid:
            result = [kept for kept in result
                      if not (isinstance(kept, dict) and kept.get("Sid") == sid)]
        result.append(statement)
    return result


def public_statements(document: Any) -> list[tuple[str, str]] | Unknown:
    """(principal, access) for every Allow statement open to everyone; Unknown when the
    document cannot be read."""
    statements = statements_of(document)
    if is_unknown(statements):
        return statements
    found: list[tuple[str, str]] = []
    for statement in statements:
        if not isinstance(statement, dict) or str(statement.get("Effect", "")).lower() != "allow":
            continue
        who = _everyone(statement)
        if who is None:
            continue
        if is_unknown(who):
            return who
        restricted = _restricted(statement.get("Condition"))
        if is_unknown(restricted):
            return restricted
        if not restricted:
            found.append((who, _access(statement.get("Action", statement.get("NotAction")))))
    return found


def _everyone(statement: dict[str, Any]) -> str | Unknown | None:
    if "NotPrincipal" in statement:
        return "everyone except the NotPrincipal list"
    principal = statement.get("Principal")
    if is_unknown(principal):
        return principal
    if isinstance(principal, str) and names_everyone(principal):
        return EVERYONE
    if isinstance(principal, dict):
        for kind, identifiers in principal.items():
            values = identifiers if isinstance(identifiers, list) else [identifiers]
            # IAM accepts no wildcard inside a principal ARN: one is never everyone.
            values = [value for value in values
                      if not (isinstance(value, KnownPrefix) and value.prefix.startswith("arn:"))]
            if any(is_unknown(value) for value in values):
                return Unknown(f"principal {kind} is not known")
            if names_everyone({kind: values}):
                return f"{kind}: {EVERYONE}"
    return None


def _restricted(condition: Any) -> bool | Unknown:
    if condition is None:
        return False
    if is_unknown(condition):
        return condition
    if not isinstance(condition, dict):
        return Unknown("policy Condition is not an object")
    for operator, tests in condition.items():
        if not isinstance(tests, dict):
            continue
        name = str(operator).lower()
        if "not" in name or name.startswith("forallvalues"):
            continue
        for key, values in tests.items():
            if _pins(str(key).lower(), values):
                return True
    return False


def _pins(key: str, values: Any) -> bool:
    if key not in RESTRICTING_KEYS:
        return False
    values = values if isinstance(values, list) else [values]
    if not values or any(is_unknown(value) for value in values):
        return False
    if key == "aws:sourceip":
        return all(source_scope(str(value)) != "internet" for value in values)
    if key in ARN_KEYS:
        return all(_arn_pins_account(str(value)) for value in values)
    return all(not WILDCARDS & set(str(value)) for value in values)


def _arn_pins_account(arn: str) -> bool:
    """An ARN pattern pins its callers when its account field is fixed, whatever wildcards
    the rest holds (arn:aws:cloudtrail:*:111122223333:trail/* names one account's trails)."""
    fields = arn.split(":")
    return len(fields) >= 6 and fields[4] != "" and not WILDCARDS & set(fields[4])


def _access(actions: Any) -> str:
    listed = actions if isinstance(actions, list) else [actions]
    texts = [str(action).lower() for action in listed if not is_unknown(action)]
    if texts and all(text.startswith(READ_ACTION_PREFIXES) for text in texts):
        return "read"
    return "read and write"


def iam_document(statements: list[dict[str, Any]]) -> dict[str, Any]:
    """The JSON document an aws_iam_policy_document data source renders, from its blocks
    (already turned into plain dicts with `principals`, `condition` lists)."""
    rendered = []
    for statement in statements:
        entry: dict[str, Any] = {"Effect": statement.get("effect") or "Allow",
                                 "Action": statement.get("actions") or []}
        if statement.get("sid"):
            entry["Sid"] = statement["sid"]
        for block, key in (("principals", "Principal"), ("not_principals", "NotPrincipal")):
            principals: dict[str, Any] = {}
            for principal in statement.get(block) or []:
                kind = principal.get("type")
                principals.setdefault(kind if isinstance(kind, str) else "AWS", []).extend(
                    principal.get("identifiers") or [])
            if principals:
                entry[key] = "*" if principals == {"*": ["*"]} else principals
        conditions: dict[str, Any] = {}
        for test in statement.get("condition") or []:
            operator = test.get("test")
            variable = test.get("variable")
            if isinstance(operator, str) and isinstance(variable, str):
                conditions.setdefault(operator, {})[variable] = test.get("values") or []
            else:
                conditions = Unknown("a policy condition is not known")  # type: ignore[assignment]
                break
        if conditions:
            entry["Condition"] = conditions
        rendered.append(entry)
    return {"Statement": rendered}
