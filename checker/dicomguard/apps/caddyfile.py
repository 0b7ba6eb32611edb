"""Caddyfiles as Caddy reads them: one directive a line, a block opened by a `{` that ends its
line, quoted and backtick strings, heredocs, `#` comments, `\\` line continuations, the global
options block, snippets `(name)`, site blocks with one or more addresses (or one site without
braces), `import` of a snippet (with its arguments) or of files a resolver finds in the scanned
tree, and `{$VAR}` / `{$VAR:default}` placeholders filled from the environment Caddy runs with.
Directives come out as nginx.Directive trees, with the file and line of each.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterator

from dicomguard.apps.nginx import ConfigError, Directive
from dicomguard.model import is_unknown
from dicomguard.records import field, record

MOST_IMPORTS = 20  # a deeper chain of imports is taken for a cycle
MOST_FILES = 500
# {$VAR} and {$VAR:default}, filled when the Caddyfile is read; {env.VAR}, filled at run time
# from the same environment.
_ENV = re.compile(r"\{(?:\$|env\.)([A-Za-z_][A-Za-z0-9_]*)(?::([^}]*))?\}")
_ARGUMENT = re.compile(r"\{args(?:\[(\d+)\]|\.(\d+))\}")
_ALL_ARGUMENTS = {"{args[:]}", "{args.*}"}
_HEREDOC = re.compile(r"<<([A-Za-z0-9_-]+)\n")


@record
class _Token:
    text: str
    line: int
    logical: int  # lines joined by a trailing backslash share one
    quoted: bool = False


@record
class Site:
    """A site block: its addresses as written and its directives."""

    addresses: list[str]
    directives: list[Directive]
    file: str
    line: int
    end_line: int


@record
class Caddyfile:
    options: list[Directive]  # the global options block
    sites: list[Site]
    notes: list[tuple[str, int, str]] = field(default_factory=list)  # imports not read


# An import names files: (file shown, text, its container path, line offset) each, or a
# reason it cannot be read.
ImportResolver = Callable[[str, str], "tuple[list[tuple[str, str, str, int]], str]"]


def _tokens(text: str, file: str) -> Iterator[_Token]:
    position, line, logical, length = 0, 1, 1, len(text)
    while position < length:
        char = text[position]
        if char == "\n":
            line += 1
            logical += 1
            position += 1
        elif char == "\\" and text.startswith("\n", position + 1):
            line += 1
            position += 2
        elif char.isspace():
            position += 1
        elif char == "#":  # at the start of a token: a comment
            end = text.find("\n", position)
            position = length if end < 0 else end
        elif char in "\"`":
            start_line, value, position = line, [], position + 1
            while position < length and text[position] != char:
                if char == '"' and text[position] == "\\" and text.startswith(
                        '"', position + 1):
                    position += 1
                if text[position] == "\n":
                    line += 1
                value.append(text[position])
                position += 1
            if position >= length:
                raise ConfigError(f"unterminated {char} string", file, start_line)
            position += 1
            yield _Token("".join(value), start_line, logical, quoted=True)
        elif (heredoc := _HEREDOC.match(text, position)) is not None:
            marker, start_line = heredoc.group(1), line
            closing = re.compile(rf"^[ \t]*{re.escape(marker)}$", re.MULTILINE)
            closed = closing.search(text, heredoc.end())
            if closed is None:
                raise ConfigError(f"heredoc <<{marker} is not closed", file, start_line)
            body = text[heredoc.end():closed.start()]
            line += body.count("\n") + 1
            position = closed.end()
            yield _Token(body.rstrip("\n"), start_line, logical, quoted=True)
        else:
            start = position
            while position < length and not text[position].isspace():
                position += 1
            yield _Token(text[start:position], line, logical)


def _special(token: _Token, text: str) -> bool:
    return not token.quoted and token.text == text


class _Parser:
    def __init__(self, environment: dict[str, object], resolver: ImportResolver | None) -> None:
        self.environment = environment
        self.resolver = resolver
        self.notes: list[tuple[str, int, str]] = []
        self.snippets: dict[str, Directive] = {}
        self.reading: list[str] = []
        self.files_read = 0

    def _placeholders(self, text: str) -> str:
        def replace(match: re.Match[str]) -> str:
            value = self.environment.get(match.group(1))
            if isinstance(value, str | int | float) and not isinstance(value, bool):
                return str(value)
            if value is None and match.group(2) is not None:
                return match.group(2)
            return match.group(0)  # not known: kept, and judged as unknown where it matters
        return _ENV.sub(replace, text) if "{$" in text or "{env." in text else text

    def parse_text(self, text: str, file: str, key: str) -> list[Directive]:
        if self.files_read >= MOST_FILES:
            raise ConfigError(f"more than {MOST_FILES} files imported", file, None)
        self.files_read += 1
        tokens = []
        for token in _tokens(text, file):
            token.text = self._placeholders(token.text)
            tokens.append(token)
        directives, _, _ = self._block(tokens, 0, file, nested=False)
        return _joined_addresses(directives)

    def _block(self, tokens: list[_Token], index: int, file: str, nested: bool
               ) -> tuple[list[Directive], int, int]:
        found: list[Directive] = []
        while index < len(tokens):
            token = tokens[index]
            if _special(token, "}"):
                if not nested:
                    raise ConfigError("unexpected '}'", file, token.line)
                return found, index + 1, token.line
            if _special(token, "{"):
                if found or nested:
                    raise ConfigError("'{' must end the line of the address or directive it "
                                      "opens", file, token.line)
                options, index, end = self._block(tokens, index + 1, file, nested=True)
                found.append(Directive("", [], file, token.line, end, options))
                continue
            words = [token]
            index += 1
            while index < len(tokens) and tokens[index].logical == token.logical and not (
                    _special(tokens[index], "{") or _special(tokens[index], "}")):
                words.append(tokens[index])
                index += 1
            directive = Directive(words[0].text, [word.text for word in words[1:]], file,
                                  words[0].line, words[-1].line)
            if index < len(tokens) and _special(tokens[index], "{") and \
                    tokens[index].logical == words[-1].logical:
                directive.block, index, directive.end_line = self._block(
                    tokens, index + 1, file, nested=True)
            found.append(directive)
        if nested:
            stuck = next((token for token in tokens if not token.quoted and
                          token.text.endswith("}") and "{" not in token.text
                          and token.text != "}"), None)
            if stuck is not None:
                raise ConfigError(f"a block is not closed: '{stuck.text}' does not close one "
                                  "(a '}' must be a word of its own)", file, stuck.line)
            raise ConfigError("a block is not closed: '}' missing at the end of the file",
                              file, tokens[-1].line if tokens else 1)
        return found, index, tokens[-1].line if tokens else 1

    def register_snippets(self, directives: list[Directive]) -> None:
        for directive in directives:
            name = directive.name
            if name.startswith("(") and name.endswith(")") and directive.block is not None:
                self.snippets[name[1:-1]] = directive

    def expand(self, directives: list[Directive], here: str, depth: int) -> list[Directive]:
        """directives with every import replaced by what it names, at every level."""
        found: list[Directive] = []
        for directive in directives:
            if directive.name == "import":
                found.extend(self._import(directive, here, depth))
                continue
            if directive.block is not None and not (
                    directive.name.startswith("(") and directive.name.endswith(")")):
                directive.block = self.expand(directive.block, here, depth)
            found.append(directive)
        return found

    def _import(self, directive: Directive, here: str, depth: int) -> list[Directive]:
        if not directive.args:
            raise ConfigError("import names no snippet or file", directive.file,
                              directive.line)
        if depth >= MOST_IMPORTS:
            raise ConfigError("imports nest too deeply (a cycle?)", directive.file,
                              directive.line)
        name, arguments = directive.args[0], directive.args[1:]
        snippet = self.snippets.get(name)
        if snippet is not None:
            body = [_with_arguments(item, arguments)
                    for item in copy.deepcopy(snippet.block or [])]
            return self.expand(body, here, depth + 1)
        if self.resolver is None:
            return [directive]
        files, unreadable = self.resolver(name, here)
        if unreadable:
            self.notes.append((directive.file, directive.line, unreadable))
            return [directive]
        found: list[Directive] = []
        for shown, text, container_path, offset in files:
            key = f"{container_path}:{shown}:{offset}"
            if key in self.reading:
                raise ConfigError(f"import {name} imports {shown}, which is already being "
                                  "read (a cycle)", directive.file, directive.line)
            self.reading.append(key)
            try:
                try:
                    parsed = self.parse_text("\n" * offset + text, shown, key)
                except ConfigError as error:
                    if error.line is None and error.file == shown:
                        raise ConfigError(error.message, directive.file,
                                          directive.line) from error
                    raise
                self.register_snippets(parsed)
                body = [_with_arguments(item, arguments) for item in parsed
                        if not (item.name.startswith("(") and item.name.endswith(")"))]
                found.extend(self.expand(body, container_path, depth + 1))
            finally:
                self.reading.pop()
        return found


def _joined_addresses(directives: list[Directive]) -> list[Directive]:
    """Top-level lines ending with a comma continue the site's addresses on the next line."""
    found: list[Directive] = []
    for directive in directives:
        previous = found[-1] if found else None
        if previous is not None and previous.block is None and previous.name and (
                previous.args[-1] if previous.args else previous.name).endswith(","):
            previous.args.extend([directive.name, *directive.args])
            previous.block, previous.end_line = directive.block, directive.end_line
            continue
        found.append(directive)
    return found


