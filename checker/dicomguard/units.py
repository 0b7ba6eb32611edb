"""Errors isolated per unit of work: a Terraform root module, an Ansible play, a rule set, a
compose project, a Kubernetes file. A unit that fails costs its own findings only: the failure
becomes an input error (exit 2) naming the unit's file, and the scan goes on."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from dicomguard.model import InputError, ScanError

Result = TypeVar("Result")


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
    """work(), or None with an error for `file` when it fails in any way."""
    try:
        return work()
    except Exception as error:  # one unit's failure must not cost other units their findings
        errors.append(unit_error(file, error, line))
        return None
