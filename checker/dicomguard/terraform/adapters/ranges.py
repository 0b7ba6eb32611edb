"""Port range arithmetic for rules that take ports away from others (NSG and firewall Deny)."""

from __future__ import annotations

from typing import Any

from dicomguard.model import is_unknown


def subtract(ranges: list[Any], removed: list[Any]) -> list[Any]:
    """`ranges` without the ports of `removed`; unknown ranges stay, unknown cuts remove
    nothing (an unknown Deny never makes a rule safe)."""
    result = list(ranges)
    for cut in removed:
        if is_unknown(cut):
            continue
        kept: list[Any] = []
        for span in result:
            if is_unknown(span) or span[1] < cut[0] or span[0] > cut[1]:
                kept.append(span)
                continue
            if span[0] < cut[0]:
                kept.append([span[0], cut[0] - 1])
            if span[1] > cut[1]:
                kept.append([cut[1] + 1, span[1]])
        result = kept
    return result
