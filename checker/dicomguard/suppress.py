"""Inline suppressions: `# dicomguard:ignore RULE-ID reason="..." until=YYYY-MM-DD`."""

from __future__ import annotations

from dicomguard.findings import Finding
from dicomguard.model import ScanError


def apply_suppressions(findings: list[Finding]) -> list[ScanError]:
    """Mark suppressed findings; return errors for malformed suppression comments."""
    return []
