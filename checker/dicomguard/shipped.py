"""Files shipped inside the dicomguard package, read where it is installed.

The package is always installed as files (the built-in policies are read as a directory), so
its data is read directly, without loading importlib.resources at every scan.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIRECTORY = Path(__file__).parent


def shipped_text(relative: str) -> str:
    """A text file of the package, e.g. data/opa_builtins.json."""
    return (PACKAGE_DIRECTORY / relative).read_text(encoding="utf-8")
