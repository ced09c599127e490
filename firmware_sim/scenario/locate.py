"""Line numbers of the tables, keys and array items of a TOML text, found by a small scanner (tomllib has none)."""

from __future__ import annotations

import contextlib
import re
import tomllib

KeyPath = tuple[str | int, ...]
"""Where a value sits: table and key names, with the index of array items (``("timeline", 2, "device")``)."""

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_SCALAR = re.compile(r"[^\s,\]}#]+(?: \d\d:[^\s,\]}#]+)?")  # a date-time may hold one space


class SourceMap:
    """The line each table, key and array item of a TOML text starts on."""

    def __init__(self, lines: dict[KeyPath, int]) -> None:
        self.lines = lines

    @classmethod
    def of(cls, text: str) -> SourceMap:
        """Scan ``text`` (which should already parse as TOML; anything unexpected ends the scan early)."""
        scanner = _Scanner(text)
        with contextlib.suppress(_StopError, IndexError, ValueError):
            scanner.document()
        return cls(scanner.lines)

    def line(self, *path: str | int) -> int | None:
        """The line of ``path``, else of its nearest enclosing table or key that was found, else None."""
        for end in range(len(path), 0, -1):
            found = self.lines.get(path[:end])
            if found is not None:
                return found
        return None

    def exact(self, *path: str | int) -> int | None:
        """The line of exactly ``path``, or None."""
        return self.lines.get(path)


class _StopError(Exception):
    """The scanner met something it does not follow."""


class _Scanner:
    """A forgiving recursive-descent walk over TOML that records where things start."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.line = 1
        self.lines: dict[KeyPath, int] = {}
        self.arrays: dict[KeyPath, int] = {}

    # characters -------------------------------------------------------------------------------------------
    def peek(self, n: int = 1) -> str:
        return self.text[self.pos:self.pos + n]

    def advance(self, n: int = 1) -> None:
        self.line += self.text.count("\n", self.pos, self.pos + n)
        self.pos += n

    def skip_blank(self, newlines: bool = False) -> None:
        while self.pos < len(self.text):
            c = self.text[self.pos]
            if c in " \t" or (newlines and c in "\r\n"):
                self.advance()
            elif newlines and c == "#":
                self.skip_line()
            else:
                return

    def skip_line(self) -> None:
        end = self.text.find("\n", self.pos)
        self.advance((len(self.text) if end < 0 else end) - self.pos)

    def expect(self, token: str) -> None:
        if self.peek(len(token)) != token:
            raise _StopError
        self.advance(len(token))

    # structure ---------------------------------------------------------------------------------------------
    def document(self) -> None:
        table: KeyPath = ()
        while True:
            self.skip_blank(newlines=True)
            if self.pos >= len(self.text):
                return
            if self.peek() == "[":
                table = self.header()
            else:
                self.keyval(table)
            self.skip_line()

    def header(self) -> KeyPath:
        start = self.line
        array = self.peek(2) == "[["
        self.advance(2 if array else 1)
        parts = self.key()
        self.expect("]]" if array else "]")
        path: KeyPath = ()
        for i, part in enumerate(parts):
            path += (part,)
            if array and i == len(parts) - 1:
                count = self.arrays.get(path, 0)
                self.arrays[path] = count + 1
                self.lines.setdefault(path, start)
                path += (count,)
            elif path in self.arrays:
                path += (self.arrays[path] - 1,)
            self.lines.setdefault(path, start)
        self.lines[path] = start
        return path

    def key(self) -> list[str]:
        parts = []
        while True:
            self.skip_blank()
            c = self.peek()
            if c in ('"', "'"):
                start = self.pos
                self.string()
                raw = self.text[start:self.pos]
                parts.append(tomllib.loads(f"k = {raw}")["k"] if c == '"' else raw[1:-1])
            else:
                match = _BARE_KEY.match(self.text, self.pos)
                if match is None:
                    raise _StopError
                parts.append(match.group())
                self.advance(match.end() - self.pos)
            self.skip_blank()
            if self.peek() != ".":
                return parts
            self.advance()

    def keyval(self, table: KeyPath) -> None:
        start = self.line
        path = table + tuple(self.key())
        for end in range(len(table) + 1, len(path)):
            self.lines.setdefault(path[:end], start)
        self.lines[path] = start
        self.expect("=")
        self.skip_blank()
        self.value(path)

    def value(self, path: KeyPath) -> None:
        c = self.peek()
        if c == "{":
            self.advance()
            while True:
                self.skip_blank()
                if self.peek() == "}":
                    self.advance()
                    return
                self.keyval(path)
                self.skip_blank()
                if self.peek() == ",":
                    self.advance()
        elif c == "[":
            self.advance()
            index = 0
            while True:
                self.skip_blank(newlines=True)
                if self.peek() == "]":
                    self.advance()
                    return
                self.lines.setdefault((*path, index), self.line)
                self.value((*path, index))
                index += 1
                self.skip_blank(newlines=True)
                if self.peek() == ",":
                    self.advance()
        elif c in ('"', "'"):
            self.string()
        else:
            match = _SCALAR.match(self.text, self.pos)
            if match is None:
                raise _StopError
            self.advance(match.end() - self.pos)

    def string(self) -> None:
        quote = self.peek()
        if self.peek(3) == quote * 3:
            self.advance(3)
            while self.peek(3) != quote * 3:
                if self.pos >= len(self.text):
                    raise _StopError
                self.advance(2 if quote == '"' and self.peek() == "\\" else 1)
            self.advance(3)
            while self.peek() == quote:  # up to two quotes may end the content
                self.advance()
            return
        self.advance()
        while self.peek() != quote:
            if self.pos >= len(self.text) or self.peek() == "\n":
                raise _StopError
            self.advance(2 if quote == '"' and self.peek() == "\\" else 1)
        self.advance()


_TOKEN = re.compile(r'"""|\'\'\'|["\'#\[\]{}\n\\.=,]')
_KEY_SHOWN = 40
"""The first characters of a dotted key that an error shows."""
_KEY_BEFORE = re.compile(r"\s*(.*?)\s*=\s*$")


