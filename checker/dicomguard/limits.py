"""Size limits on what a scanned file can make the evaluators build.

A few bytes of hostile input (a YAML alias bomb, `count = 1000000000`, Jinja's
`center(1000000000)`, nested loops) can ask for more memory or time than any machine has. Real
configurations stay far below these limits; a value past one is an input error for its unit
(exit 2), like a value Terraform itself would refuse, and the rest of the scan goes on.
"""

from __future__ import annotations

from typing import Any

from dicomguard.model import InputError

LONGEST_STRING = 1_000_000  # characters of one computed string
LARGEST_COLLECTION = 100_000  # elements of one computed list, set or map
MOST_INSTANCES = 10_000  # instances one count or for_each creates
DEEPEST_NESTING = 200  # lists and maps inside each other
LARGEST_NUMBER_DIGITS = 4_300  # Python's own limit on int <-> str conversion
MOST_STEPS = 1_000_000  # loop iterations and computed elements of one evaluation
MOST_CHAIN_VISITS = 50_000  # chains one firewall rule set's evaluation may walk through
MOST_ALIAS_EXPANSIONS = 200_000  # values YAML aliases may add to a document when followed


class LimitExceeded(InputError):
    """Input that makes an evaluator build something past one of the limits above."""


def check_string(text: str, what: str = "a string", line: int | None = None) -> str:
    check_text_length(len(text), what, line)
    return text


def check_text_length(length: int, what: str = "a string", line: int | None = None) -> int:
    """Before building a string of `length` characters."""
    if length > LONGEST_STRING:
        raise LimitExceeded(f"{what} would be longer than {LONGEST_STRING:,} characters", line)
    return length


def check_length(length: int, what: str = "a collection", line: int | None = None) -> int:
    if length > LARGEST_COLLECTION:
        raise LimitExceeded(f"{what} would have more than {LARGEST_COLLECTION:,} elements",
                            line)
    return length


def check_instances(count: int, what: str, line: int | None = None) -> int:
    if count > MOST_INSTANCES:
        raise LimitExceeded(f"{what} would create more than {MOST_INSTANCES:,} instances",
                            line)
    return count


def check_number(number: Any, what: str = "a number", line: int | None = None) -> Any:
    """Whole numbers past LARGEST_NUMBER_DIGITS digits, infinities and NaN are not numbers any
    configuration means."""
    if isinstance(number, float) and (number != number or number in (float("inf"),
                                                                     float("-inf"))):
        raise LimitExceeded(f"{what} is too large to compute", line)
    if isinstance(number, int):
        check_bits(number.bit_length(), what, line)
    return number


def check_bits(bits: int, what: str = "a number", line: int | None = None) -> None:
    """Before computing a whole number of `bits` binary digits."""
    if bits > LARGEST_NUMBER_DIGITS * 10 // 3:
        raise LimitExceeded(f"{what} would have more than {LARGEST_NUMBER_DIGITS:,} digits",
                            line)


class StepBudget:
    """Counts the work one evaluation does (loop iterations, elements built); past MOST_STEPS
    it stops the evaluation with LimitExceeded."""

    __slots__ = ("left", "limit", "what")

    def __init__(self, what: str = "this expression", steps: int = MOST_STEPS) -> None:
        self.left = self.limit = steps
        self.what = what

    def spend(self, steps: int = 1, line: int | None = None) -> None:
        self.left -= steps
        if self.left < 0:
            raise LimitExceeded(f"evaluating {self.what} takes more than {self.limit:,} steps",
                                line)


_active: list[StepBudget] = []


class evaluation:
    """One budget for an evaluation and everything it evaluates on the way (a variable or a
    local it refers to shares the budget of the expression that first needed it). A class, not
    a generator: it wraps every Terraform expression, so its own cost matters."""

    __slots__ = ("owner", "steps", "what")

    def __init__(self, what: str = "this expression", steps: int = MOST_STEPS) -> None:
        self.what = what
        self.steps = steps
        self.owner = False

    def __enter__(self) -> StepBudget:
        if not _active:
            _active.append(StepBudget(self.what, self.steps))
            self.owner = True
        return _active[-1]

    def __exit__(self, *exception: object) -> None:
        if self.owner:
            _active.pop()
            self.owner = False


def spend(steps: int = 1, line: int | None = None) -> None:
    """Charge the evaluation under way, if any."""
    if _active:
        _active[-1].spend(steps, line)


def check_yaml_expansion(node: Any) -> None:
    """Following a composed YAML node's aliases must not add more than MOST_ALIAS_EXPANSIONS
    values to those written (a "billion laughs" document is a few lines long), nor may it nest
    deeper than DEEPEST_NESTING. Counts each node once, so the check itself stays linear."""
    import yaml

    sizes: dict[int, int] = {}
    written = [0]

    def size(current: Any, depth: int) -> int:
        known = sizes.get(id(current))
        if known is not None:
            return known
        written[0] += 1
        if current.__class__ is yaml.ScalarNode:
            return 1
        if depth > DEEPEST_NESTING:
            raise LimitExceeded(f"YAML nests deeper than {DEEPEST_NESTING} levels",
                                current.start_mark.line + 1)
        inner = depth + 1
        if isinstance(current, yaml.MappingNode):
            total = 1 + sum(size(key, inner) + size(value, inner) for key, value in current.value)
        else:
            total = 1 + sum(size(item, inner) for item in current.value)
        if total > MOST_ALIAS_EXPANSIONS + written[0]:  # a large file without aliases is fine
            raise LimitExceeded(f"YAML aliases here expand to more than "
                                f"{MOST_ALIAS_EXPANSIONS:,} values", current.start_mark.line + 1)
        sizes[id(current)] = total
        return total

    size(node, 0)
