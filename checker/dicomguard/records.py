"""Record classes: what `dataclasses.dataclass(slots=True)` gives, built in a fraction of the
time. A dataclass costs about 0.75 ms to build (1.3 ms frozen) because every method is compiled
from source; the scan defines over a hundred of them and a small scan loads about forty, a
quarter of its start-up. Here only `__init__` is compiled; comparison, hashing and repr are
shared functions over the field names. docs/decisions.md has the figures.

    @record                        mutable, compared by value, unhashable
    @record(frozen=True)           immutable and hashable
    @record(eq=False)              compared and hashed by identity
    @record(frozen=True, order=True)

Fields are the annotated class attributes (not ClassVar) of the class and of its record bases,
bases first; a default is a plain value or `field(default_factory=...)`. `__post_init__` runs
after `__init__` when the class has one. Every record has `__slots__`.
"""

from __future__ import annotations

from operator import attrgetter
from typing import TYPE_CHECKING, Any, TypeVar, dataclass_transform, overload

if TYPE_CHECKING:
    from collections.abc import Callable

T = TypeVar("T")

_MISSING: Any = object()
_MUTABLE_DEFAULTS = (list, dict, set)


class _Field:
    __slots__ = ("compare", "default", "make")

    def __init__(self, default: Any, make: Callable[[], Any] | None, compare: bool) -> None:
        self.default, self.make, self.compare = default, make, compare


def field(*, default: Any = _MISSING, default_factory: Callable[[], Any] | None = None,
          compare: bool = True) -> Any:
    """A field with a default made anew for every record (`field(default_factory=list)`), or
    one left out of comparison, hashing and repr (`field(default=None, compare=False)`: a cache
    of something the other fields determine)."""
    return _Field(default, default_factory, compare)


class FrozenRecordError(AttributeError):
    """An assignment to a field of a frozen record."""


@overload
@dataclass_transform(field_specifiers=(field,))
def record(cls: type[T], /) -> type[T]: ...


@overload
def record(*, frozen: bool = False, eq: bool = True, order: bool = False
           ) -> Callable[[type[T]], type[T]]: ...


def record(cls: type[T] | None = None, /, *, frozen: bool = False, eq: bool = True,
           order: bool = False) -> Any:
    def build(target: type[T]) -> type[T]:
        return _build(target, frozen, eq, order)

    return build if cls is None else build(cls)


def fields(cls_or_record: Any) -> tuple[str, ...]:
    """The field names of a record class or record, in order."""
    names: tuple[str, ...] = cls_or_record.__record_fields__
    return names


def replace(item: T, **changes: Any) -> T:
    """A copy of a record with some fields changed (`__init__` and `__post_init__` run)."""
    values = {name: getattr(item, name) for name in fields(item)}
    values.update(changes)
    return type(item)(**values)


def _build(cls: type[T], frozen: bool, eq: bool, order: bool) -> type[T]:
    inherited: dict[str, Any] = {}
    for base in reversed(cls.__mro__[1:]):
        inherited.update(base.__dict__.get("__record_defaults__", {}))
    annotations = cls.__dict__.get("__annotations__", {})  # noqa: RUF063 - inspect is slow to import
    own = {name: cls.__dict__.get(name, _MISSING) for name, annotation in annotations.items()
           if not str(annotation).startswith(("ClassVar", "typing.ClassVar"))}
    defaults = {**inherited, **own}
    for name, default in own.items():
        if isinstance(default, _MUTABLE_DEFAULTS):
            raise ValueError(f"{cls.__qualname__}.{name}: a mutable default is shared by every "
                             "record; use field(default_factory=...)")
    names = tuple(defaults)
    compared = tuple(name for name, default in defaults.items()
                     if not isinstance(default, _Field) or default.compare)

    namespace = {key: value for key, value in cls.__dict__.items()
                 if key not in own and key not in ("__dict__", "__weakref__")}
    base_slots = {slot for base in cls.__mro__[1:] for slot in base.__dict__.get("__slots__", ())}
    namespace["__slots__"] = tuple(name for name in own if name not in base_slots)
    namespace["__record_fields__"] = names
    namespace["__record_compared__"] = compared
    namespace["__record_defaults__"] = defaults
    namespace["__match_args__"] = names
    metaclass: Any = type(cls)
    made: Any = metaclass(cls.__name__, cls.__bases__, namespace)
    made.__qualname__ = cls.__qualname__

    methods = {"__init__": _first_init(made, defaults, frozen), "__repr__": _repr}
    key = _key_function(compared)
    if eq:
        methods["__eq__"] = _equality(key)
        if frozen:
            methods["__hash__"] = lambda self: hash(key(self))
        elif "__hash__" not in cls.__dict__:
            made.__hash__ = None
    if order:
        methods.update(_ordering(key))
    if frozen:
        methods.update(__setattr__=_refuse_assignment, __delattr__=_refuse_assignment,
                       __getstate__=_state, __setstate__=_restore_state)
    for name, method in methods.items():
        if name not in cls.__dict__:
            method.__qualname__ = f"{cls.__qualname__}.{name}"
            setattr(made, name, method)
    built: type[T] = made
    return built


