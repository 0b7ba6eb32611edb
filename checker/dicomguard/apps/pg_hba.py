"""PostgreSQL's client authentication file, pg_hba.conf, read as the server reads it.

One record a line (a trailing backslash continues it); `#` starts a comment outside double
quotes; fields are separated by blanks, and a comma joins several values into one field. A
quoted value is taken literally: `"all"` names a database called all. Records:

    local      DATABASE USER METHOD [OPTIONS]
    host*      DATABASE USER ADDRESS METHOD [OPTIONS]
    host*      DATABASE USER IP-ADDRESS IP-MASK METHOD [OPTIONS]
    include | include_if_exists | include_dir  PATH

A record the server would reject (an unknown type or method, a missing field, a bad address)
is an input error naming its line: PostgreSQL refuses to load such a file.
"""

from __future__ import annotations

import ipaddress

from dicomguard.facts import source_scope
from dicomguard.model import InputError
from dicomguard.records import field, record

CONNECTION_TYPES = frozenset({"local", "host", "hostssl", "hostnossl", "hostgssenc",
                              "hostnogssenc"})
INCLUDES = frozenset({"include", "include_if_exists", "include_dir"})
METHODS = frozenset({"trust", "reject", "scram-sha-256", "md5", "password", "gss", "sspi",
                     "ident", "peer", "ldap", "radius", "cert", "pam", "bsd", "krb5", "crypt"})
ADDRESS_KEYWORDS = frozenset({"all", "samehost", "samenet"})


@record(frozen=True)
class Token:
    text: str
    quoted: bool

    def keyword(self, *words: str) -> bool:
        return not self.quoted and self.text.lower() in words


@record
class HbaRecord:
    """One line of pg_hba.conf: who may connect from where, and how they prove who they are."""

    line: int
    connection: str  # local, host, hostssl, hostnossl, hostgssenc, hostnogssenc
    databases: list[Token]
    users: list[Token]
    address: str | None  # as written: a CIDR, "address/mask", a host name, all, samenet...
    method: str
    text: str  # the record as written, for messages

    def address_scope(self) -> str:
        """Who the address admits: internet, public, private (other machines), local (this
        host only), or unknown (a host name, which the server resolves)."""
        if self.connection == "local" or self.address is None:
            return "local"
        word = self.address.lower()
        if word == "all":
            return "internet"
        if word == "samehost":
            return "local"
        if word == "samenet":
            return "private"
        try:
            network = ipaddress.ip_network(word, strict=False)
        except ValueError:
            return "local" if word == "localhost" else "unknown"
        if network.prefixlen == 0:
            return "internet"
        if network.is_loopback:
            return "local"
        return source_scope(str(network))


@record
class HbaFile:
    records: list[HbaRecord] = field(default_factory=list)
    # (line, message) for what the file takes from elsewhere: included files, @file lists.
    references: list[tuple[int, str]] = field(default_factory=list)


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """(first line number, text) of each record, continuations joined and comments removed."""
    found: list[tuple[int, str]] = []
    pending, start = "", 0
    for number, raw in enumerate(text.splitlines(), start=1):
        content = _without_comment(raw)
        if not pending:
            start = number
        if content.rstrip().endswith("\\"):
            pending += content.rstrip()[:-1] + " "
            continue
        pending += content
        if pending.strip():
            found.append((start, pending))
        pending = ""
    if pending.strip():
        found.append((start, pending))
    return found


def _without_comment(line: str) -> str:
    quoted = False
    for index, char in enumerate(line):
        if char == '"':
            quoted = not quoted
        elif char == "#" and not quoted:
            return line[:index]
    return line


