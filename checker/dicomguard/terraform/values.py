"""Terraform values in Python: plain values, Unknown, and lazy references that only become
values when read (variables, locals, other resources, module outputs)."""

from __future__ import annotations

from typing import Any

from dicomguard.limits import check_number
from dicomguard.model import Unknown
from dicomguard.records import record


class EvaluationError(Exception):
    """An expression Terraform itself would reject. `malformed` when its form is wrong (an
    invalid reference, wrong arguments) rather than the values it met (a null, a type)."""

    def __init__(self, message: str, line: int | None = None, *, malformed: bool = False
                 ) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.malformed = malformed


@record(frozen=True, eq=False)
class PartlyKnown(Unknown):
    """Text encoded from a structure with unknown leaves (`jsonencode({... Resource =
    "${aws_s3_bucket.x.arn}/*"})`): the text is unknown, but its known parts still decide
    what a policy grants, so `known` keeps the structure with Unknown leaves."""

    known: Any = None


class Lazy:
    """Something an expression can traverse before it is a plain value."""

    def attr(self, name: str) -> Any:
        raise EvaluationError(f"unsupported attribute {name!r}")

    def index(self, key: Any) -> Any:
        raise EvaluationError("this value cannot be indexed")

    def elements(self) -> list[Any]:
        """The values a splat expression iterates over."""
        return [self]

    def resolve(self) -> Any:
        """The plain value (may contain further Lazy values)."""
        raise NotImplementedError


PRIMITIVES = (str, int, float, bool, type(None))


class TerraformSet(list[Any]):
    """A set: no duplicates, strings in lexical order. Iterating it gives each element as both
    key and value (for expressions, dynamic blocks)."""

    __slots__ = ()


def as_set(values: list[Any]) -> TerraformSet:
    unique = distinct(values)
    if all(isinstance(value, str) for value in unique):
        unique.sort()
    return TerraformSet(unique)


def distinct(values: list[Any]) -> list[Any]:
    """values without repeats (by `equal`), first occurrences in order; linear time."""
    seen: set[Any] = set()
    unique: list[Any] = []
    for value in values:
        key = identity(value)
        if key not in seen:
            seen.add(key)
            unique.append(value)
    return unique


def identity(value: Any) -> Any:
    """A hashable key that two values share exactly when `equal` holds between them."""
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, int | float):
        return ("number", value)
    if isinstance(value, list):
        return ("list", tuple(identity(item) for item in value))
    if isinstance(value, dict):
        return ("map", tuple(sorted((key, identity(item)) for key, item in value.items())))
    if value is None or isinstance(value, str):
        return (type(value).__name__, value)
    try:
        hash(value)
    except TypeError:
        return ("object", id(value))
    return ("object", value)


def materialize(value: Any) -> Any:
    """A plain value: lazy parts resolved, everything else unchanged."""
    if value.__class__ in PRIMITIVES:
        return value
    if isinstance(value, Lazy):
        return materialize(value.resolve())
    if isinstance(value, list):
        if any(isinstance(item, Lazy | list | dict) for item in value):
            return [materialize(item) for item in value]
        return value
    if isinstance(value, dict):
        if any(isinstance(item, Lazy | list | dict) for item in value.values()):
            return {key: materialize(item) for key, item in value.items()}
        return value
    return value


def has_unknown(value: Any) -> bool:
    if isinstance(value, Unknown):
        return True
    if isinstance(value, list):
        return any(has_unknown(item) for item in value)
    if isinstance(value, dict):
        return any(has_unknown(item) for item in value.values())
    return False


def first_unknown(*values: Any) -> Unknown | None:
    for value in values:
        if isinstance(value, Unknown):
            return value
        if isinstance(value, list | dict):
            items = value if isinstance(value, list) else list(value.values())
            found = first_unknown(*items)
            if found is not None:
                return found
    return None


def type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "object"
    return "unknown"


def to_number(value: Any) -> int | float:
    if isinstance(value, bool) or value is None:
        raise EvaluationError(f"a number is required, not {type_name(value)}")
    if isinstance(value, int | float):
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            return int(text)
        except ValueError:
            pass
        try:
            number = float(text)
        except ValueError:
            raise EvaluationError(f"cannot convert {value!r} to a number") from None
        return int(number) if number.is_integer() else number
    raise EvaluationError(f"a number is required, not {type_name(value)}")


def normal_number(value: float | int) -> int | float:
    check_number(value)
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**63:
        return int(value)
    return value


def to_string(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(normal_number(value))
    raise EvaluationError(f"a string is required, not {type_name(value)}")


def to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value in ("true", "false"):
        return value == "true"
    raise EvaluationError(f"a bool is required, not {type_name(value)}")


def equal(left: Any, right: Any) -> bool:
    """Terraform equality: no conversion between types (1 != "1", true != 1)."""
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left == right
    if isinstance(left, int | float) and isinstance(right, int | float):
        return left == right
    if type(left) is not type(right):
        return False
    if isinstance(left, list):
        return len(left) == len(right) and all(map(equal, left, right))
    if isinstance(left, dict):
        return left.keys() == right.keys() and all(equal(left[k], right[k]) for k in left)
    return bool(left == right)
