"""How many processes a scan may run at once."""

from __future__ import annotations

import os


def usable_cores() -> int:
    """The cores this process may run on (its affinity, as containers and taskset set it)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not Linux
        return os.cpu_count() or 1
