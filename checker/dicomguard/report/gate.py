"""Which findings fail the gate: shared by the exit code and the formats that show it."""

from __future__ import annotations

from typing import Any

from dicomguard.report import RenderOptions
from dicomguard.severity import at_or_above


def fails_gate(finding: Any, options: RenderOptions) -> bool:
    """True when this finding alone makes the scan exit 1. A finding recorded in the baseline
    (--baseline) is reported but never fails."""
    if finding.suppressed or finding.baseline == "unchanged":
        return False
    if not at_or_above(finding.severity, options.fail_on):
        return False
    return finding.confidence == "confirmed" or options.strict
