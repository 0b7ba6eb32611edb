"""AWS resources as facts, one module per service; the adapters of every module are gathered
here (see gathered.py)."""

from __future__ import annotations

from dicomguard.terraform.adapters.aws.context import Adapter, build_context
from dicomguard.terraform.adapters.gathered import gathered

__all__ = ["ADAPTERS", "build_context"]

ADAPTERS: dict[str, Adapter] = gathered(__name__, __path__, "AWS")
