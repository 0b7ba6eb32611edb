"""Terraform's built-in functions, as documented at
https://developer.hashicorp.com/terraform/language/functions. An unknown argument gives an
unknown result unless the function only moves values around (concat, merge, length...)."""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import itertools
import json
import math
import posixpath
import re
from collections.abc import Callable
from typing import Any

from dicomguard.limits import (
    LimitExceeded,
    check_length,
    check_number,
    check_string,
    check_text_length,
    check_yaml_expansion,
    spend,
)
from dicomguard.model import Unknown
from dicomguard.regexes import PatternError, compile_pattern
from dicomguard.terraform.values import (
    EvaluationError,
    PartlyKnown,
    TerraformSet,
    as_set,
    distinct,
    equal,
    first_unknown,
    has_unknown,
    identity,
    normal_number,
    to_bool,
    to_number,
    to_string,
    type_name,
)

Function = Callable[..., Any]
FUNCTIONS: dict[str, Function] = {}
# Functions that accept unknown values nested inside their (known) arguments.
STRUCTURAL: set[str] = set()
# Functions that decide for themselves what unknown arguments mean.
UNKNOWN_AWARE: set[str] = set()
# Functions that read files of the scanned tree: they are given the scope first.
FILE_READERS: set[str] = set()
NOT_STATIC = frozenset({"timestamp", "uuid", "bcrypt", "plantimestamp", "rsadecrypt",
                        "base64gzip", "filebase64gzip"})
REMOVED = {"list": "list() was removed in Terraform 0.12; write [...] or tolist()",
           "map": "map() was removed in Terraform 0.12; write {...} or tomap()",
           "type": "type() exists only in terraform console"}


def function(name: str, *, structural: bool = False, unknown_aware: bool = False,
             reads_files: bool = False) -> Callable[[Function], Function]:
    def register(implementation: Function) -> Function:
        FUNCTIONS[name] = implementation
        if structural:
            STRUCTURAL.add(name)
        if unknown_aware:
            UNKNOWN_AWARE.add(name)
        if reads_files:
            FILE_READERS.add(name)
        return implementation
    return register


def call_function(name: str, arguments: list[Any], scope: Any) -> Any:
    implementation = FUNCTIONS.get(name)
    if implementation is None:
        if name in REMOVED:
            raise EvaluationError(REMOVED[name], malformed=True)
        if name in NOT_STATIC or "::" in name:
            return Unknown(f"{name}() is known only after apply")
        return Unknown(f"function {name}() is not evaluated statically")
    if name not in UNKNOWN_AWARE:
        unknown = (first_unknown(*arguments) if name not in STRUCTURAL
                   else next((a for a in arguments if isinstance(a, Unknown)), None))
        if unknown is not None:
            return Unknown(unknown.reason)
    try:
        if name in FILE_READERS:
            return _within_limits(implementation(scope, *arguments))
        return _within_limits(implementation(*arguments))
    except TypeError as error:
        raise EvaluationError(f"wrong arguments: {error}", malformed=True) from None
    except LimitExceeded as error:
        raise LimitExceeded(error.message) from None  # its line, if any, is not the file's
    except (OverflowError, MemoryError):
        raise LimitExceeded("the result is too large to compute") from None
    except ValueError as error:
        raise EvaluationError(f"invalid arguments: {error}", malformed=True) from None


def _within_limits(result: Any) -> Any:
    """A function's result: its own size checked (what it is built of was checked when built)."""
    if isinstance(result, str):
        check_string(result, "the result")
    elif isinstance(result, int | float):
        check_number(result, "the result")
    elif isinstance(result, list | dict):
        check_length(len(result), "the result")
        spend(len(result))
    return result


def _list(value: Any, what: str = "argument") -> list[Any]:
    if isinstance(value, list):
        return value
    raise EvaluationError(f"{what} must be a list, not {type_name(value)}")


