"""Errors isolated per unit of work: a Terraform root module, an Ansible play, a rule set, a
compose project, a Kubernetes file. A unit that fails costs its own findings only: the failure
becomes an input error (exit 2) naming the unit's file, and the scan goes on.

Each unit also has a time and a memory budget (--unit-timeout, --unit-memory). A ticker checks
both while the unit runs; a unit over either is stopped and becomes an input error, like any
other failure of that unit."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from dicomguard.limits import LimitExceeded
from dicomguard.model import InputError, ScanError
from dicomguard.records import record

Result = TypeVar("Result")

MIB = 1024 * 1024
TICK_SECONDS = 0.05


DEFAULT_UNIT_SECONDS = 120.0
DEFAULT_UNIT_MEBIBYTES = 2048.0


@record
class Budget:
    seconds: float = DEFAULT_UNIT_SECONDS
    mebibytes: float = DEFAULT_UNIT_MEBIBYTES


BUDGET = Budget()  # set once per scan from the command line (cli.py)


class _OverBudget(BaseException):
    """Raised by the ticker inside a unit. A BaseException, so that no handler inside the unit
    (they catch Exception) can keep the unit running; unit_budget turns it into an input error."""


@record
class _Ticker:
    started: float
    resident_at_start: int
    armed: bool = True


_running: list[_Ticker] = []


class _Statm:
    """/proc/self/statm, opened once per process: a unit's budget reads it when the unit starts
    and at every tick, and Terraform starts one for every resource it adapts."""

    owner = 0  # the process that opened it
    descriptor = -1


def _resident_bytes() -> int:
    """The process's resident memory (Linux); 0 where it cannot be read."""
    try:
        if _Statm.owner != os.getpid():
            _Statm.descriptor = os.open("/proc/self/statm", os.O_RDONLY)
            _Statm.owner = os.getpid()
        return int(os.pread(_Statm.descriptor, 64, 0).split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


@contextmanager
def unit_budget() -> Iterator[None]:
    """Run the body under the unit budget. Nested units share the outer one's budget; where no
    timer signal can be had (another thread, no setitimer) the body runs unbudgeted."""
    if _running or threading.current_thread() is not threading.main_thread() \
            or not hasattr(signal, "setitimer"):
        yield
        return
    ticker = _Ticker(time.monotonic(), _resident_bytes())

    def tick(_signal: int, _frame: Any) -> None:
        if not ticker.armed:
            return
        if time.monotonic() - ticker.started > BUDGET.seconds:
            raise _OverBudget(f"took longer than the {BUDGET.seconds:g} s a unit may take "
                              "(--unit-timeout); not analysed")
        if ticker.resident_at_start and \
                _resident_bytes() - ticker.resident_at_start > BUDGET.mebibytes * MIB:
            raise _OverBudget(f"needed more than the {BUDGET.mebibytes:g} MiB a unit may use "
                              "(--unit-memory); not analysed")

    previous = signal.signal(signal.SIGALRM, tick)
    _running.append(ticker)
    signal.setitimer(signal.ITIMER_REAL, TICK_SECONDS, TICK_SECONDS)
    try:
        try:
            yield
        finally:
            _disarm(ticker, previous)
    except _OverBudget as over:
        _disarm(ticker, previous)  # again: the ticker may have fired during the first one
        raise LimitExceeded(str(over)) from None


def _disarm(ticker: _Ticker, previous: Any) -> None:
    ticker.armed = False
    signal.setitimer(signal.ITIMER_REAL, 0)
    signal.signal(signal.SIGALRM, previous)
    if ticker in _running:
        _running.remove(ticker)


def failure_message(error: Exception) -> str:
    """What a user reads about a unit that could not be analysed."""
    if isinstance(error, InputError):
        return error.message
    if isinstance(error, RecursionError):
        return "nested too deeply to be read"
    if isinstance(error, MemoryError):
        return "too large to be evaluated"
    if isinstance(error, UnicodeError):
        return f"not valid text ({error})"
    return f"could not be analysed ({type(error).__name__}: {error})"


def unit_error(file: str, error: Exception, line: int | None = None) -> ScanError:
    found_line = error.line if isinstance(error, InputError) and error.line else line
    return ScanError(file, found_line, failure_message(error))


def isolated(file: str, work: Callable[[], Result], errors: list[ScanError],
             line: int | None = None) -> Result | None:
    """work(), within the unit budget, or None with an error for `file` when it fails in any
    way."""
    try:
        with unit_budget():
            return work()
    except Exception as error:  # one unit's failure must not cost other units their findings
        errors.append(unit_error(file, error, line))
        return None
