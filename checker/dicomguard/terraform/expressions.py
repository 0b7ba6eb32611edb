"""Evaluate compiled expressions (see hcl.py) the way Terraform would, statically.

Expression trees are tuples: ("lit", v), ("template", parts), ("tuple", items),
("object", pairs), ("var", name), ("attr", e, name), ("index", e, key), ("splat", e, steps),
("call", name, args, expand, line), ("unary", op, e), ("binary", op, l, r), ("cond", c, a, b),
("for_tuple", k, v, coll, value, cond), ("for_object", k, v, coll, key, value, grouped, cond).
Any unknown operand gives Unknown; an expression Terraform would reject raises EvaluationError.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dicomguard.limits import LimitExceeded, check_length, check_string, spend
from dicomguard.model import Unknown
from dicomguard.terraform.evaluated import KnownPrefix
from dicomguard.terraform.syntax import Ast
from dicomguard.terraform.values import (
    EvaluationError,
    Lazy,
    TerraformSet,
    equal,
    first_unknown,
    materialize,
    normal_number,
    to_bool,
    to_number,
    to_string,
    type_name,
)


class Scope:
    """Names visible to an expression: local bindings (for, each, count, iterators) in a chain,
    then the module's top-level names through `lookup_root`."""

    __slots__ = ("bindings", "files", "lookup_root", "speculative")

    def __init__(self, bindings: dict[str, Any], lookup_root: Callable[[str], Any],
                 files: Any = None, speculative: bool = False) -> None:
        self.bindings = bindings
        self.lookup_root = lookup_root
        self.files = files  # a FileAccess for file(), templatefile(), fileexists()
        # True inside an instance that may not exist (its count or for_each is unknown):
        # what fails there is not reported, since Terraform may never evaluate it.
        self.speculative = speculative

    def child(self, bindings: dict[str, Any], speculative: bool = False) -> Scope:
        return Scope({**self.bindings, **bindings}, self.lookup_root, self.files,
                     self.speculative or speculative)

    def lookup(self, name: str) -> Any:
        if name in self.bindings:
            return self.bindings[name]
        return self.lookup_root(name)


def evaluate(ast: Ast, scope: Scope) -> Any:
    """The plain value of an expression (Lazy parts resolved)."""
    return materialize(_eval(ast, scope))


def _eval(ast: Ast, scope: Scope) -> Any:
    kind = ast[0]
    if kind == "lit":
        return ast[1]
    handler = _HANDLERS.get(kind)
    if handler is None:
        raise EvaluationError(f"unsupported expression {kind}", malformed=True)
    return handler(ast, scope)


def _var(ast: Ast, scope: Scope) -> Any:
    return scope.lookup(ast[1])


def _attr(ast: Ast, scope: Scope) -> Any:
    return get_attr(_eval(ast[1], scope), ast[2])


def get_attr(value: Any, name: str) -> Any:
    if isinstance(value, Lazy):
        return value.attr(name)
    if isinstance(value, Unknown):
        return Unknown(value.reason)
    if isinstance(value, dict):
        if name in value:
            return value[name]
        raise EvaluationError(f"this object has no attribute {name!r}")
    if value is None:
        raise EvaluationError(f"attempt to get attribute {name!r} from a null value")
    if isinstance(value, list):
        raise EvaluationError(f"cannot read attribute {name!r} of a list; use [*] or an index")
    raise EvaluationError(f"cannot read attribute {name!r} of a {type_name(value)}")


def _index(ast: Ast, scope: Scope) -> Any:
    return get_index(_eval(ast[1], scope), materialize(_eval(ast[2], scope)))


def get_index(value: Any, key: Any) -> Any:
    if isinstance(key, Unknown):
        return Unknown(key.reason)
    if isinstance(value, Lazy):
        return value.index(key)
    if isinstance(value, Unknown):
        return Unknown(value.reason)
    if isinstance(value, list):
        position = to_number(key)
        if not isinstance(position, int) or not 0 <= position < len(value):
            raise EvaluationError(f"index {key!r} is out of range for a list of {len(value)}")
        return value[position]
    if isinstance(value, dict):
        name = to_string(key)
        if name in value:
            return value[name]
        raise EvaluationError(f"the map has no element {name!r}")
    if value is None:
        raise EvaluationError("attempt to index a null value")
    raise EvaluationError(f"cannot index a {type_name(value)}")


