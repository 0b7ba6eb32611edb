"""Credentials that let anyone in: the finding names the user, never the password."""

from __future__ import annotations

from typing import Any

from dicomguard.knowledge.images import VENDOR_DEFAULT_PASSWORDS
from dicomguard.model import is_unknown

# The most common passwords in public breach corpora (short list, lower case).
COMMON_PASSWORDS = frozenset({
    "123456", "123456789", "12345678", "12345", "1234567", "1234567890", "1234", "111111",
    "000000", "password", "password1", "password123", "passw0rd", "qwerty", "qwerty123",
    "abc123", "letmein", "welcome", "monkey", "dragon", "iloveyou", "test", "test123", "guest",
    "default", "changeme", "pass", "master", "admin123", "administrator", "123123", "654321",
    "superman", "trustno1", "secret123", "p@ssw0rd", "user",
})


def weakness(user: str, password: Any) -> str | None:
    """Why a password is one anyone could guess, or None when it is not (or is unknown)."""
    if is_unknown(password) or password is None or isinstance(password, dict | list):
        return None
    text = str(password)
    if not text.strip():
        return "an empty password"
    lowered = text.lower()
    if lowered in VENDOR_DEFAULT_PASSWORDS:
        return "a vendor default password"
    if lowered == str(user).lower():
        return "a password equal to the user name"
    if lowered in COMMON_PASSWORDS:
        return "one of the most common passwords"
    return None


def weak_credentials(users: dict[str, Any]) -> list[dict[str, str]]:
    """{user, reason} for each user whose password anyone could guess."""
    found = []
    for user, password in users.items():
        reason = weakness(user, password)
        if reason:
            found.append({"user": str(user), "reason": reason})
    return found
