"""The two C++ libraries a scan may load, regopy's (the embedded engine) and RE2 (patterns from
scanned files), loaded in the one order in which they share an allocator.

regopy's library brings its own `operator new` (snmalloc). Loaded first, it becomes the
allocator of the C++ runtime, whose own code then hands RE2 memory RE2 frees with the runtime's
allocator: the first pattern aborts the process (`free(): invalid pointer`). Loaded after RE2,
it leaks instead: 3 times the memory on a large tree. So regopy comes first, and before RE2 is
loaded its library is made global, so that RE2 allocates with it too. docs/decisions.md has the
measurements.
"""

from __future__ import annotations

import os
import sys
from typing import Any


def regopy() -> Any:
    """The regopy module (ImportError where it has no wheel)."""
    if "regopy" not in sys.modules:
        _processor_known_without_a_child_process()
    import regopy

    return regopy


def re2() -> Any:
    """The RE2 module, loaded after regopy (where regopy is installed) and sharing its
    allocator."""
    if "re2" not in sys.modules:
        try:
            library = regopy()
        except ImportError:  # pragma: no cover - no regopy wheel: RE2 is alone in the process
            library = None
        if library is not None:
            _share_allocator(library)
    import re2

    return re2


def _share_allocator(library: Any) -> None:
    """Make regopy's loaded library global, so that a C++ library loaded later takes its
    `operator new` as the C++ runtime already does. Only ELF systems interpose symbols."""
    if not hasattr(os, "RTLD_NOLOAD"):
        return
    import ctypes

    path = getattr(getattr(library.rego_shared, "rego", None), "_name", None)
    if not isinstance(path, str):
        raise ImportError("regopy's library was not found where regopy 1.5 keeps it; RE2 "
                          "cannot be loaded beside it")
    ctypes.CDLL(path, mode=os.RTLD_NOW | os.RTLD_GLOBAL | os.RTLD_NOLOAD)


def _processor_known_without_a_child_process() -> None:
    """regopy picks its library by `platform.uname()[0]`; indexing that tuple makes Python
    learn the processor too, by running `uname -p` in a child process (8 to 11 ms of every
    scan). The machine name, which the kernel gives without one, stands in for it."""
    import platform

    uname = platform.uname()
    uname.__dict__.setdefault("processor", os.uname().machine if hasattr(os, "uname") else "")
