"""JSON report, documented by schemas/report.schema.json."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from dicomguard.report import Format, RenderOptions


def summary(report: Any) -> dict[str, Any]:
    active = [finding for finding in report.findings if not finding.suppressed]
    return {
        "files_scanned": report.files_scanned,
        "findings": len(active),
        "suppressed": len(report.findings) - len(active),
        "errors": len(report.errors),
        "by_severity": dict(Counter(finding.severity for finding in active)),
        "by_category": dict(Counter(finding.category for finding in active)),
        "unresolved": sum(1 for finding in active if finding.confidence == "unresolved"),
        "duration_seconds": round(report.duration_seconds, 3),
    }


def render(report: Any, options: RenderOptions) -> str:
    document = {
        "version": report.version,
        "root": str(report.root),
        "findings": [finding.to_json() for finding in report.findings],
        "errors": [error.to_json() for error in report.errors],
        "notes": report.notes,
        "summary": summary(report),
    }
    if report.baseline is not None:
        document["baseline"] = report.baseline
    return json.dumps(document, indent=2) + "\n"


FORMAT = Format("json", render)
