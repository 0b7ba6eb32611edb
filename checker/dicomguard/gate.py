"""The gate: whether a scan fails, decided in one place for the exit code and every format that
shows a verdict (text, HTML, JUnit, GitHub annotations)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dicomguard.records import record
from dicomguard.severity import Severity, at_or_above

if TYPE_CHECKING:
    from dicomguard.findings import Finding
    from dicomguard.scan import ScanReport

EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2


@record(frozen=True)
class Gate:
    """--fail-on, --strict and --soft-fail; a baseline's findings are marked on the findings."""

    fail_on: str = Severity.LOW.value
    strict: bool = False
    soft_fail: bool = False

    def fails(self, finding: Finding) -> bool:
        """True when this finding alone makes the scan exit 1. A finding recorded in the
        baseline (--baseline) is reported but never fails."""
        if finding.suppressed or finding.baseline == "unchanged":
            return False
        if not at_or_above(finding.severity, self.fail_on):
            return False
        return finding.confidence == "confirmed" or self.strict

    def failed(self, report: ScanReport) -> bool:
        """The verdict a report shows: any error, or any finding that fails the gate."""
        return bool(report.errors) or any(self.fails(finding) for finding in report.findings)

    def exit_code(self, report: ScanReport) -> int:
        if report.errors:
            return EXIT_ERROR
        if any(self.fails(finding) for finding in report.findings) and not self.soft_fail:
            return EXIT_FINDINGS
        return EXIT_CLEAN

    def describe(self) -> str:
        """The options that decide the verdict, as a report shows them."""
        return f"--fail-on {self.fail_on}" + (" --strict" if self.strict else "")
