"""Who "everyone" is on each cloud: S3 canned ACLs and grantee groups, IAM policy principals,
GCP members (AWS S3 User Guide, "Canned ACL" and "Amazon S3 predefined groups"; GCP IAM
"Principal identifiers")."""

from __future__ import annotations

from typing import Any

ALL_USERS = "AllUsers"
AUTHENTICATED_USERS = "AuthenticatedUsers (any AWS account)"
# Canned ACLs that grant a public group: acl -> (grantee, access).
PUBLIC_CANNED_ACLS = {
    "public-read": (ALL_USERS, "read"),
    "public-read-write": (ALL_USERS, "read and write"),
    "authenticated-read": (AUTHENTICATED_USERS, "read"),
}
# Grantee group URIs, lower case.
PUBLIC_GRANTEE_URIS = {
    "http://acs.amazonaws.com/groups/global/allusers": ALL_USERS,
    "http://acs.amazonaws.com/groups/global/authenticatedusers": AUTHENTICATED_USERS,
}
# IAM policy principal that means anyone: "*" or {"AWS": "*"}.
EVERYONE = "*"
# Azure blob container access levels that let anyone read: level -> what anyone may do.
AZURE_PUBLIC_CONTAINER_ACCESS = {"blob": "read (blobs)", "container": "read and list (container)"}
# GCP IAM and ACL members that mean anyone, lower case.
GCP_PUBLIC_MEMBERS = frozenset({"allusers", "allauthenticatedusers"})


def is_public_canned_acl(acl: str) -> bool:
    return acl.strip().lower() in PUBLIC_CANNED_ACLS


def names_everyone(principal: Any) -> bool:
    """An IAM Principal of "*", or {"AWS": "*"} (any kind whose identifiers include "*")."""
    if principal == EVERYONE:
        return True
    if isinstance(principal, dict):
        return any(EVERYONE in (values if isinstance(values, list) else [values])
                   for values in principal.values())
    return False


def is_gcp_public_member(member: str) -> bool:
    return member.strip().lower() in GCP_PUBLIC_MEMBERS