def _fields(text: str, line: int) -> list[list[Token]]:
    """Fields of a record; each field is the list of its comma-separated values."""
    fields: list[list[Token]] = []
    current: list[Token] = []
    token, quoted, in_quote, continues = "", False, False, False

    def finish_token() -> None:
        nonlocal token, quoted
        if token or quoted:
            current.append(Token(token, quoted))
        token, quoted = "", False

    for char in text:
        if in_quote:
            if char == '"':
                in_quote = False
            else:
                token += char
        elif char == '"':
            in_quote, quoted = True, True
        elif char == ",":
            finish_token()
            continues = True
        elif char in " \t\r":
            if token or quoted:
                finish_token()
                if not continues:
                    fields.append(current)
                    current = []
        else:
            if not token and not quoted and current and not continues:
                fields.append(current)
                current = []
            continues = False
            token += char
    if in_quote:
        raise InputError("pg_hba.conf: unterminated quoted field", line)
    finish_token()
    if current:
        fields.append(current)
    return fields


def _single(field_tokens: list[Token], what: str, line: int) -> Token:
    if len(field_tokens) != 1:
        raise InputError(f"pg_hba.conf: the {what} cannot be a list", line)
    return field_tokens[0]


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _mask_prefix(address: str, mask: str, line: int) -> str:
    try:
        network = ipaddress.ip_network(f"{address}/{mask}", strict=False)
    except ValueError as error:
        raise InputError(f"pg_hba.conf: invalid IP mask {mask!r}: {error}", line) from None
    return str(network)


def _record(line: int, fields: list[list[Token]], written: str) -> HbaRecord | None:
    kind = _single(fields[0], "connection type", line)
    connection = kind.text.lower()
    if connection in INCLUDES:
        return None
    if connection not in CONNECTION_TYPES or kind.quoted:
        raise InputError(f"pg_hba.conf: invalid connection type {kind.text!r}", line)
    needed = 4 if connection == "local" else 5
    if len(fields) < needed:
        raise InputError(f"pg_hba.conf: a '{connection}' record needs a database, a user, "
                         + ("" if connection == "local" else "an address, ")
                         + "and an authentication method", line)
    rest = fields[3:]
    address: str | None = None
    if connection != "local":
        address_token = _single(fields[3], "address", line)
        address = address_token.text
        rest = fields[4:]
        if "/" in address:
            try:
                address = str(ipaddress.ip_network(address, strict=False))
            except ValueError as error:
                raise InputError(f"pg_hba.conf: invalid address {address!r}: {error}",
                                 line) from None
        elif _is_ip(address):
            if not rest or not _is_ip(rest[0][0].text):
                raise InputError(f"pg_hba.conf: the address {address!r} needs a mask "
                                 "(a CIDR length or an IP-mask field)", line)
            address = _mask_prefix(address, rest[0][0].text, line)
            rest = rest[1:]
        elif address_token.quoted or address.lower() not in ADDRESS_KEYWORDS:
            address = address.lower()  # a host name or .domain suffix, resolved by the server
    if not rest:
        raise InputError("pg_hba.conf: missing authentication method", line)
    method_token = _single(rest[0], "authentication method", line)
    method = method_token.text.lower()
    if method not in METHODS:
        raise InputError(f"pg_hba.conf: invalid authentication method {method_token.text!r}",
                         line)
    return HbaRecord(line, connection, fields[1], fields[2], address, method,
                     " ".join(written.split()))


def parse(text: str) -> HbaFile:
    """Records of a pg_hba.conf, in order; InputError (with its line) for one the server
    would reject."""
    parsed = HbaFile()
    for line, record_text in _logical_lines(text):
        fields = _fields(record_text, line)
        if not fields:
            continue
        first = fields[0][0]
        if first.keyword(*INCLUDES):
            target = " ".join(token.text for group in fields[1:] for token in group)
            parsed.references.append((line, f"{first.text} {target} is not followed"))
            continue
        record = _record(line, fields, record_text)
        if record is None:
            continue
        for token in [*record.databases, *record.users]:
            if token.text.startswith("@") and not token.quoted:
                parsed.references.append((line, f"names listed in {token.text[1:]} are not read"))
        parsed.records.append(record)
    return parsed