def _map(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    raise EvaluationError(f"a map is required, not {type_name(value)}")


def _integer(value: Any) -> int:
    number = to_number(value)
    if isinstance(number, float):
        raise EvaluationError(f"{number} is not a whole number")
    return number


# Numbers

@function("abs")
def _abs(value: Any) -> Any:
    return abs(to_number(value))


@function("ceil")
def _ceil(value: Any) -> Any:
    return math.ceil(to_number(value))


@function("floor")
def _floor(value: Any) -> Any:
    return math.floor(to_number(value))


@function("max")
def _max(*values: Any) -> Any:
    if not values:
        raise EvaluationError("at least one number is required")
    return max(to_number(value) for value in values)


@function("min")
def _min(*values: Any) -> Any:
    if not values:
        raise EvaluationError("at least one number is required")
    return min(to_number(value) for value in values)


@function("signum")
def _signum(value: Any) -> Any:
    number = to_number(value)
    return (number > 0) - (number < 0)


@function("log")
def _log(value: Any, base: Any) -> Any:
    return normal_number(math.log(to_number(value), to_number(base)))


@function("pow")
def _pow(base: Any, exponent: Any) -> Any:
    return normal_number(float(to_number(base)) ** to_number(exponent))


@function("parseint")
def _parseint(text: Any, base: Any) -> Any:
    try:
        return int(to_string(text), _integer(base))
    except ValueError:
        raise EvaluationError(f"cannot parse {text!r} in base {base}") from None


@function("sum")
def _sum(values: Any) -> Any:
    return normal_number(sum(to_number(value) for value in _list(values)))


# Collections

@function("coalesce", unknown_aware=True)
def _coalesce(*values: Any) -> Any:
    for value in values:
        if isinstance(value, Unknown):
            return Unknown(value.reason)
        if value is not None and value != "":
            return value
    raise EvaluationError("no non-null, non-empty argument")


@function("coalescelist", unknown_aware=True)
def _coalescelist(*values: Any) -> Any:
    for value in values:
        if isinstance(value, Unknown):
            return Unknown(value.reason)
        if _list(value):
            return value
    raise EvaluationError("no non-empty list argument")


@function("compact")
def _compact(values: Any) -> Any:
    return [value for value in _list(values) if value not in (None, "")]


@function("concat", structural=True)
def _concat(*lists: Any) -> Any:
    result: list[Any] = []
    for value in lists:
        result.extend(_list(value))
    return result


@function("contains")
def _contains(values: Any, wanted: Any) -> Any:
    return any(equal(value, wanted) for value in _list(values))


@function("distinct")
def _distinct_function(values: Any) -> Any:
    return distinct(_list(values))


@function("element", structural=True)
def _element(values: Any, position: Any) -> Any:
    items = _list(values)
    if not items:
        raise EvaluationError("cannot use element() with an empty list")
    index = _integer(position)
    if index < 0:
        raise EvaluationError("element() index must not be negative")
    return items[index % len(items)]


@function("flatten", structural=True)
def _flatten(values: Any) -> Any:
    result: list[Any] = []
    for value in _list(values):
        if isinstance(value, Unknown):
            return Unknown(value.reason)
        if isinstance(value, list):
            flat = _flatten(value)
            if isinstance(flat, Unknown):
                return flat
            result.extend(flat)
        else:
            result.append(value)
    return result


@function("index")
def _index(values: Any, wanted: Any) -> Any:
    for position, value in enumerate(_list(values)):
        if equal(value, wanted):
            return position
    raise EvaluationError("the item was not found in the list")


@function("keys", structural=True)
def _keys(value: Any) -> Any:
    return sorted(_map(value))


@function("values", structural=True)
def _values(value: Any) -> Any:
    mapping = _map(value)
    return [mapping[key] for key in sorted(mapping)]


@function("length", structural=True)
def _length(value: Any) -> Any:
    if isinstance(value, list | dict | str):
        return len(value)
    raise EvaluationError(f"cannot take the length of a {type_name(value)}")


@function("lookup", structural=True)
def _lookup(mapping: Any, key: Any, *default: Any) -> Any:
    if isinstance(key, Unknown):
        return Unknown(key.reason)
    values = _map(mapping)
    name = to_string(key)
    if name in values:
        return values[name]
    if default:
        return default[0]
    raise EvaluationError(f"the map has no element {name!r} and no default was given")


@function("merge", structural=True)
def _merge(*mappings: Any) -> Any:
    result: dict[str, Any] = {}
    for mapping in mappings:
        if mapping is not None:
            result.update(_map(mapping))
    return result


@function("one", structural=True)
def _one(values: Any) -> Any:
    if values is None:
        return None
    items = _list(values)
    if len(items) > 1:
        raise EvaluationError(f"must have zero or one elements, not {len(items)}")
    return items[0] if items else None


@function("range")
def _range(*limits: Any) -> Any:
    numbers = [to_number(limit) for limit in limits]
    start: int | float
    limit: int | float
    step: int | float
    if len(numbers) == 1:
        start, limit, step = 0, numbers[0], 1
    elif len(numbers) == 2:
        start, limit, step = numbers[0], numbers[1], (1 if numbers[1] >= numbers[0] else -1)
    elif len(numbers) == 3:
        start, limit, step = numbers
    else:
        raise EvaluationError("range() takes one to three numbers")
    if step == 0:
        raise EvaluationError("range() step must not be zero")
    result = []
    current = start
    while (current < limit) if step > 0 else (current > limit):
        result.append(normal_number(current))
        current += step
        if len(result) > 1024:
            raise EvaluationError("range() would produce more than 1024 elements")
    return result


@function("reverse", structural=True)
def _reverse(values: Any) -> Any:
    return list(reversed(_list(values)))


@function("setunion")
def _setunion(*sets: Any) -> Any:
    return as_set([item for values in sets for item in _list(values)])


@function("setintersection")
def _setintersection(first: Any, *others: Any) -> Any:
    members = [{identity(item) for item in _list(other)} for other in others]
    return as_set([item for item in _list(first)
                   if all(identity(item) in other for other in members)])


@function("setsubtract")
def _setsubtract(first: Any, second: Any) -> Any:
    removed = {identity(item) for item in _list(second)}
    return as_set([item for item in _list(first) if identity(item) not in removed])


@function("slice", structural=True)
def _slice(values: Any, start: Any, end: Any) -> Any:
    items = _list(values)
    low, high = _integer(start), _integer(end)
    if not 0 <= low <= high <= len(items):
        raise EvaluationError(f"slice({low}, {high}) is out of range for {len(items)} items")
    return items[low:high]


@function("sort")
def _sort(values: Any) -> Any:
    return sorted(to_string(value) for value in _list(values))


@function("zipmap", structural=True)
def _zipmap(keys: Any, values: Any) -> Any:
    names = _list(keys)
    unknown = first_unknown(names)
    if unknown is not None:
        return Unknown(unknown.reason)
    items = _list(values)
    if len(names) != len(items):
        raise EvaluationError("zipmap() needs as many keys as values")
    return {to_string(name): value for name, value in zip(names, items, strict=True)}


@function("setproduct", structural=True)
def _setproduct(*collections: Any) -> Any:
    if len(collections) < 2:
        raise EvaluationError("setproduct() needs at least two collections")
    members = [_list(collection) for collection in collections]
    check_length(math.prod(len(items) for items in members), "the product")
    product = [list(combination) for combination in itertools.product(*members)]
    if any(isinstance(collection, TerraformSet) for collection in collections):
        return as_set(product)
    return product


@function("transpose")
def _transpose(mapping: Any) -> Any:
    transposed: dict[str, list[str]] = {}
    for key in sorted(_map(mapping)):
        for value in _list(mapping[key], "each value of transpose()'s map"):
            transposed.setdefault(to_string(value), []).append(key)
    return dict(sorted(transposed.items()))


@function("matchkeys", structural=True)
def _matchkeys(values: Any, keys: Any, searchset: Any) -> Any:
    items, names = _list(values), _list(keys)
    if len(items) != len(names):
        raise EvaluationError("matchkeys() needs as many keys as values")
    unknown = first_unknown(names, searchset)
    if unknown is not None:
        return Unknown(unknown.reason)
    wanted = {identity(item) for item in _list(searchset)}
    return [item for item, name in zip(items, names, strict=True) if identity(name) in wanted]


@function("chunklist", structural=True)
def _chunklist(values: Any, size: Any) -> Any:
    items, width = _list(values), _integer(size)
    if width <= 0:
        return [items]
    return [items[start:start + width] for start in range(0, len(items), width)]


@function("alltrue")
def _alltrue(values: Any) -> Any:
    return all(to_bool(value) for value in _list(values))


@function("anytrue")
def _anytrue(values: Any) -> Any:
    return any(to_bool(value) for value in _list(values))


# Strings

_FORMAT_VERB = re.compile(r"%([-+ 0#]*)(\d*)(?:\.(\d+))?([a-zA-Z%])")


def _format_value(flags: str, width: str, precision: str | None, verb: str, value: Any) -> str:
    check_text_length(int(width or 0), "a formatted value")
    check_text_length(int(precision or 0), "a formatted value")
    if verb == "%":
        return "%"
    if value is None:
        text = "null"
    elif verb in {"d"}:
        text = f"%{flags}{width}d" % _integer(value)
        return text
    elif verb in {"f", "e", "g", "E", "G"}:
        spec = f"%{flags}{width}" + (f".{precision}" if precision else "") + verb
        return spec % float(to_number(value))
    elif verb == "t":
        text = to_string(to_bool(value))
    elif verb == "q":
        text = json.dumps(to_string(value))
    elif verb in {"x", "X", "o", "b"}:
        number = _integer(value)
        return format(number, {"x": "x", "X": "X", "o": "o", "b": "b"}[verb])
    elif verb == "v" and isinstance(value, list | dict):
        text = _jsonencode(value)
    else:
        text = to_string(value)
    if precision:
        text = text[:int(precision)]
    if width:
        text = text.ljust(int(width)) if "-" in flags else text.rjust(int(width))
    return text


@function("format")
def _format(spec: Any, *values: Any) -> Any:
    template = to_string(spec)
    remaining = list(values)
    pieces: list[str] = []
    position = 0
    for match in _FORMAT_VERB.finditer(template):
        pieces.append(template[position:match.start()])
        flags, width, precision, verb = match.groups()
        if verb == "%":
            pieces.append("%")
        else:
            if not remaining:
                raise EvaluationError("format() has more verbs than values")
            pieces.append(_format_value(flags, width, precision, verb, remaining.pop(0)))
        position = match.end()
    pieces.append(template[position:])
    return "".join(pieces)


@function("formatlist")
def _formatlist(spec: Any, *values: Any) -> Any:
    lengths = {len(value) for value in values if isinstance(value, list)}
    if len(lengths) > 1:
        raise EvaluationError("formatlist() lists must have the same length")
    count = lengths.pop() if lengths else 1
    return [_format(spec, *[value[i] if isinstance(value, list) else value for value in values])
            for i in range(count)]


@function("join")
def _join(separator: Any, *lists: Any) -> Any:
    items = [item for values in lists for item in _list(values)]
    if any(item is None for item in items):
        raise EvaluationError("join() cannot join null values")
    return to_string(separator).join(to_string(item) for item in items)


@function("lower")
def _lower(text: Any) -> Any:
    return to_string(text).lower()


@function("upper")
def _upper(text: Any) -> Any:
    return to_string(text).upper()


@function("title")
def _title(text: Any) -> Any:
    return re.sub(r"\b[a-z]", lambda match: match.group(0).upper(), to_string(text))


def _go_replacement(replacement: str) -> str:
    escaped = replacement.replace("\\", "\\\\")
    return re.sub(r"\$\{(\w+)\}|\$(\d+)",
                  lambda match: f"\\g<{match.group(1) or match.group(2)}>", escaped)


@function("replace")
def _replace(text: Any, search: Any, replacement: Any) -> Any:
    subject, pattern, new = to_string(text), to_string(search), to_string(replacement)
    if len(pattern) > 1 and pattern.startswith("/") and pattern.endswith("/"):
        expression = _compile(pattern[1:-1])
        matches = sum(1 for _ in expression.finditer(subject))
        check_text_length(len(subject) + matches * len(new), "replace()")
        return expression.sub(_go_replacement(new), subject)
    if pattern:
        check_text_length(len(subject) + subject.count(pattern) * len(new), "replace()")
    return subject.replace(pattern, new)


def _compile(pattern: str) -> Any:
    try:
        return compile_pattern(pattern)
    except PatternError as error:
        raise EvaluationError(str(error)) from None


def _match_value(match: Any, expression: Any) -> Any:
    if expression.groupindex:
        return match.groupdict()
    if expression.groups:
        return list(match.groups())
    return match.group(0)


@function("regex")
def _regex(pattern: Any, text: Any) -> Any:
    expression = _compile(to_string(pattern))
    match = expression.search(to_string(text))
    if match is None:
        raise EvaluationError("the pattern did not match")
    return _match_value(match, expression)


@function("regexall")
def _regexall(pattern: Any, text: Any) -> Any:
    expression = _compile(to_string(pattern))
    found = []
    for match in expression.finditer(to_string(text)):
        spend()
        found.append(_match_value(match, expression))
    return found


@function("split")
def _split(separator: Any, text: Any) -> Any:
    return to_string(text).split(to_string(separator))


@function("substr")
def _substr(text: Any, offset: Any, length: Any) -> Any:
    value, start, size = to_string(text), _integer(offset), _integer(length)
    if start < 0:
        start = max(len(value) + start, 0)
    if start > len(value):
        raise EvaluationError("substr() offset is beyond the end of the string")
    return value[start:] if size < 0 else value[start:start + size]


@function("trim")
def _trim(text: Any, characters: Any) -> Any:
    return to_string(text).strip(to_string(characters))


@function("trimspace")
def _trimspace(text: Any) -> Any:
    return to_string(text).strip()


@function("trimprefix")
def _trimprefix(text: Any, prefix: Any) -> Any:
    return to_string(text).removeprefix(to_string(prefix))


@function("trimsuffix")
def _trimsuffix(text: Any, suffix: Any) -> Any:
    return to_string(text).removesuffix(to_string(suffix))


@function("chomp")
def _chomp(text: Any) -> Any:
    return re.sub(r"(\r?\n)+$", "", to_string(text))


@function("indent")
def _indent(spaces: Any, text: Any) -> Any:
    subject, width = to_string(text), _integer(spaces)
    check_text_length(len(subject) + subject.count("\n") * max(width, 0), "indent()")
    return subject.replace("\n", "\n" + " " * width)


@function("startswith")
def _startswith(text: Any, prefix: Any) -> Any:
    return to_string(text).startswith(to_string(prefix))


@function("endswith")
def _endswith(text: Any, suffix: Any) -> Any:
    return to_string(text).endswith(to_string(suffix))


@function("strrev")
def _strrev(text: Any) -> Any:
    return to_string(text)[::-1]


@function("strcontains")
def _strcontains(text: Any, part: Any) -> Any:
    return to_string(part) in to_string(text)


@function("basename")
def _basename(path: Any) -> Any:
    return to_string(path).rstrip("/").rsplit("/", 1)[-1]


@function("dirname")
def _dirname(path: Any) -> Any:
    head = to_string(path).rstrip("/").rsplit("/", 1)
    return head[0] if len(head) == 2 and head[0] else ("/" if head[0] == "" else ".")


# Type conversion

@function("sensitive", structural=True)
def _sensitive(value: Any) -> Any:
    """Sensitivity only hides values in Terraform's output; the value is unchanged."""
    return value


@function("nonsensitive", structural=True)
def _nonsensitive(value: Any) -> Any:
    return value


@function("tonumber")
def _tonumber(value: Any) -> Any:
    return None if value is None else to_number(value)


@function("tostring")
def _tostring(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, list | dict):
        raise EvaluationError(f"cannot convert a {type_name(value)} to a string")
    return to_string(value)


@function("tobool")
def _tobool(value: Any) -> Any:
    return None if value is None else to_bool(value)


@function("tolist", structural=True)
def _tolist(value: Any) -> Any:
    return None if value is None else list(_list(value))


@function("toset")
def _toset(value: Any) -> Any:
    return None if value is None else as_set(_list(value))


@function("tomap", structural=True)
def _tomap(value: Any) -> Any:
    return None if value is None else dict(_map(value))


# Encoding

def _jsonencode(value: Any) -> str:
    text = json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


@function("jsonencode", unknown_aware=True)
def _jsonencode_function(value: Any) -> Any:
    if isinstance(value, Unknown):
        return Unknown(value.reason)
    unknown = first_unknown(value)
    if unknown is not None:
        return PartlyKnown(unknown.reason, value)
    return _jsonencode(value)


@function("jsondecode")
def _jsondecode(text: Any) -> Any:
    try:
        return json.loads(to_string(text), parse_float=lambda raw: normal_number(float(raw)))
    except ValueError as error:
        raise EvaluationError(f"invalid JSON: {error}") from None


@function("yamlencode")
def _yamlencode(value: Any) -> Any:
    import yaml

    return yaml.safe_dump(value, default_flow_style=False, sort_keys=True)


@function("yamldecode")
def _yamldecode(text: Any) -> Any:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(to_string(text))
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        check_yaml_expansion(node)
        return loader.construct_document(node)
    except yaml.YAMLError as error:
        raise EvaluationError(f"invalid YAML: {error}") from None


@function("base64encode")
def _base64encode(text: Any) -> Any:
    return base64.b64encode(to_string(text).encode("utf-8")).decode("ascii")


@function("base64decode")
def _base64decode(text: Any) -> Any:
    try:
        return base64.b64decode(to_string(text), validate=True).decode("utf-8")
    except ValueError as error:
        raise EvaluationError(f"invalid base64: {error}") from None


@function("sha256")
def _sha256(text: Any) -> Any:
    return hashlib.sha256(to_string(text).encode("utf-8")).hexdigest()


@function("md5")
def _md5(text: Any) -> Any:
    return hashlib.md5(to_string(text).encode("utf-8"), usedforsecurity=False).hexdigest()


# Networks

def _network(prefix: Any) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    try:
        return ipaddress.ip_network(to_string(prefix), strict=False)
    except ValueError as error:
        raise EvaluationError(f"invalid CIDR prefix: {error}") from None


@function("cidrhost")
def _cidrhost(prefix: Any, host: Any) -> Any:
    network = _network(prefix)
    number = _integer(host)
    if number < 0:
        number += network.num_addresses
    if not 0 <= number < network.num_addresses:
        raise EvaluationError(f"host number {host} does not fit in {network}")
    return str(network.network_address + number)


@function("cidrnetmask")
def _cidrnetmask(prefix: Any) -> Any:
    network = _network(prefix)
    if network.version != 4:
        raise EvaluationError("cidrnetmask() works only with IPv4 prefixes")
    return str(network.netmask)


def _subnet(network: Any, newbits: int, number: int) -> Any:
    length = network.prefixlen + newbits
    if length > network.max_prefixlen or not 0 <= number < 2 ** newbits:
        raise EvaluationError(f"cannot make subnet {number} of {network} with {newbits} bits")
    size = 2 ** (network.max_prefixlen - length)
    base = int(network.network_address) + number * size
    return ipaddress.ip_network((base, length))


@function("cidrsubnet")
def _cidrsubnet(prefix: Any, newbits: Any, number: Any) -> Any:
    return str(_subnet(_network(prefix), _integer(newbits), _integer(number)))


@function("cidrsubnets")
def _cidrsubnets(prefix: Any, *newbits: Any) -> Any:
    network = _network(prefix)
    results = []
    next_address = int(network.network_address)
    for bits in newbits:
        length = network.prefixlen + _integer(bits)
        if length > network.max_prefixlen:
            raise EvaluationError(f"{network} has no room for {bits} more bits")
        size = 2 ** (network.max_prefixlen - length)
        start = -(-next_address // size) * size
        subnet = ipaddress.ip_network((start, length))
        if not subnet.subnet_of(network):  # type: ignore[arg-type]
            raise EvaluationError(f"not enough room in {network}")
        results.append(str(subnet))
        next_address = start + size
    return results


# Files, confined to the scanned tree

@function("file", reads_files=True)
def _file(scope: Any, path: Any) -> Any:
    return scope.files.read(to_string(path))


@function("filebase64", reads_files=True)
def _filebase64(scope: Any, path: Any) -> Any:
    content = scope.files.read(to_string(path))
    if isinstance(content, Unknown):
        return content
    return base64.b64encode(content.encode("utf-8")).decode("ascii")


@function("fileexists", reads_files=True)
def _fileexists(scope: Any, path: Any) -> Any:
    return scope.files.exists(to_string(path))


@function("fileset", reads_files=True)
def _fileset(scope: Any, path: Any, pattern: Any) -> Any:
    return scope.files.fileset(to_string(path), to_string(pattern))


@function("templatefile", reads_files=True)
def _templatefile(scope: Any, path: Any, variables: Any) -> Any:
    content = scope.files.read(to_string(path))
    if isinstance(content, Unknown):
        return content
    return _render_template(scope, content, to_string(path), variables)


@function("templatestring", reads_files=True)
def _templatestring(scope: Any, template: Any, variables: Any) -> Any:
    return _render_template(scope, to_string(template), "templatestring()", variables)


def _render_template(scope: Any, content: str, name: str, variables: Any) -> Any:
    from dicomguard.terraform.expressions import Scope, evaluate
    from dicomguard.terraform.hcl import compile_template

    template = compile_template(content, name, 1)
    inner = Scope(dict(_map(variables)), _template_root, scope.files)
    value = evaluate(template, inner)
    if isinstance(value, Unknown) or has_unknown(value):
        return value
    return to_string(value)


def _template_root(name: str) -> Any:
    raise EvaluationError(f"the template refers to {name!r}, which it was not given")


# Paths and values whose result depends on where Terraform runs

@function("pathexpand")
def _pathexpand(path: Any) -> Any:
    text = to_string(path)
    if text.startswith("~"):
        return Unknown("pathexpand() depends on the home directory of the machine")
    return text


@function("abspath")
def _abspath(path: Any) -> Any:
    text = to_string(path)
    if text.startswith("/"):
        return posixpath.normpath(text)
    return Unknown("abspath() depends on the directory terraform runs in")


@function("ephemeralasnull")
def _ephemeralasnull(value: Any) -> Any:
    return value  # ephemeral values (resources, variables) are not known statically anyway


@function("issensitive", unknown_aware=True)
def _issensitive(value: Any) -> Any:
    return Unknown("issensitive(): sensitivity is not tracked statically")


import dicomguard.terraform.encoding_functions  # noqa: E402  (registers its functions)
import dicomguard.terraform.time_functions  # noqa: E402, F401