def _splat(ast: Ast, scope: Scope) -> Any:
    source = _eval(ast[1], scope)
    if isinstance(source, Unknown):
        return Unknown(source.reason)
    if isinstance(source, Lazy):
        items = source.elements()
    elif source is None:
        return []
    elif isinstance(source, list):
        items = source
    else:
        items = [source]
    results = []
    spend(len(items))
    for item in items:
        for step in ast[2]:
            if step[0] == "attr":
                item = get_attr(item, step[1])
            else:
                item = get_index(item, materialize(_eval(step[1], scope)))
        results.append(item)
    return results


def _tuple(ast: Ast, scope: Scope) -> Any:
    spend(len(ast[1]))
    return [_eval(item, scope) for item in ast[1]]


def _object(ast: Ast, scope: Scope) -> Any:
    result: dict[str, Any] = {}
    for key_ast, value_ast in ast[1]:
        key = materialize(_eval(key_ast, scope))
        if isinstance(key, Unknown):
            return Unknown(key.reason)
        result[to_string(key)] = _eval(value_ast, scope)
    return result


def _template(ast: Ast, scope: Scope) -> Any:
    pieces: list[str] = []
    unknown = _render(ast[1], scope, pieces)
    if unknown is None:
        return check_string("".join(pieces), "a template")
    prefix = "".join(pieces)  # what was rendered before the first unknown part
    return KnownPrefix(unknown.reason, prefix) if prefix else unknown


def _render(parts: list[Any], scope: Scope, pieces: list[str]) -> Unknown | None:
    for part in parts:
        if isinstance(part, str):
            pieces.append(part)
            continue
        kind = part[0]
        if kind == "interp":
            value = materialize(_eval(part[1], scope))
            if isinstance(value, Unknown):
                return Unknown(value.reason)
            if value is None:
                raise EvaluationError("template interpolation of a null value")
            if isinstance(value, list | dict):
                raise EvaluationError(f"cannot interpolate a {type_name(value)} in a string")
            pieces.append(to_string(value))
        elif kind == "tif":
            condition = materialize(_eval(part[1], scope))
            if isinstance(condition, Unknown):
                return Unknown(condition.reason)
            unknown = _render(part[2] if to_bool(condition) else part[3], scope, pieces)
            if unknown is not None:
                return unknown
        else:
            collection = materialize(_eval(part[3], scope))
            if isinstance(collection, Unknown):
                return Unknown(collection.reason)
            for key, value in iteration(collection):
                spend()
                bindings = {part[2]: value}
                if part[1]:
                    bindings[part[1]] = key
                unknown = _render(part[4], scope.child(bindings), pieces)
                if unknown is not None:
                    return unknown
    return None


def iteration(collection: Any) -> list[tuple[Any, Any]]:
    """Key and value pairs, as `for` and `dynamic` see them: index and element of a list,
    element twice for a set, key and value of a map in lexical order."""
    if isinstance(collection, TerraformSet):
        return [(item, item) for item in collection]
    if isinstance(collection, list):
        return list(enumerate(collection))
    if isinstance(collection, dict):
        return [(key, collection[key]) for key in sorted(collection)]
    if collection is None:
        raise EvaluationError("cannot iterate over a null value")
    raise EvaluationError(f"cannot iterate over a {type_name(collection)}")


def _for_scopes(key_name: str | None, value_name: str, collection_ast: Ast,
                condition_ast: Ast | None, scope: Scope) -> list[Scope] | Unknown:
    """The scope of each element a `for` expression keeps (its `if` holds), in order."""
    collection = materialize(_eval(collection_ast, scope))
    if isinstance(collection, Unknown):
        return Unknown(collection.reason)
    kept = []
    for key, value in iteration(collection):
        spend()
        inner = scope.child({value_name: value} if key_name is None
                            else {key_name: key, value_name: value})
        if condition_ast is not None:
            keep = materialize(_eval(condition_ast, inner))
            if isinstance(keep, Unknown):
                return Unknown(keep.reason)
            if not to_bool(keep):
                continue
        kept.append(inner)
    return kept


def _for_tuple(ast: Ast, scope: Scope) -> Any:
    _, key_name, value_name, collection_ast, value_ast, condition_ast = ast
    scopes = _for_scopes(key_name, value_name, collection_ast, condition_ast, scope)
    if isinstance(scopes, Unknown):
        return scopes
    check_length(len(scopes), "a for expression")
    return [_eval(value_ast, inner) for inner in scopes]


