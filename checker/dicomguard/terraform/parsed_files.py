"""Parsed files kept for the next unit: a module called from several root modules is read by
each root's unit, and a worker would otherwise parse it again for each. The cache holds the
files parsed last (a bounded number, so memory stays that of a unit or two); a file is known
by its path, size and modification time. Syntax trees are only read once built, except by an
override file, whose directory is never cached."""

from __future__ import annotations

import os
from collections.abc import Callable

from dicomguard.model import SourceFile
from dicomguard.terraform.syntax import SyntaxBlock

KEPT_FILES = 1500

_kept: dict[tuple[str, str, int, int], SyntaxBlock] = {}


def parsed(source: SourceFile, parse: Callable[[], SyntaxBlock | None]) -> SyntaxBlock | None:
    try:
        status = os.stat(source.path)
    except OSError:
        return parse()
    key = (source.path, source.kind, status.st_size, status.st_mtime_ns)
    body = _kept.pop(key, None) or parse()
    if body is None:
        return None
    _kept[key] = body  # the most recent last
    while len(_kept) > KEPT_FILES:
        del _kept[next(iter(_kept))]
    return body
