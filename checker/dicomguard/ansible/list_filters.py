"""Ansible's list and set filters and the loops built on them (`with_nested`,
`with_together`, `with_subelements`, `with_sequence`), on known values, as
ansible.builtin defines them. Sizes are checked before a product is built."""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

from dicomguard.limits import check_length, spend
from dicomguard.model import Unknown


class LoopError(ValueError):
    """A loop or filter Ansible itself would refuse; the message says why."""


def _as_list(value: Any) -> list[Any]:
    if isinstance(value, list | tuple):
        return list(value)
    return [value]


def product(first: Iterable[Any], *others: Iterable[Any], repeat: int = 1) -> list[list[Any]]:
    members = [list(first), *(list(other) for other in others)] * int(repeat)
    check_length(math.prod(len(items) for items in members), "the product")
    spend(math.prod(len(items) for items in members))
    return [list(combination) for combination in itertools.product(*members)]


def zip_lists(*lists: Iterable[Any]) -> list[list[Any]]:
    return [list(group) for group in zip(*lists, strict=False)]


def zip_longest(*lists: Iterable[Any], fillvalue: Any = None) -> list[list[Any]]:
    return [list(group) for group in itertools.zip_longest(*lists, fillvalue=fillvalue)]


def subelements(elements: Any, key: str, skip_missing: bool = False) -> list[list[Any]]:
    outer = list(elements.values()) if isinstance(elements, Mapping) else _as_list(elements)
    pairs: list[list[Any]] = []
    for element in outer:
        if not isinstance(element, Mapping):
            raise LoopError(f"subelements: {element!r} is not a mapping")
        current: Any = element
        for part in str(key).split("."):
            if isinstance(current, Mapping) and part in current:
                current = current[part]
            elif skip_missing:
                current = None
                break
            else:
                raise LoopError(f"subelements: {key!r} is missing from {element!r}")
        if current is None:
            continue
        if not isinstance(current, list):
            raise LoopError(f"subelements: {key!r} of {element!r} is not a list")
        pairs.extend([element, inner] for inner in current)
    check_length(len(pairs), "the subelements")
    return pairs


def union(first: Iterable[Any], second: Iterable[Any]) -> list[Any]:
    return _unique([*first, *second])


def intersect(first: Iterable[Any], second: Iterable[Any]) -> list[Any]:
    kept = list(second)
    return _unique([item for item in first if item in kept])


def difference(first: Iterable[Any], second: Iterable[Any]) -> list[Any]:
    removed = list(second)
    return _unique([item for item in first if item not in removed])


def symmetric_difference(first: Iterable[Any], second: Iterable[Any]) -> list[Any]:
    left, right = list(first), list(second)
    return _unique([item for item in [*left, *right] if (item in left) != (item in right)])


def _unique(items: list[Any]) -> list[Any]:
    unique: list[Any] = []
    for item in items:
        if item not in unique:
            unique.append(item)
    return unique


LIST_FILTERS: dict[str, Any] = {
    "product": product, "zip": zip_lists, "zip_longest": zip_longest,
    "subelements": subelements, "union": union, "intersect": intersect,
    "difference": difference, "symmetric_difference": symmetric_difference,
}

_SHORTCUT = re.compile(r"^(?:(?P<start>-?[0-9a-fx]+)-)?(?P<end>-?[0-9a-fx]+)"
                       r"(?:/(?P<stride>-?[0-9a-fx]+))?(?::(?P<format>.+))?$", re.I)


def _number(text: str) -> int:
    return int(text, 0)


def sequence(spec: str) -> list[str]:
    """`with_sequence`: `start=1 end=5 stride=1 format=%d`, `count=3`, or `[start-]end[/stride]
    [:format]`; each item is the formatted number (a string), as the lookup returns it."""
    options: dict[str, str] = {}
    for word in str(spec).split():
        if "=" in word:
            name, _, value = word.partition("=")
            options[name] = value
        else:
            shortcut = _SHORTCUT.match(word)
            if not shortcut:
                raise LoopError(f"with_sequence: cannot read {word!r}")
            options.update({name: value for name, value in shortcut.groupdict().items()
                            if value is not None})
    try:
        start = _number(options.get("start", "1"))
        stride = _number(options.get("stride", "1"))
        if "count" in options:
            count = _number(options["count"])
            end = start + (count - 1) * stride if count else start - stride
        else:
            end = _number(options["end"])
    except (KeyError, ValueError):
        raise LoopError(f"with_sequence: {spec!r} needs numbers for start and end or "
                        "count") from None
    if stride == 0 or (stride > 0 and end < start - stride) or (stride < 0 and end > start):
        raise LoopError(f"with_sequence: {spec!r} never reaches its end")
    numbers = range(start, end + (1 if stride > 0 else -1), stride)
    check_length(len(numbers), "the sequence")
    form = options.get("format", "%d")
    try:
        return [form % number for number in numbers]
    except (TypeError, ValueError):
        raise LoopError(f"with_sequence: bad format {form!r}") from None


def loop_of(kind: str, items: Any) -> list[Any] | Unknown:
    """Items of the `with_` loops built on the filters above; Unknown for another kind."""
    if kind in {"with_nested", "with_cartesian"}:
        return product(*(_as_list(item) for item in _as_list(items))) if items else []
    if kind == "with_together":
        return zip_longest(*(_as_list(item) for item in _as_list(items)))
    if kind == "with_subelements":
        terms = _as_list(items)
        if len(terms) not in (2, 3) or not isinstance(terms[1], str):
            raise LoopError("with_subelements takes a list or mapping, a key and optional flags")
        flags = terms[2] if len(terms) == 3 and isinstance(terms[2], Mapping) else {}
        return subelements(terms[0], terms[1], bool(flags.get("skip_missing", False)))
    if kind == "with_sequence":
        return sequence(items)
    return Unknown(f"{kind} loops are not evaluated")