def _with_arguments(directive: Directive, arguments: list[str]) -> Directive:
    def words(text: str) -> list[str]:
        if text in _ALL_ARGUMENTS:
            return list(arguments)
        return [_ARGUMENT.sub(lambda match: _argument(match, arguments), text)]

    names = words(directive.name)
    expanded = [word for arg in directive.args for word in words(arg)]
    directive.name, directive.args = (names[0], names[1:] + expanded) if names else (
        expanded[0] if expanded else "", expanded[1:])
    for child in directive.block or []:
        _with_arguments(child, arguments)
    return directive


def _argument(match: re.Match[str], arguments: list[str]) -> str:
    index = int(match.group(1) or match.group(2))
    return arguments[index] if index < len(arguments) else ""


def _addresses(directive: Directive) -> list[str]:
    return [part for word in [directive.name, *directive.args]
            for part in word.split(",") if part]


def parse(text: str, file: str, container_path: str, environment: dict[str, object],
          resolver: ImportResolver | None = None, line_offset: int = 0) -> Caddyfile:
    """The global options and site blocks of a Caddyfile, imports expanded. environment: the
    variables Caddy runs with (a value that is not a string is taken as not known). Raises
    ConfigError naming the file and line of bad syntax."""
    parser = _Parser({name: value for name, value in environment.items()
                      if not is_unknown(value)}, resolver)
    key = f"{container_path}:{file}:{line_offset}"
    parser.reading.append(key)
    top = parser.parse_text("\n" * line_offset + text, file, key)
    parser.register_snippets(top)
    options: list[Directive] = []
    if top and top[0].name == "" and top[0].block is not None:
        options = top[0].block
        top = top[1:]
    entries = [entry for entry in parser.expand([item for item in top if not (
        item.name.startswith("(") and item.name.endswith(")"))], container_path, 0)
        if entry.name != "import"]  # an import not read is a note
    sites: list[Site] = []
    if entries and entries[0].block is None:
        first = entries[0]
        end = max((item.end_line or item.line for item in entries), default=first.line)
        sites.append(Site(_addresses(first), entries[1:], first.file, first.line, end))
    else:
        for entry in entries:
            if entry.name == "" and entry.block is not None:
                raise ConfigError("a block with no site address", entry.file, entry.line)
            if entry.block is None:
                raise ConfigError(f"'{entry.name}' outside a site block (a site's "
                                  "directives go inside its braces)", entry.file, entry.line)
            sites.append(Site(_addresses(entry), entry.block, entry.file, entry.line,
                              entry.end_line or entry.line))
    return Caddyfile(options, sites, parser.notes)


def parse_tree(text: str, file: str) -> list[Directive]:
    """The lines and blocks of one Caddyfile as written: imports and snippets not expanded,
    placeholders kept. Raises ConfigError for bad syntax."""
    return _Parser({}, None).parse_text(text, file, file)