def _for_object(ast: Ast, scope: Scope) -> Any:
    _, key_name, value_name, collection_ast, key_ast, value_ast, grouped, condition_ast = ast
    scopes = _for_scopes(key_name, value_name, collection_ast, condition_ast, scope)
    if isinstance(scopes, Unknown):
        return scopes
    result: dict[str, Any] = {}
    for inner in scopes:
        new_key = materialize(_eval(key_ast, inner))
        if isinstance(new_key, Unknown):
            return Unknown(new_key.reason)
        new_key = to_string(new_key)
        new_value = _eval(value_ast, inner)
        if grouped:
            result.setdefault(new_key, []).append(new_value)
        elif new_key in result:
            raise EvaluationError(f"duplicate key {new_key!r} in a for expression; use ...")
        else:
            result[new_key] = new_value
    return result


def _unary(ast: Ast, scope: Scope) -> Any:
    value = materialize(_eval(ast[2], scope))
    if isinstance(value, Unknown):
        return Unknown(value.reason)
    if ast[1] == "!":
        return not to_bool(value)
    return normal_number(-to_number(value))


def _arithmetic(operator: str, left: Any, right: Any) -> Any:
    a, b = to_number(left), to_number(right)
    if operator == "+":
        return normal_number(a + b)
    if operator == "-":
        return normal_number(a - b)
    if operator == "*":
        return normal_number(a * b)
    if b == 0:
        raise EvaluationError("division by zero")
    if operator == "/":
        return normal_number(a / b)
    # Terraform's modulo keeps the sign of the dividend, like Go.
    return normal_number(a - b * int(a / b))


def _binary(ast: Ast, scope: Scope) -> Any:
    operator = ast[1]
    left = materialize(_eval(ast[2], scope))
    if operator in {"&&", "||"}:
        if not isinstance(left, Unknown) and to_bool(left) == (operator == "||"):
            return operator == "||"
        right = materialize(_eval(ast[3], scope))
        if isinstance(right, Unknown):
            return Unknown(right.reason)
        if isinstance(left, Unknown):
            return Unknown(left.reason) if to_bool(right) == (operator == "&&") else (
                operator == "||")
        return to_bool(right)
    right = materialize(_eval(ast[3], scope))
    unknown = first_unknown(left, right)
    if unknown is not None:
        return Unknown(unknown.reason)
    if operator == "==":
        return equal(left, right)
    if operator == "!=":
        return not equal(left, right)
    if operator in {"<", ">", "<=", ">="}:
        a, b = to_number(left), to_number(right)
        return {"<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}[operator]
    return _arithmetic(operator, left, right)


def _conditional(ast: Ast, scope: Scope) -> Any:
    condition = materialize(_eval(ast[1], scope))
    if isinstance(condition, Unknown):
        return Unknown(condition.reason)
    return _eval(ast[2] if to_bool(condition) else ast[3], scope)


def _call(ast: Ast, scope: Scope) -> Any:
    from dicomguard.terraform.functions import call_function

    _, name, argument_asts, expand, line = ast
    if name in {"try", "can"}:
        return _try(name, argument_asts, scope)
    arguments = [materialize(_eval(argument, scope)) for argument in argument_asts]
    if expand and arguments:
        spread = arguments.pop()
        if isinstance(spread, Unknown):
            return Unknown(spread.reason)
        if not isinstance(spread, list):
            raise EvaluationError(f"{name}(...): the expanded argument must be a list", line)
        arguments.extend(spread)
    try:
        return call_function(name, arguments, scope)
    except EvaluationError as error:
        raise EvaluationError(f"{name}(): {error.message}", line,
                              malformed=error.malformed) from None
    except LimitExceeded as error:
        raise LimitExceeded(f"{name}(): {error.message}", line) from None


def _try(name: str, argument_asts: list[Ast], scope: Scope) -> Any:
    """try returns its first argument that evaluates without error; can says whether its
    argument does. An unknown result keeps them unknown (Terraform's try/can docs)."""
    for argument in argument_asts:
        try:
            value = materialize(_eval(argument, scope))
        except EvaluationError:
            if name == "can":
                return False
            continue
        unknown = first_unknown(value)
        if unknown is not None:
            return Unknown(unknown.reason)
        return True if name == "can" else value
    raise EvaluationError("try(): no argument could be evaluated")


_HANDLERS: dict[str, Callable[[Ast, Scope], Any]] = {
    "var": _var,
    "attr": _attr,
    "index": _index,
    "splat": _splat,
    "tuple": _tuple,
    "object": _object,
    "template": _template,
    "for_tuple": _for_tuple,
    "for_object": _for_object,
    "unary": _unary,
    "binary": _binary,
    "cond": _conditional,
    "call": _call,
}
