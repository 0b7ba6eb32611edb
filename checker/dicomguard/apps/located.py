"""Parsed documents that remember the line of every value.

Both the JSON-with-comments reader and the YAML reader return a `Located`: the plain value
(dicts, lists, scalars) and the 1-based line where each path starts, so that a finding can point
at the exact key that causes it.
"""

from __future__ import annotations

from typing import Any

from dicomguard.records import field, record

Path = tuple[Any, ...]
# What reading a document of a shape its format forbids (a string where a mapping belongs)
# raises when a front end did not check for it: the file or resource is then reported as an
# error, never silently skipped.
STRUCTURE_ERRORS = (AttributeError, TypeError, KeyError, IndexError, ValueError)


def dig(value: Any, *path: Any) -> Any:
    """The value at path inside nested mappings; None where a step is missing or not one."""
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


@record
class Located:
    value: Any
    lines: dict[Path, int] = field(default_factory=dict)
    end_line: int = 1
    # Paths of values a YAML tag marks for Compose's merge: "!reset" or "!override".
    tags: dict[Path, str] = field(default_factory=dict)

    def line(self, *path: Any, default: int | None = None) -> int:
        """The line of the deepest known prefix of path."""
        for cut in range(len(path), -1, -1):
            found = self.lines.get(tuple(path[:cut]))
            if found is not None:
                return found
        return default if default is not None else 1

    def shifted(self, offset: int) -> Located:
        return Located(self.value, {path: line + offset for path, line in self.lines.items()},
                       self.end_line + offset, self.tags)
