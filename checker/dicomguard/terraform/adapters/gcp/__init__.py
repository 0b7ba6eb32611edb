"""Google Cloud resources as facts, one module per service; the adapters of every module are
gathered here (see gathered.py)."""

from __future__ import annotations

from dicomguard.terraform.adapters.gathered import gathered
from dicomguard.terraform.adapters.gcp.context import Adapter, build_context

__all__ = ["ADAPTERS", "build_context"]

ADAPTERS: dict[str, Adapter] = gathered(__name__, __path__, "GCP")
