"""Type constraints of input variables, and the conversions Terraform applies to values given
for them (https://developer.hashicorp.com/terraform/language/expressions/type-constraints)."""

from __future__ import annotations

from typing import Any

from dicomguard.model import Unknown
from dicomguard.terraform.syntax import Ast
from dicomguard.terraform.values import (
    EvaluationError,
    as_set,
    to_bool,
    to_number,
    to_string,
    type_name,
)

# `type = map` and `type = list` without an element type (Terraform 0.11 style, still accepted)
# mean map(any) and list(any).
LEGACY_COLLECTIONS = frozenset({"map", "list"})


def convert(value: Any, constraint: Ast | None) -> Any:
    """The value converted to the type, or EvaluationError when Terraform would reject it."""
    if constraint is None or value is None or isinstance(value, Unknown):
        return value
    kind = constraint[0]
    if kind in {"var", "lit"} and constraint[1] in LEGACY_COLLECTIONS:
        return convert(value, ("call", constraint[1], [("var", "any")]))
    if kind == "var":
        return _primitive(value, constraint[1])
    if kind == "lit" and constraint[1] in {"string", "number", "bool", "any"}:
        return _primitive(value, constraint[1])  # legacy quoted type names
    if kind == "call":
        name, arguments = constraint[1], constraint[2]
        if name in {"list", "set"}:
            items = _sequence(value, name)
            converted = [convert(item, arguments[0] if arguments else None) for item in items]
            return as_set(converted) if name == "set" else converted
        if name == "map":
            if not isinstance(value, dict):
                raise EvaluationError(f"a map is required, not {type_name(value)}")
            element = arguments[0] if arguments else None
            return {key: convert(item, element) for key, item in value.items()}
        if name == "tuple":
            items = _sequence(value, "tuple")
            elements = arguments[0][1] if arguments and arguments[0][0] == "tuple" else []
            if len(elements) != len(items):
                raise EvaluationError(f"a tuple of {len(elements)} elements is required")
            return [convert(item, element) for item, element in zip(items, elements,
                                                                     strict=True)]
        if name == "object":
            return _object(value, arguments[0] if arguments else ("object", []))
        if name == "optional":
            return convert(value, arguments[0] if arguments else None)
    return value


def _primitive(value: Any, name: str) -> Any:
    if name == "any":
        return value
    if isinstance(value, list | dict):
        raise EvaluationError(f"a {name} is required, not {type_name(value)}")
    if name == "string":
        return to_string(value)
    if name == "number":
        return to_number(value)
    if name == "bool":
        return to_bool(value)
    raise EvaluationError(f"unknown type {name!r}")


def _sequence(value: Any, name: str) -> list[Any]:
    if isinstance(value, list):
        return value
    raise EvaluationError(f"a {name} is required, not {type_name(value)}")


def _object(value: Any, attributes_ast: Ast) -> Any:
    if not isinstance(value, dict):
        raise EvaluationError(f"an object is required, not {type_name(value)}")
    result: dict[str, Any] = {}
    for key_ast, type_ast in attributes_ast[1] if attributes_ast[0] == "object" else []:
        name = key_ast[1] if key_ast[0] in {"lit", "var"} else None
        if name is None:
            continue
        optional = type_ast[0] == "call" and type_ast[1] == "optional"
        if name in value:
            result[name] = convert(value[name], type_ast)
        elif optional:
            default = type_ast[2][1] if len(type_ast[2]) > 1 else None
            result[name] = _default(default, type_ast[2][0])
        else:
            raise EvaluationError(f"attribute {name!r} is required")
    return result


def _default(default_ast: Ast | None, type_ast: Ast) -> Any:
    if default_ast is None:
        return None
    from dicomguard.terraform.expressions import Scope, evaluate

    def no_names(name: str) -> Any:
        raise EvaluationError(f"an optional() default cannot refer to {name!r}")

    return convert(evaluate(default_ast, Scope({}, no_names)), type_ast)
