"""nginx configuration files: directives and blocks with the file and line of each, quoted
strings and comments read as nginx reads them, `include` followed only to files a resolver
finds in the scanned tree (what it cannot find is named, never read).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from dicomguard.model import InputError
from dicomguard.records import field, record

MOST_INCLUDES = 20  # a deeper chain of includes is taken for a cycle
MOST_FILES = 500  # files read for one configuration, includes of includes counted
_SPECIAL = frozenset(";{}")


@record
class Directive:
    """`name args...;` or `name args... { block }`, where it is written."""

    name: str
    args: list[str]
    file: str
    line: int
    end_line: int = 0
    block: list[Directive] | None = None

    def children(self, name: str) -> list[Directive]:
        return [child for child in self.block or [] if child.name == name]


@record
class Included:
    """What an include resolved to: files as (path, name shown), or why it could not be."""

    files: list[tuple[Path, str]] = field(default_factory=list)
    # Text held elsewhere (a Kubernetes ConfigMap): (file shown, text, line of its first line
    # in that file, less one).
    texts: list[tuple[str, str, int]] = field(default_factory=list)
    unreadable: str = ""  # non-empty: named, not read


class ConfigError(InputError):
    """A syntax error in one file of the configuration, with the file that holds it."""

    def __init__(self, message: str, file: str, line: int | None) -> None:
        super().__init__(message, line)
        self.file = file


@record
class _Token:
    text: str
    line: int
    quoted: bool = False


def _tokens(text: str, file: str) -> Iterator[_Token]:
    """Words, quoted strings and the characters ; { }, each with its line."""
    position, line, length = 0, 1, len(text)
    while position < length:
        char = text[position]
        if char == "\n":
            line += 1
            position += 1
        elif char.isspace():
            position += 1
        elif char == "#":
            end = text.find("\n", position)
            position = length if end < 0 else end
        elif char in _SPECIAL:
            yield _Token(char, line)
            position += 1
        elif char in "\"'":
            start_line, value, position = line, [], position + 1
            while position < length and text[position] != char:
                if text[position] == "\\" and position + 1 < length:
                    position += 1
                    if text[position] in "\"'\\":
                        value.append(text[position])
                    else:
                        value.append("\\" + text[position])
                elif text[position] == "\n":
                    line += 1
                    value.append("\n")
                else:
                    value.append(text[position])
                position += 1
            if position >= length:
                raise ConfigError(f"unterminated {char} string", file, start_line)
            position += 1
            yield _Token("".join(value), start_line, quoted=True)
        else:
            start = position
            while position < length:
                current = text[position]
                if current.isspace() or current in ";" or (current in "{}" and not _in_variable(
                        text, start, position)):
                    break
                if current == "\\" and position + 1 < length:
                    position += 1
                position += 1
            yield _Token(text[start:position].replace("\\", ""), line)


def _in_variable(text: str, start: int, position: int) -> bool:
    """Whether a brace at position belongs to ${name} in the word that began at start."""
    if text[position] == "{":
        return position > start and text[position - 1] == "$"
    opening = text.rfind("${", start, position)
    return opening >= 0 and "}" not in text[opening:position]


Resolver = Callable[[str, Path], Included]


class _Parser:
    def __init__(self, resolver: Resolver | None, notes: list[tuple[str, int, str]]) -> None:
        self.resolver = resolver
        self.notes = notes
        self.reading: list[str] = []  # the files being read, outermost first
        self.files_read = 0

    def parse_file(self, text: str, file: str, host: Path, depth: int = 0,
                   key: str | None = None) -> list[Directive]:
        tokens = list(_tokens(text, file))
        self.reading.append(key or str(host.resolve()))
        self.files_read += 1
        try:
            return self._block(tokens, 0, file, host, depth, nested=False)[0]
        finally:
            self.reading.pop()

    def _block(self, tokens: list[_Token], index: int, file: str, host: Path, depth: int,
               nested: bool) -> tuple[list[Directive], int, int]:
        found: list[Directive] = []
        words: list[_Token] = []
        while index < len(tokens):
            token = tokens[index]
            index += 1
            if token.quoted or token.text not in _SPECIAL:
                words.append(token)
                continue
            if token.text == "}":
                if words:
                    raise ConfigError(f"'{words[0].text}' has no ';' before '}}'", file,
                                      words[-1].line)
                if not nested:
                    raise ConfigError("unexpected '}'", file, token.line)
                return found, index, token.line
            if not words:
                raise ConfigError(f"unexpected '{token.text}'", file, token.line)
            directive = Directive(words[0].text, [word.text for word in words[1:]], file,
                                  words[0].line, token.line)
            words = []
            if token.text == "{":
                directive.block, index, directive.end_line = self._block(
                    tokens, index, file, host, depth, nested=True)
                found.append(directive)
            elif directive.name == "include" and self.resolver is not None:
                found.extend(self._include(directive, host, depth))
            else:
                found.append(directive)
        if words:
            raise ConfigError(f"'{words[0].text}' has no ';' at the end of the file", file,
                              words[-1].line)
        if nested:
            raise ConfigError("a block is not closed: '}' missing at the end of the file",
                              file, tokens[-1].line if tokens else 1)
        return found, index, tokens[-1].line if tokens else 1

    def _include(self, directive: Directive, host: Path, depth: int) -> list[Directive]:
        """The directives of the included files, in place of the include; the include itself
        when it cannot be read (its `unreadable` note then says why)."""
        assert self.resolver is not None
        if len(directive.args) != 1:
            raise ConfigError("include takes one file or pattern", directive.file,
                              directive.line)
        if depth >= MOST_INCLUDES:
            raise ConfigError("includes nest too deeply (a cycle?)", directive.file,
                              directive.line)
        included = self.resolver(directive.args[0], host)
        if included.unreadable:
            self.notes.append((directive.file, directive.line, included.unreadable))
            return [directive]
        from dicomguard.regular_files import read_regular_text

        found: list[Directive] = []
        for path, shown in included.files:
            self._check(directive, str(path.resolve()), shown)
            try:
                text = read_regular_text(path)
            except (OSError, UnicodeDecodeError) as error:
                raise ConfigError(f"cannot read included {shown}: {error}", directive.file,
                                  directive.line) from error
            found.extend(self.parse_file(text, shown, path, depth + 1))
        for shown, text, offset in included.texts:
            key = f"{shown}:{offset}"
            self._check(directive, key, shown)
            found.extend(self.parse_file("\n" * offset + text, shown, host, depth + 1, key))
        return found

    def _check(self, directive: Directive, key: str, shown: str) -> None:
        if key in self.reading:
            raise ConfigError(f"include {directive.args[0]} includes {shown}, which is "
                              "already being read (a cycle)", directive.file, directive.line)
        if self.files_read >= MOST_FILES:
            raise ConfigError(f"more than {MOST_FILES} files included", directive.file,
                              directive.line)


def parse(text: str, file: str, host: Path | None = None, resolver: Resolver | None = None,
          line_offset: int = 0) -> tuple[list[Directive], list[tuple[str, int, str]]]:
    """The directives of a configuration and notes (file, line, message) on includes that were
    not read. resolver(pattern, including file) says what an include names; without one,
    includes stay as directives. Raises ConfigError naming the file and line of bad syntax."""
    notes: list[tuple[str, int, str]] = []
    parser = _Parser(resolver, notes)
    key = str(host.resolve()) if host is not None and not line_offset else \
        f"{file}:{line_offset}"
    return parser.parse_file("\n" * line_offset + text, file, host or Path(file), 0, key), notes


def walk(directives: list[Directive]) -> Iterator[tuple[Directive, tuple[Directive, ...]]]:
    """Every directive with the blocks that enclose it, outermost first."""
    stack: list[tuple[list[Directive], tuple[Directive, ...]]] = [(directives, ())]
    while stack:
        block, parents = stack.pop()
        for directive in block:
            yield directive, parents
            if directive.block is not None:
                stack.append((directive.block, (*parents, directive)))
