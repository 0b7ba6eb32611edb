"""Fixtures for the application-config family: a scan context with the shipped catalogue."""

from __future__ import annotations

import pytest

from dicomguard.policies import load_policies
from dicomguard.sources import ScanContext


@pytest.fixture(scope="session")
def catalogue() -> list[dict]:
    return load_policies().catalogue()


@pytest.fixture(scope="session")
def context(catalogue) -> ScanContext:
    return ScanContext(roots=["."], catalogue=catalogue)


@pytest.fixture
def tree_context(tmp_path, catalogue) -> ScanContext:
    """A scan rooted at tmp_path, for files that refer to other files (mounts, .env)."""
    return ScanContext(roots=[str(tmp_path)], catalogue=catalogue)
