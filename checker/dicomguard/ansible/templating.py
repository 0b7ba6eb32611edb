"""Jinja2 the way Ansible uses it, inside a SandboxedEnvironment.

Values that only exist when the play runs (host facts, registered results, lookups, vaulted
secrets) and names defined nowhere are represented by Undefined objects that raise
`UnknownTouched` as soon as an expression needs their value; the caller turns that into an
`Unknown`. Nothing from a scanned repository can call Python it was not given.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from functools import lru_cache
from typing import Any

from jinja2 import ChainableUndefined, TemplateError
from jinja2 import filters as jinja_filters
from jinja2.sandbox import SandboxedEnvironment, safe_range

from dicomguard.ansible.list_filters import LIST_FILTERS
from dicomguard.ansible.loader import VAULT, UnsafeText
from dicomguard.limits import (
    LONGEST_STRING,
    LimitExceeded,
    check_bits,
    check_text_length,
    evaluation,
    spend,
)
from dicomguard.model import Unknown, is_unknown
from dicomguard.regexes import PatternError, compile_pattern, subject

OMIT = "__omit_place_holder__dicomguard__"
VAULTED_TEXT = "<vaulted secret>"
DEEPEST_NESTING = 40
LARGEST_EXPONENT = 1_000
LARGEST_WALK = 200_000  # values one template() call may visit (YAML aliases can nest widely)
# True while a condition is decided: a vaulted secret turned into text must not decide it.
_deciding = ContextVar("deciding", default=False)


class UnknownTouched(Exception):
    """An expression needed a value that cannot be known statically."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _Unresolvable(ChainableUndefined):
    """Any use of the value raises UnknownTouched; attribute access chains."""

    __slots__ = ()

    def _reason(self) -> str:
        return self._undefined_hint or f"variable '{self._undefined_name}' is not defined"

    def _fail_with_undefined_error(self, *args: Any, **kwargs: Any) -> Any:
        raise UnknownTouched(self._reason())

    __str__ = __iter__ = __len__ = __bool__ = __int__ = __float__ = _fail_with_undefined_error
    __eq__ = __ne__ = __contains__ = __hash__ = _fail_with_undefined_error

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return self

    def __getitem__(self, key: Any) -> Any:
        return self


class Missing(_Unresolvable):
    """A name defined nowhere: `default` replaces it, `is defined` is false."""

    __slots__ = ()


class Opaque(_Unresolvable):
    """A value that exists at run time but cannot be known here (`is defined` is true)."""

    __slots__ = ()


class VaultedSecret(Opaque):
    """An Ansible Vault value. Written into a file it is a secret nobody here can read (not a
    weak or default one); used in a decision it is unknown."""

    __slots__ = ()

    def __str__(self) -> str:
        if _deciding.get():
            self._fail_with_undefined_error()
        return VAULTED_TEXT


class PerhapsDefined(Opaque):
    """A name no readable file defines, which a file encrypted with Ansible Vault may define:
    neither its value nor whether it is defined can be known."""

    __slots__ = ()


def opaque(reason: str) -> Opaque:
    return Opaque(hint=reason)


def perhaps_defined(reason: str) -> PerhapsDefined:
    return PerhapsDefined(hint=reason)


# ---- filters and tests -----------------------------------------------------------------------

def _default(value: Any, default_value: Any = "", boolean: bool = False) -> Any:
    if isinstance(value, Opaque):
        return value
    if isinstance(value, Missing) or (boolean and not value):
        return default_value
    return value


def _defined(value: Any) -> bool:
    if isinstance(value, PerhapsDefined):
        value._fail_with_undefined_error()
    return not isinstance(value, Missing)


def _bool(value: Any) -> bool:
    if isinstance(value, _Unresolvable):
        value._fail_with_undefined_error()
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value == 1
    return str(value).strip().lower() in {"yes", "on", "1", "true", "y", "t"}


def _mandatory(value: Any, msg: str | None = None) -> Any:
    if isinstance(value, Missing):
        raise UnknownTouched(msg or f"mandatory {value._reason()}")
    return value


def _ternary(value: Any, true_value: Any, false_value: Any, none_value: Any = None) -> Any:
    if value is None and none_value is not None:
        return none_value
    return true_value if value else false_value


