"""(transformation, input id) -> why the findings still change: known defects, each expected
to fail (strict xfail) until it is fixed. Empty: every rewrite keeps every finding."""

from __future__ import annotations

KNOWN_DIFFERENCES: dict[tuple[str, str], str] = {}
