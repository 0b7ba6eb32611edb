"""Fixtures for the application-config family: a scan context with the shipped catalogue."""

from __future__ import annotations

import pytest

from dicomguard.policies import load_policies
from dicomguard.sources import ScanContext


@pytest.fixture(scope="session")
def context() -> ScanContext:
    return ScanContext(roots=["."], catalogue=load_policies().catalogue())