def _combine(*dicts: Any, recursive: bool = False,
             list_merge: str = "replace") -> dict[Any, Any]:
    result: dict[Any, Any] = {}
    for item in dicts:
        for layer in item if isinstance(item, list) else [item]:
            result = _merge(result, dict(layer), recursive)
    return result


def _merge(base: dict[Any, Any], update: dict[Any, Any], recursive: bool) -> dict[Any, Any]:
    merged = dict(base)
    for key, value in update.items():
        if recursive and isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value, True)
        else:
            merged[key] = value
    return merged


def _dict2items(value: Mapping[Any, Any], key_name: str = "key",
                value_name: str = "value") -> list[dict[str, Any]]:
    return [{key_name: key, value_name: item} for key, item in value.items()]


def _items2dict(value: list[Any], key_name: str = "key",
                value_name: str = "value") -> dict[Any, Any]:
    return {item[key_name]: item[value_name] for item in value}


def _pattern(pattern: Any, ignorecase: bool = False, multiline: bool = False) -> Any:
    """Ansible's filters use Python's re; RE2 runs the patterns it shares with it in linear
    time, and a pattern only Python accepts (a lookaround) leaves the value unknown."""
    try:
        return compile_pattern(str(pattern), bool(ignorecase), bool(multiline))
    except PatternError as error:
        raise UnknownTouched(f"{error}: not evaluated") from None


def _regex_replace(value: Any, pattern: str, replacement: str = "", ignorecase: bool = False,
                   multiline: bool = False) -> str:
    expression, text = _pattern(pattern, ignorecase, multiline), subject(str(value))
    matches = sum(1 for _ in expression.finditer(text))
    check_text_length(len(text) + matches * len(str(replacement)), "regex_replace")
    return str(expression.sub(str(replacement), text))


def _regex_search(value: Any, pattern: str, *groups: str, ignorecase: bool = False) -> Any:
    match = _pattern(pattern, ignorecase).search(subject(str(value)))
    if match is None:
        return None
    if not groups:
        return match.group(0)
    return [match.group(int(group[1:]) if group.startswith("\\") else group[1:])
            for group in groups]


def _regex_test(mode: str) -> Any:
    def test(value: Any, pattern: str, ignorecase: bool = False, multiline: bool = False) -> bool:
        expression = _pattern(pattern, ignorecase, multiline)
        finder = expression.match if mode == "match" else expression.search
        return finder(subject(str(value))) is not None
    return test


def _flatten(value: list[Any], levels: int | None = None) -> list[Any]:
    flat: list[Any] = []
    for item in value:
        if isinstance(item, list) and (levels is None or levels > 0):
            flat.extend(_flatten(item, None if levels is None else levels - 1))
        else:
            flat.append(item)
    return flat


def _from_yaml(value: str) -> Any:
    from dicomguard.ansible.loader import load_yaml
    return load_yaml(str(value))


def _json_default(value: Any) -> Any:
    if isinstance(value, VaultedSecret):
        return VAULTED_TEXT
    if isinstance(value, _Unresolvable):
        value._fail_with_undefined_error()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _to_json(value: Any, indent: int | None = None, sort_keys: bool = False, **_: Any) -> str:
    if isinstance(value, _Unresolvable):
        value._fail_with_undefined_error()
    return json.dumps(value, indent=indent, sort_keys=sort_keys, default=_json_default)


def _lookup(name: str, *args: Any, **kwargs: Any) -> Any:
    raise UnknownTouched(f"lookup('{name}') is evaluated on the controller at run time")


FILTERS: dict[str, Any] = {
    "default": _default, "d": _default, "bool": _bool, "mandatory": _mandatory,
    "ternary": _ternary, "combine": _combine, "dict2items": _dict2items,
    "items2dict": _items2dict, "regex_replace": _regex_replace, "regex_search": _regex_search,
    "to_json": _to_json,
    "to_nice_json": lambda value, indent=4, **kw: _to_json(value, indent=indent,
                                                           sort_keys=True),
    "from_json": lambda value: json.loads(str(value)), "from_yaml": _from_yaml,
    "to_yaml": _to_json, "to_nice_yaml": lambda value, **kw: _to_json(value, indent=2),
    "flatten": _flatten,
    "string": str, "quote": lambda value: "'" + str(value).replace("'", "'\"'\"'") + "'",
    "basename": lambda value: str(value).rsplit("/", 1)[-1],
    "dirname": lambda value: str(value).rsplit("/", 1)[0] if "/" in str(value) else "",
    "unique": lambda value: list(dict.fromkeys(value)),
    "type_debug": lambda value: type(value).__name__,
}