def too_deep(text: str, limit: int) -> tuple[int, str] | None:
    """The line where tables, arrays and inline tables first nest deeper than ``limit``, with the key they belong to.

    A cheap scan made before the TOML parser, whose recursion deep brackets would exhaust and whose time and
    memory grow with the square of a dotted key's length. Outside strings and comments it counts brackets and the
    parts of dotted keys and table headers (``a.b.c = 1`` is two tables deep, ``[a.b]`` two).
    """
    scan = _DepthScan(text, limit)
    for match in _TOKEN.finditer(text):
        found = scan.token(match)
        if found is not None:
            return found
    return None


class _DepthScan:
    """The state of ``too_deep``'s scan: strings, comments, open brackets and the dotted key being read."""

    def __init__(self, text: str, limit: int) -> None:
        self.text, self.limit = text, limit
        self.line = 1
        self.quote: str | None = None
        self.comment = False
        self.opened: list[tuple[str, int]] = []  # each open bracket and the dots of the key it is the value of
        self.outer = 0  # dots of the keys whose values are the open brackets
        self.header = 0  # tables the current [header] opens
        self.in_header = False
        self.key_from: int | None = 0  # where the key being read starts (None: not reading a key)
        self.dots = 0  # dots of the key being read, or of the key just before ``=``
        self.bracket_key = ""  # the key of the outermost open bracket

    def token(self, match: re.Match[str]) -> tuple[int, str] | None:
        """Take one token; the line and key where the nesting first goes past the limit, else None."""
        token = match.group()
        if token == "\n":
            self.newline(match.end())
        elif self.comment:
            pass
        elif self.quote is not None:
            if token == "\\" and self.quote in ('"', '"""'):
                return None  # an escape: the next token may be a quote it escapes, handled below
            if token == self.quote and not (self.quote[0] == '"' and _escaped(self.text, match.start())):
                self.quote = None
        elif token in ('"', "'", '"""', "'''"):
            self.quote = token
        elif token == "#":
            self.comment = True
        elif token == ".":
            return self.dot(match.start())
        elif token == "=":
            self.key_from = None
        elif token == ",":
            self.dots = 0
            if self.opened and self.opened[-1][0] == "{":
                self.start_key(match.end())
        elif token == "[" and not self.opened and self.key_from is not None:
            if not self.in_header:  # a [table] or [[array of tables]] header; its dots count as keys
                self.in_header, self.dots = True, 0
                self.key_from = match.end()
        elif token in "[{":
            return self.push(token, match)
        elif token == "]" and self.in_header:
            self.header, self.in_header, self.key_from = self.dots + 1, False, None
        elif token in "]}":
            if self.opened:
                self.outer -= self.opened.pop()[1]
            self.key_from, self.dots = None, 0
        return None

    def newline(self, end: int) -> None:
        self.line += 1
        self.comment = False
        if self.quote in ('"', "'"):
            self.quote = None  # an unclosed one-line string: the parser reports it
        if self.quote is None and not self.opened:
            self.in_header = False
            self.start_key(end)

    def start_key(self, at: int) -> None:
        self.key_from, self.dots = at, 0

    def dot(self, at: int) -> tuple[int, str] | None:
        if self.key_from is None:
            return None  # a dot in a value (a number, a time)
        self.dots += 1
        depth = self.dots + (1 if self.in_header else self.header + len(self.opened) + self.outer)
        if depth <= self.limit:
            return None
        key = self.text[self.key_from:at].strip()
        return self.line, key if len(key) <= _KEY_SHOWN else key[:_KEY_SHOWN] + "…"

    def push(self, token: str, match: re.Match[str]) -> tuple[int, str] | None:
        dots = self.dots if self.key_from is None else 0
        if not self.opened:
            start = self.text.rfind("\n", 0, match.start()) + 1
            found = _KEY_BEFORE.fullmatch(self.text, start, match.start())
            self.bracket_key = found[1] if found else ""
        self.opened.append((token, dots))
        self.outer += dots
        self.dots = 0
        if token == "{":
            self.start_key(match.end())
        else:
            self.key_from = None
        if self.header + len(self.opened) + self.outer > self.limit:
            return self.line, self.bracket_key
        return None


def _escaped(text: str, position: int) -> bool:
    """True when the character at ``position`` follows an odd number of backslashes."""
    count = 0
    while position > count and text[position - count - 1] == "\\":
        count += 1
    return count % 2 == 1
