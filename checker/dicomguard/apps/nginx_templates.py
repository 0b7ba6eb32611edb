"""The official nginx image renders /etc/nginx/templates/*.template into conf.d with envsubst
before it starts, replacing `${NAME}` and `$NAME` only for variables its environment defines
(and, when NGINX_ENVSUBST_FILTER is set, only for names that match it). Every other `$` is
left for nginx, which reads it as one of its own variables."""

from __future__ import annotations

import re
from typing import Any

_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_REFERENCE = re.compile(rf"\$(?:\{{(?P<braced>{_NAME})\}}|(?P<bare>{_NAME}))")
FILTER = "NGINX_ENVSUBST_FILTER"


def _substituted(environment: dict[str, Any]) -> dict[str, str]:
    """The variables envsubst replaces: those the container defines with a known value."""
    known = {str(name): value for name, value in environment.items()
             if isinstance(value, str | int | float) and not isinstance(value, bool)}
    pattern = known.get(FILTER)
    if isinstance(pattern, str) and pattern:
        try:
            chosen = re.compile(pattern)
        except re.error:
            return {}
        known = {name: value for name, value in known.items() if chosen.search(name)}
    return {name: str(value) for name, value in known.items()}


def rendered_template(text: str, environment: dict[str, Any]) -> str:
    """The configuration the image writes from a template; a variable whose value cannot be
    known stays as written, so what depends on it stays unknown."""
    values = _substituted(environment)

    def substitute(match: re.Match[str]) -> str:
        name = match.group("braced") or match.group("bare")
        return values.get(name, match.group(0))

    return _REFERENCE.sub(substitute, text)