TESTS: dict[str, Any] = {
    "defined": _defined,
    "undefined": lambda value: not _defined(value),
    "match": _regex_test("match"), "search": _regex_test("search"),
    "regex": _regex_test("search"),
    "truthy": lambda value: bool(value), "falsy": lambda value: not value,
    "bool": lambda value: isinstance(value, bool),
}


class _Sandbox(SandboxedEnvironment):
    """The sandbox, also refusing arithmetic that would build huge values (a scanned repository
    may be hostile: `'x' * 10**10` must not exhaust the machine)."""

    intercepted_binops = frozenset({"*", "**", "%"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and isinstance(right, int) and abs(right) > LARGEST_EXPONENT:
            raise LimitExceeded(f"exponent {right} is too large to evaluate")
        if operator == "**" and _whole(left) and _whole(right) and right > 0:
            check_bits(abs(left).bit_length() * right, "a power")
        if operator == "*":
            if _whole(left) and _whole(right):
                check_bits(abs(left).bit_length() + abs(right).bit_length(), "a product")
            for sequence, count in ((left, right), (right, left)):
                if isinstance(sequence, str | list | tuple) and isinstance(count, int) and \
                        len(sequence) * count > LONGEST_STRING:
                    raise LimitExceeded("a value too large to evaluate")
        if operator == "%" and isinstance(left, str):
            _check_widths(left, _PRINTF_WIDTH)
        return super().call_binop(context, operator, left, right)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        owner = getattr(__obj, "__self__", None)
        name = getattr(__obj, "__name__", "")
        if isinstance(owner, str) and name in _PADDING_METHODS and args and _whole(args[0]):
            check_text_length(args[0], f"str.{name}()")
        return super().call(__context, __obj, *args, **kwargs)

    def wrap_str_format(self, value: Any) -> Any:
        """str.format and format_map, which the sandbox wraps when they are looked up."""
        wrapped = super().wrap_str_format(value)
        if wrapped is not None:
            _check_widths(value.__self__, _FORMAT_WIDTH)
        return wrapped


_PRINTF_WIDTH = re.compile(r"%[-+ #0]*(\d+)?(?:\.(\d+))?")
_FORMAT_WIDTH = re.compile(r"\{[^{}:]*:[^{}\d]*(\d+)?(?:[,_]?\.(\d+))?")
_PADDING_METHODS = frozenset({"center", "ljust", "rjust", "zfill", "expandtabs"})


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_widths(template_text: str, widths: re.Pattern[str]) -> None:
    """A format string's widths and precisions: each builds a string that long."""
    for match in widths.finditer(template_text):
        for digits in match.groups():
            if (digits and len(digits) > 7) or (digits and int(digits) > LONGEST_STRING):
                raise LimitExceeded(f"a format width of {digits} is too large")


def _center(value: Any, width: int = 80) -> str:
    if _whole(width):
        check_text_length(width, "center")
    return str(value).center(width)


def _indent(value: Any, width: Any = 4, first: bool = False, blank: bool = False) -> str:
    text = str(value)
    size = len(width) if isinstance(width, str) else int(width)
    check_text_length(len(text) + (text.count("\n") + 1) * size, "indent")
    return jinja_filters.do_indent(text, width, first, blank)


def _format(value: Any, *args: Any, **kwargs: Any) -> str:
    _check_widths(str(value), _PRINTF_WIDTH)
    return jinja_filters.do_format(value, *args, **kwargs)


def _counted_range(*bounds: int) -> Iterator[int]:
    """range(), each number charged to the evaluation: nested loops cannot run for hours."""
    try:
        numbers = safe_range(*bounds)
    except OverflowError:  # the sandbox refuses ranges past its own limit
        raise LimitExceeded(f"range{bounds} is too large to evaluate") from None
    for number in numbers:
        spend()
        yield number


@lru_cache(maxsize=1)
def environment() -> SandboxedEnvironment:
    env = _Sandbox(undefined=Missing, autoescape=False, keep_trailing_newline=True,
                               extensions=["jinja2.ext.do", "jinja2.ext.loopcontrols"])
    env.filters.update(FILTERS)
    env.filters.update(LIST_FILTERS)
    env.filters.update({"center": _center, "indent": _indent, "format": _format})
    env.filters.update({f"ansible.builtin.{name}": implementation
                        for name, implementation in list(env.filters.items())})
    env.tests.update(TESTS)
    env.globals.update({"lookup": _lookup, "query": _lookup, "q": _lookup, "omit": OMIT,
                        "range": _counted_range})
    return env


@lru_cache(maxsize=8192)
def _compiled_expression(source: str) -> Any:
    return environment().compile_expression(source, undefined_to_none=False)


@lru_cache(maxsize=8192)
def _compiled_template(source: str) -> Any:
    return environment().from_string(source)


def _evaluate(expression: str, scope: Variables) -> Any:
    """An expression's value, with the variables looked up lazily (never copied)."""
    compiled = _compiled_expression(expression)._template
    context = compiled.new_context(scope, shared=True)
    for _ in compiled.root_render_func(context):
        pass
    return context.vars["result"]


def _render(compiled: Any, scope: Variables) -> str:
    return "".join(compiled.root_render_func(compiled.new_context(scope, shared=True)))


_SINGLE_EXPRESSION = re.compile(r"^\s*\{\{(?P<expr>(?:(?!\{\{|\}\}).)*)\}\}\s*$", re.S)


def has_template(value: Any) -> bool:
    return (isinstance(value, str) and not isinstance(value, UnsafeText)
            and ("{{" in value or "{%" in value))


class Variables(Mapping[str, Any]):
    """Variables as Jinja sees them: templated lazily, Unknown turned into Opaque."""

    def __init__(self, raw: Mapping[str, Any], extra: Mapping[str, Any] | None = None) -> None:
        self._raw = raw
        self._extra = extra or {}
        self._resolving: set[str] = set()
        self._cache: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        if name in self._extra:
            return _for_jinja(self._extra[name])
        if name in self._cache:
            return self._cache[name]
        if name not in self._raw:
            return environment().globals[name]
        if name in self._resolving:
            return opaque(f"variable '{name}' refers to itself")
        self._resolving.add(name)
        try:
            value = _for_jinja(template(self._raw[name], self))
        finally:
            self._resolving.discard(name)
        self._cache[name] = value
        return value

    def __contains__(self, name: object) -> bool:
        return name in self._extra or name in self._raw or name in environment().globals

    def __iter__(self) -> Iterator[str]:
        yield from self._extra
        yield from (name for name in self._raw if name not in self._extra)

    def __len__(self) -> int:
        return len(set(self._raw) | set(self._extra))


def _for_jinja(value: Any) -> Any:
    if is_unknown(value) and value == VAULT:
        return VaultedSecret(hint=VAULT.reason)
    if is_unknown(value):
        return opaque(value.reason)
    if isinstance(value, dict):
        return {key: _for_jinja(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_for_jinja(item) for item in value]
    return value


def _native(value: Any) -> Any:
    """An expression's result; unknown as a whole raises, unknown parts become Unknown."""
    if isinstance(value, VaultedSecret):
        return VAULT
    if isinstance(value, _Unresolvable):
        value._fail_with_undefined_error()
    return _from_jinja(value)


def _from_jinja(value: Any) -> Any:
    if isinstance(value, VaultedSecret):
        return VAULT
    if isinstance(value, _Unresolvable):
        return Unknown(value._reason())
    if isinstance(value, dict):
        return {key: _from_jinja(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_from_jinja(item) for item in value]
    return value


def template(value: Any, variables: Mapping[str, Any], depth: int = 0,
             budget: list[int] | None = None) -> Any:
    """Template a value as Ansible would: strings holding Jinja, recursively through lists and
    dicts. A string that is one expression keeps the expression's type. Whatever cannot be
    known becomes Unknown (nested values stay where they are)."""
    with evaluation("a Jinja template"):
        return _template(value, variables, depth, budget)


def _template(value: Any, variables: Mapping[str, Any], depth: int,
              budget: list[int] | None) -> Any:
    if depth > DEEPEST_NESTING:
        return Unknown("variables nest too deeply to follow")
    budget = [LARGEST_WALK] if budget is None else budget
    budget[0] -= 1
    if budget[0] < 0:
        return Unknown("a value too large to evaluate")
    if isinstance(value, dict):
        return {key: template(item, variables, depth + 1, budget) for key, item in value.items()}
    if isinstance(value, list):
        return [template(item, variables, depth + 1, budget) for item in value]
    if not has_template(value):
        return value
    scope = variables if isinstance(variables, Variables) else Variables(variables)
    names = _simple_names(value)
    if names is not None:
        return _substitute(value, names, scope, depth)
    try:
        single = _SINGLE_EXPRESSION.match(value)
        if single:
            result = _native(_evaluate(single["expr"].strip(), scope))
        else:
            result = _render(_compiled_template(value), scope)
    except UnknownTouched as touched:
        return Unknown(touched.reason)
    except (TemplateError, ArithmeticError, TypeError, ValueError, KeyError, IndexError,
            AttributeError, RecursionError) as error:
        return Unknown(f"template {value!r} cannot be evaluated: {error}")
    if isinstance(result, str) and has_template(result) and result != value:
        return template(result, scope, depth + 1)
    return result


_SIMPLE_REFERENCE = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


def _simple_names(value: str) -> list[re.Match[str]] | None:
    """The `{{ name }}` references of a string made only of text and such references (most
    strings in playbooks): they need no compiled template."""
    if "{%" in value or "{#" in value:
        return None
    matches = list(_SIMPLE_REFERENCE.finditer(value))
    return matches if len(matches) == value.count("{{") else None


def _substitute(value: str, matches: list[re.Match[str]], scope: Variables, depth: int) -> Any:
    def lookup(name: str) -> Any:
        found = scope[name] if name in scope else Missing(name=name)
        if isinstance(found, _Unresolvable):
            found._fail_with_undefined_error()
        return found

    try:
        if len(matches) == 1 and matches[0].span() == (0, len(value)):
            result = _from_jinja(lookup(matches[0].group(1)))
        else:
            pieces, last = [], 0
            for match in matches:
                found = scope[match.group(1)] if match.group(1) in scope else \
                    Missing(name=match.group(1))
                pieces += [value[last:match.start()], str(found)]
                last = match.end()
            result = "".join([*pieces, value[last:]])
    except UnknownTouched as touched:
        return Unknown(touched.reason)
    if isinstance(result, str) and has_template(result) and result != value:
        return template(result, scope, depth + 1)
    return result


def condition(expression: Any, variables: Mapping[str, Any]) -> bool | Unknown:
    """A `when` / `failed_when`-style condition: a bare expression, a boolean, or a list of
    them (all must hold)."""
    if isinstance(expression, list):
        verdicts = [condition(item, variables) for item in expression]
        if any(verdict is False for verdict in verdicts):
            return False
        undecided = [verdict for verdict in verdicts if is_unknown(verdict)]
        return undecided[0] if undecided else True
    if isinstance(expression, bool):
        return expression
    if is_unknown(expression):
        return expression
    text = str(expression).strip()
    single = _SINGLE_EXPRESSION.match(text)
    if single:
        text = single["expr"].strip()
    scope = variables if isinstance(variables, Variables) else Variables(variables)
    deciding = _deciding.set(True)
    try:
        with evaluation("a Jinja condition"):
            return bool(_native(_evaluate(text, scope)))
    except UnknownTouched as touched:
        return Unknown(f"condition '{text}' cannot be decided: {touched.reason}")
    except (TemplateError, ArithmeticError, TypeError, ValueError, KeyError, IndexError,
            AttributeError, RecursionError) as error:
        return Unknown(f"condition '{text}' cannot be decided: {error}")
    finally:
        _deciding.reset(deciding)


def render_file(text: str, variables: Mapping[str, Any]) -> str | Unknown:
    """A whole template file (what the `template` module deploys)."""
    scope = variables if isinstance(variables, Variables) else Variables(variables)
    try:
        with evaluation("a Jinja template"):
            return _render(environment().from_string(text), scope)
    except UnknownTouched as touched:
        return Unknown(touched.reason)
    except (TemplateError, ArithmeticError, TypeError, ValueError, KeyError, IndexError,
            AttributeError, RecursionError) as error:
        return Unknown(f"template cannot be rendered: {error}")
