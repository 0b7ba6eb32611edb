"""Opening files of the scanned tree: regular files only. A FIFO would block the scan and opening
a device can have side effects, so the kind is checked with stat before the file is opened, and
again on the open descriptor."""

from __future__ import annotations

import errno
import io
import os
import stat
from pathlib import Path
from typing import BinaryIO

_KINDS = ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"),
          (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
          (stat.S_ISDIR, "a directory"))


class NotRegularFile(OSError):
    """The path names something other than a regular file; it was not opened."""

    def __init__(self, mode: int) -> None:
        super().__init__(errno.EINVAL, f"{kind_of(mode)}, not a regular file")


def kind_of(mode: int) -> str:
    """What a stat mode names, as users read it: 'a FIFO', 'a socket' ..."""
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def _regular_descriptor(path: str | Path, mode: int | None = None) -> int:
    """A descriptor open for reading on a regular file (links followed); anything else raises
    NotRegularFile without having been opened. `mode` is the file's os.stat mode when the caller
    has it."""
    mode = os.stat(path).st_mode if mode is None else mode
    if not stat.S_ISREG(mode):
        raise NotRegularFile(mode)
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    try:
        mode = os.fstat(descriptor).st_mode
        if not stat.S_ISREG(mode):  # replaced between stat and open
            raise NotRegularFile(mode)
    except BaseException:
        os.close(descriptor)
        raise
    return descriptor


def open_regular(path: str | Path) -> BinaryIO:
    """Open a regular file for reading (following symbolic links); anything else raises
    NotRegularFile without having been opened."""
    descriptor = _regular_descriptor(path)
    try:
        os.set_blocking(descriptor, True)
        return os.fdopen(descriptor, "rb")
    except BaseException:
        os.close(descriptor)
        raise


def read_regular_text(path: str | Path) -> str:
    """The whole file as UTF-8 (strict), if it is a regular file."""
    with io.TextIOWrapper(open_regular(path), encoding="utf-8", errors="strict") as text:
        return text.read()


def read_head(path: str | Path, size: int, mode: int | None = None) -> bytes:
    """The first `size` bytes of a regular file; `mode` is its os.stat mode when the caller has
    it. Read without a buffered file object: discovery reads the head of every file."""
    descriptor = _regular_descriptor(path, mode)
    try:
        return os.read(descriptor, size)
    finally:
        os.close(descriptor)
