"""Fixtures for the host firewall family."""

from __future__ import annotations

from pathlib import Path

import pytest

from dicomguard.firewall.detect import classify
from dicomguard.firewall.evaluate import Verdict
from tests.conftest import EXAMPLES

FIREWALL_EXAMPLES = EXAMPLES / "firewall"
CATALOGUE = [
    {"port": 104, "protocol": "tcp", "service": "DICOM", "severity": "critical"},
    {"port": 11112, "protocol": "tcp", "service": "DICOM", "severity": "critical"},
    {"port": 4242, "protocol": "tcp", "service": "Orthanc DICOM", "severity": "critical"},
    {"port": 8042, "protocol": "tcp", "service": "Orthanc HTTP / DICOMweb",
     "severity": "critical"},
    {"port": 2761, "protocol": "tcp", "service": "DICOM ISCL", "severity": "high"},
    {"port": 2575, "protocol": "tcp", "service": "HL7 MLLP", "severity": "high"},
    {"port": 2762, "protocol": "tcp", "service": "DICOM TLS", "severity": "medium"},
]


def example_files() -> list[tuple[Path, str]]:
    """Every firewall example with the kind discovery gives it."""
    found = []
    for path in sorted(FIREWALL_EXAMPLES.rglob("*")):
        if path.is_file():
            kind = classify(path, path.read_text(errors="replace")[:4096])
            if kind:
                found.append((path, kind))
    return found


def verdicts_of(kind: str, text: str, file: str = "rules") -> list[Verdict]:
    from dicomguard.firewall.analyse import verdicts
    from dicomguard.firewall.collect import parse_text

    return verdicts(parse_text(kind, text, file), CATALOGUE)


def status_by_port(kind: str, text: str) -> dict[tuple[int, int], str]:
    """{(IP version, port): exposed | closed | unresolved}."""
    return {(v.version, v.port): v.status for v in verdicts_of(kind, text)}


@pytest.fixture
def catalogue() -> list[dict]:
    return [dict(entry) for entry in CATALOGUE]
