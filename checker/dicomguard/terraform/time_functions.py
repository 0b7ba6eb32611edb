"""Terraform's time functions on known timestamps: formatdate, timeadd, timecmp. Timestamps
are RFC 3339 (`2026-11-30T12:00:00Z`), as Terraform requires; timestamp() itself is known only
after apply."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from dicomguard.records import record
from dicomguard.terraform.functions import function
from dicomguard.terraform.values import EvaluationError, to_string

_RFC3339 = re.compile(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})")
_DURATION_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)")
_DURATION_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1.0,
                   "m": 60.0, "h": 3600.0}
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@record(frozen=True)
class Timestamp:
    moment: datetime
    utc: bool  # written with Z, so its zone has a name (UTC)


def _timestamp(value: Any) -> Timestamp:
    text = to_string(value)
    parsed = _RFC3339.fullmatch(text)
    if not parsed:
        raise EvaluationError(f"{text!r} is not an RFC 3339 timestamp such as "
                              "2026-11-30T12:00:00Z")
    year, month, day, hour, minute, second = (int(part) for part in parsed.groups()[:6])
    fraction, zone = parsed.group(7), parsed.group(8)
    if zone == "Z":
        tzinfo: timezone = UTC
    else:
        sign = -1 if zone[0] == "-" else 1
        offset = timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6]))
        tzinfo = timezone(sign * offset)
    microseconds = int((fraction or ".0")[1:7].ljust(6, "0"))
    try:
        moment = datetime(year, month, day, hour, minute, second, microseconds, tzinfo=tzinfo)
    except ValueError as error:
        raise EvaluationError(f"{text!r} is not a valid time: {error}") from None
    return Timestamp(moment, zone == "Z")


def _offset(moment: datetime, colon: bool) -> str:
    offset = moment.utcoffset() or timedelta()
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    hours, rest = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}{':' if colon else ''}{rest:02d}"


def _rfc3339(moment: datetime) -> str:
    zone = "Z" if not moment.utcoffset() else _offset(moment, colon=True)
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + zone


def _field(letter: str, width: int, stamp: Timestamp) -> str:
    moment = stamp.moment
    hour12 = moment.hour % 12 or 12
    fields: dict[tuple[str, int], str] = {
        ("Y", 4): f"{moment.year:04d}", ("Y", 2): f"{moment.year % 100:02d}",
        ("M", 4): _MONTHS[moment.month - 1], ("M", 3): _MONTHS[moment.month - 1][:3],
        ("M", 2): f"{moment.month:02d}", ("M", 1): str(moment.month),
        ("D", 2): f"{moment.day:02d}", ("D", 1): str(moment.day),
        ("E", 4): _DAYS[moment.weekday()], ("E", 3): _DAYS[moment.weekday()][:3],
        ("h", 2): f"{moment.hour:02d}", ("h", 1): str(moment.hour),
        ("H", 2): f"{hour12:02d}", ("H", 1): str(hour12),
        ("A", 2): "AM" if moment.hour < 12 else "PM", ("a", 2): "am" if moment.hour < 12 else "pm",
        ("m", 2): f"{moment.minute:02d}", ("m", 1): str(moment.minute),
        ("s", 2): f"{moment.second:02d}", ("s", 1): str(moment.second),
        ("Z", 5): _offset(moment, colon=True), ("Z", 4): _offset(moment, colon=False),
        ("Z", 3): "UTC" if stamp.utc else _offset(moment, colon=False),
        ("Z", 1): "Z" if not moment.utcoffset() else _offset(moment, colon=True),
    }
    if (letter, width) not in fields:
        raise EvaluationError(f"formatdate(): invalid date format sequence {letter * width!r}")
    return fields[(letter, width)]


@function("formatdate")
def _formatdate(spec: Any, timestamp: Any) -> Any:
    pattern, stamp = to_string(spec), _timestamp(timestamp)
    out: list[str] = []
    position = 0
    while position < len(pattern):
        character = pattern[position]
        if character == "'":
            end = position + 1
            literal: list[str] = []
            while True:
                if end >= len(pattern):
                    raise EvaluationError("formatdate(): a quoted literal is not closed")
                if pattern[end] == "'":
                    if pattern[end + 1:end + 2] == "'":
                        literal.append("'")
                        end += 2
                        continue
                    break
                literal.append(pattern[end])
                end += 1
            out.append("".join(literal) if end > position + 1 else "'")  # '' is one quote
            position = end + 1
        elif character.isalpha():
            end = position
            while end < len(pattern) and pattern[end] == character:
                end += 1
            out.append(_field(character, end - position, stamp))
            position = end
        else:
            out.append(character)
            position += 1
    return "".join(out)


def _duration(value: Any) -> timedelta:
    text = to_string(value)
    sign, body = (-1, text[1:]) if text.startswith("-") else (1, text.removeprefix("+"))
    if body == "0":
        return timedelta()
    seconds, position = 0.0, 0
    for part in _DURATION_PART.finditer(body):
        if part.start() != position:
            break
        seconds += float(part.group(1)) * _DURATION_UNITS[part.group(2)]
        position = part.end()
    if position != len(body) or not body:
        raise EvaluationError(f"{text!r} is not a duration such as 1h30m or -10m")
    return sign * timedelta(seconds=seconds)


@function("timeadd")
def _timeadd(timestamp: Any, duration: Any) -> Any:
    stamp = _timestamp(timestamp)
    try:
        return _rfc3339((stamp.moment + _duration(duration)).replace(microsecond=0))
    except OverflowError:
        raise EvaluationError("timeadd(): the result is out of range") from None


@function("timecmp")
def _timecmp(first: Any, second: Any) -> Any:
    left, right = _timestamp(first).moment, _timestamp(second).moment
    return (left > right) - (left < right)