def _first_init(cls: type, defaults: dict[str, Any], frozen: bool) -> Callable[..., None]:
    """An `__init__` that compiles the class's own on the first record made, installs it and
    runs it: a scan makes records of only some of the classes it loads."""

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        init = _init_function(cls, defaults, frozen)
        init.__qualname__ = f"{cls.__qualname__}.__init__"
        cls.__init__ = init  # type: ignore[misc]
        init(self, *args, **kwargs)

    return __init__


def _init_function(cls: type, defaults: dict[str, Any], frozen: bool) -> Callable[..., None]:
    scope: dict[str, Any] = {"_MISSING": _MISSING, "_set": object.__setattr__}
    parameters, body = [], []
    for index, (name, declared) in enumerate(defaults.items()):
        default, make = ((declared.default, declared.make) if isinstance(declared, _Field)
                         else (declared, None))
        if make is not None:
            scope[f"_make{index}"] = make
            parameters.append(f"{name}=_MISSING")
            value = f"_make{index}() if {name} is _MISSING else {name}"
        elif default is _MISSING:
            parameters.append(name)
            value = name
        else:
            scope[f"_default{index}"] = default
            parameters.append(f"{name}=_default{index}")
            value = name
        body.append(f"_set(self, {name!r}, {value})" if frozen else f"self.{name} = {value}")
    if hasattr(cls, "__post_init__"):
        body.append("self.__post_init__()")
    source = (f"def __init__(self, {', '.join(parameters)}):\n    "
              + "\n    ".join(body or ["pass"]) + "\n")
    exec(source, scope)
    init: Callable[..., None] = scope["__init__"]
    return init


def _key_function(names: tuple[str, ...]) -> Callable[[Any], tuple[Any, ...]]:
    if len(names) == 1:
        single = attrgetter(names[0])
        return lambda item: (single(item),)
    if not names:
        return lambda item: ()
    key: Callable[[Any], tuple[Any, ...]] = attrgetter(*names)
    return key


def _equality(key: Callable[[Any], tuple[Any, ...]]) -> Callable[[Any, Any], Any]:
    def __eq__(self: Any, other: Any) -> Any:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return key(self) == key(other)

    return __eq__


def _ordering(key: Callable[[Any], tuple[Any, ...]]) -> dict[str, Callable[[Any, Any], Any]]:
    def compare(test: Callable[[Any, Any], bool]) -> Callable[[Any, Any], Any]:
        def method(self: Any, other: Any) -> Any:
            if other.__class__ is not self.__class__:
                return NotImplemented
            return test(key(self), key(other))

        return method

    return {"__lt__": compare(lambda a, b: a < b), "__le__": compare(lambda a, b: a <= b),
            "__gt__": compare(lambda a, b: a > b), "__ge__": compare(lambda a, b: a >= b)}


def _repr(self: Any) -> str:
    values = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__record_compared__)
    return f"{type(self).__qualname__}({values})"


def _refuse_assignment(self: Any, name: str, *value: Any) -> None:
    raise FrozenRecordError(f"cannot assign to field {name!r} of a frozen "
                            f"{type(self).__qualname__}")


def _state(self: Any) -> tuple[Any, ...]:
    return tuple(getattr(self, name) for name in self.__record_fields__)


def _restore_state(self: Any, state: tuple[Any, ...]) -> None:
    for name, value in zip(self.__record_fields__, state, strict=True):
        object.__setattr__(self, name, value)
