"""Credentials anyone could guess count as no authentication."""

from __future__ import annotations

import pytest

from dicomguard.apps.credentials import weak_credentials, weakness
from dicomguard.model import Unknown


@pytest.mark.parametrize(("user", "password", "reason"), [
    ("alice", "", "an empty password"),
    ("alice", "   ", "an empty password"),
    ("alice", "Alice", "a password equal to the user name"),
    ("orthanc", "orthanc", "a vendor default password"),
    ("admin", "admin", "a vendor default password"),
    ("root", "changeit", "a vendor default password"),
    ("cn=admin", "secret", "a vendor default password"),
    ("pacs", "pacs", "a vendor default password"),
    ("bob", "123456", "one of the most common passwords"),
    ("bob", "Password1", "one of the most common passwords"),
    ("bob", "t7#Vq!x9Lm2@Rz", None),
    ("bob", Unknown("from a vault"), None),
    ("bob", None, None),
])
def test_weakness(user, password, reason):
    assert weakness(user, password) == reason


def test_findings_name_users_never_passwords():
    found = weak_credentials({"alice": "alice", "bob": "t7#Vq!x9Lm2@Rz", "carol": "letmein"})
    assert found == [
        {"user": "alice", "reason": "a password equal to the user name"},
        {"user": "carol", "reason": "one of the most common passwords"},
    ]
    assert "letmein" not in repr(found)
