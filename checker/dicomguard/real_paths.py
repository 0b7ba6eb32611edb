"""Real paths (os.path.realpath) of many files in few directories: each directory is resolved
once, by looking up only its last component when its parent is already known, where realpath
looks up every component of every path again. Remembered until `forget()`, which a scan calls
when it starts: a tree may change between two scans of one process."""

from __future__ import annotations

import os

_real_directories: dict[str, str] = {}


def forget() -> None:
    _real_directories.clear()


def real_directory(directory: str) -> str:
    """os.path.realpath(directory)."""
    absolute = os.path.abspath(directory)
    if ".." in directory.split(os.sep):  # abspath drops `x/..` without following a link at x
        return os.path.realpath(directory)
    known = _real_directories.get(absolute)
    if known is not None:
        return known
    unknown: list[str] = []
    ancestor = absolute
    while ancestor not in _real_directories:
        parent = os.path.dirname(ancestor)
        if parent == ancestor:  # the file system's root
            _real_directories[ancestor] = ancestor
            break
        unknown.append(ancestor)
        ancestor = parent
    real = _real_directories[ancestor]
    for path in reversed(unknown):
        joined = os.path.join(real, os.path.basename(path))
        real = os.path.realpath(joined) if os.path.islink(joined) else joined
        _real_directories[path] = real
    return real


def real_path(file: str) -> str:
    """os.path.realpath(file): its directory's real path, and the file's own link followed."""
    directory, name = os.path.split(os.path.abspath(file))
    if ".." in file.split(os.sep) or not name:
        return os.path.realpath(file)
    joined = os.path.join(real_directory(directory), name)
    return os.path.realpath(joined) if os.path.islink(joined) else joined
