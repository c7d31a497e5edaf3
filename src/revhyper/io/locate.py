"""Find where a key path sits in a TOML or JSON source, for error messages.

``tomllib`` and ``json`` give values without positions. When something is wrong we scan the
(already parsed) source once more and record, for every key path, the offset of its key and of its
value; an index of line starts, built once, turns an offset into a line and a column (in characters).
So placing any number of problems costs one pass over the text, however many there are. Nothing here
runs on the happy path.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from typing import Union

PathPart = Union[str, int]
Path = tuple[PathPart, ...]
Position = tuple[int, int]  # 1-based line, 1-based column


class Locations:
    """Key and value positions of one document, with fallback to the nearest parent."""

    def __init__(self, text: str, kind: str):
        self.keys: dict[Path, int] = {}  # key path -> offset in the text
        self.values: dict[Path, int] = {}
        self.duplicates: list[tuple[Path, int, int]] = []
        """JSON keys written twice in one object: (key path, offset of the repeat, offset of the first)."""
        self._text = text
        self._line_starts: list[int] | None = None
        P.compile()
        try:
            if kind == "json":
                _JsonScanner(text, self).scan()
            else:
                _TomlScanner(text, self).scan()
        except (IndexError, ValueError, RecursionError):
            pass  # best effort: whatever was recorded before the surprise still helps

    def key(self, path: Path) -> Position | None:
        """Where the key of ``path`` (or of its nearest recorded parent) is written."""
        return self.position(self._find(path, self.keys, self.values))

    def value(self, path: Path) -> Position | None:
        """Where the value of ``path`` (or of its nearest recorded parent) starts."""
        return self.position(self._find(path, self.values, self.keys))

    def position(self, offset: int | None) -> Position | None:
        """The 1-based line and column (in characters) of an offset in the text."""
        if offset is None:
            return None
        if self._line_starts is None:  # once per document, however many problems are placed
            self._line_starts = [0] + [m.end() for m in re.finditer("\n", self._text)]
        line = bisect_right(self._line_starts, offset)
        return line, offset - self._line_starts[line - 1] + 1

    @staticmethod
    def _find(path: Path, first: dict, second: dict) -> int | None:
        path = tuple(path)
        while True:
            for table in (first, second):
                if path in table:
                    return table[path]
            if not path:
                return None
            path = path[:-1]

    def value_text_offset(self, path: Path) -> tuple[int, int, str] | None:
        """Line, column and opening quote of a string value, to place errors inside it."""
        offset = self.values.get(tuple(path))
        if offset is None:
            return None
        rest = self._text[offset : offset + 3]
        for quote in ('"""', "'''", '"', "'"):
            if rest.startswith(quote):
                line, column = self.position(offset)  # type: ignore[misc]
                return line, column, quote
        return None


class _Patterns:
    """The scanners' patterns, compiled on first use: a run that finds no problem never needs them."""

    compiled = False
    json_token: re.Pattern
    blank: re.Pattern
    blank_lines: re.Pattern
    blank_comment: re.Pattern
    bare_key: re.Pattern
    toml_scalar: re.Pattern
    simple_item: re.Pattern
    """An array item that is a one-line string or a bare value (number, date, boolean), up to the comma or bracket."""
    basic: re.Pattern
    literal: re.Pattern
    multi_basic: re.Pattern
    multi_literal: re.Pattern

    @classmethod
    def compile(cls) -> None:
        if cls.compiled:
            return
        cls.json_token = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\],:]|[^\s{}\[\],:"]+')
        cls.blank = re.compile(r"[ \t\r]*")
        cls.blank_lines = re.compile(r"(?:[ \t\r\n]|#[^\n]*)*")
        cls.blank_comment = re.compile(r"(?:[ \t\r]|#[^\n]*)*")
        cls.bare_key = re.compile(r"[\w-]*")
        cls.toml_scalar = re.compile(r"[^,\]}\n#]*")
        cls.simple_item = re.compile(r"""(?:"(?:[^"\\\n]|\\.)*"|'[^'\n]*'|[^\s,\[\]{}#"']+)(?=[ \t\r\n]*[,\]#])""")
        cls.basic = re.compile(r'"((?:[^"\\\n]|\\.)*)"?')
        cls.literal = re.compile(r"'([^'\n]*)'?")
        cls.multi_basic = re.compile(r'"""((?:[^"\\]|\\.|"(?!""))*)(?:"""("{0,2})|\Z)', re.S)
        cls.multi_literal = re.compile(r"'''((?:[^']|'(?!''))*)(?:'''('{0,2})|\Z)", re.S)
        cls.compiled = True


P = _Patterns


class _Cursor:
    def __init__(self, text: str, sink: Locations):
        self.t = text
        self.i = 0
        self.sink = sink

    def peek(self, n: int = 1) -> str:
        return self.t[self.i : self.i + n]

    def advance(self, n: int = 1) -> None:
        self.i = min(self.i + n, len(self.t))

    def skip(self, pattern: re.Pattern) -> re.Match:
        match = pattern.match(self.t, self.i)
        assert match is not None  # every pattern used here can match nothing
        self.i = match.end()
        return match

    def at_end(self) -> bool:
        return self.i >= len(self.t)


MAX_JSON_DEPTH = 200
"""Nesting past which the JSON scanner stops placing keys (a profile is 3 deep; Python's json refuses ~1,000)."""


class _TomlScanner(_Cursor):
    def scan(self) -> None:
        table: Path = ()
        array_counts: dict[Path, int] = {}
        while not self.at_end():
            self.skip(P.blank_lines)
            if self.at_end():
                break
            if self.peek(2) == "[[":
                start = self.i
                self.advance(2)
                keys = self._key()
                self._skip_to_eol()
                index = array_counts.get(keys, 0)
                array_counts[keys] = index + 1
                table = keys + (index,)
                self.sink.keys.setdefault(keys, start)
                self.sink.keys[table] = start
                self.sink.values[table] = start
            elif self.peek() == "[":
                start = self.i
                self.advance()
                table = self._key()
                self._skip_to_eol()
                self.sink.keys[table] = start
                self.sink.values.setdefault(table, start)
            else:
                self._key_value(table)
                self._skip_to_eol()

    def _skip_to_eol(self) -> None:
        end = self.t.find("\n", self.i)
        self.i = len(self.t) if end < 0 else end

    def _key(self) -> Path:
        parts: list[str] = []
        while True:
            self.skip(P.blank)
            if self.peek() in ("\"", "'"):
                parts.append(self._string())
            else:
                parts.append(self.skip(P.bare_key).group())
            self.skip(P.blank)
            if self.peek() == ".":
                self.advance()
                continue
            if self.peek(2) == "]]":
                self.advance(2)
            elif self.peek() == "]":
                self.advance()
            return tuple(parts)

    def _key_value(self, table: Path) -> None:
        start = self.i
        keys = self._key()
        path = table + keys
        self.sink.keys[path] = start
        self.skip(P.blank)
        if self.peek() == "=":
            self.advance()
        self.skip(P.blank)
        self._value(path)

    def _value(self, path: Path) -> None:
        self.sink.values[path] = self.i
        c = self.peek()
        if c in ("\"", "'"):
            self._string()
        elif c == "[":
            self.advance()
            index = 0
            while not self.at_end():
                self.skip(P.blank_lines)
                if self.peek() == "]":
                    self.advance()
                    return
                if self.peek() == ",":
                    self.advance()
                    continue
                self.sink.keys[path + (index,)] = self.i
                simple = P.simple_item.match(self.t, self.i)
                if simple:  # a string or a number, the usual item: one step
                    self.sink.values[path + (index,)] = self.i
                    self.i = simple.end()
                    index += 1
                    continue
                before = self.i
                self._value(path + (index,))
                index += 1
                if self.i == before:  # a character no value starts with: step over it
                    self.advance()
        elif c == "{":
            self.advance()
            while not self.at_end():
                self.skip(P.blank_comment)
                if self.peek() in ("}", "\n", ""):
                    self.advance()
                    return
                if self.peek() == ",":
                    self.advance()
                    continue
                before = self.i
                self._key_value(path)
                if self.i == before:
                    self.advance()
        else:
            self.skip(P.toml_scalar)

    def _string(self) -> str:
        three = self.peek(3)
        if three in ('"""', "'''"):
            match = self.skip(P.multi_basic if three == '"""' else P.multi_literal)
            return match.group(1) + (match.group(2) or "")
        match = self.skip(P.basic if three[:1] == '"' else P.literal)
        text = match.group(1)
        if three[:1] == '"' and "\\" in text:  # a quoted key with escapes, as tomllib reads it
            text = _unescape(text)
        return text


def _unescape(text: str) -> str:
    """A TOML basic string's escapes, decoded (they are JSON's, plus \\UXXXXXXXX and \\e)."""
    import json

    def one(match: re.Match) -> str:
        escape = match.group(1)
        if escape == "e":
            return "\\u001b"
        if len(escape) == 9:
            return json.dumps(chr(int(escape[1:], 16)))[1:-1]
        return match.group()

    try:
        return json.loads('"' + re.sub(r"\\(U[0-9A-Fa-f]{8}|.)", one, text) + '"')
    except (ValueError, OverflowError):
        return text


class _JsonScanner(_Cursor):
    """One pass over the tokens with a stack of open objects and arrays: no recursion, about a microsecond a token."""

    def scan(self) -> None:
        from json.decoder import scanstring  # type: ignore[attr-defined]

        keys, values, duplicates = self.sink.keys, self.sink.values, self.sink.duplicates
        # an open object: [path, its pending key (None when a key comes next), keys seen]; an open array: [path, index]
        stack: list[list] = []
        for match in P.json_token.finditer(self.t):
            token = match.group()
            start = match.start()
            first = token[0]
            if first in ",:":
                if first == "," and stack and len(stack[-1]) == 3:
                    stack[-1][1] = None
                continue
            if first in "}]":
                if stack:
                    stack.pop()
                continue
            top = stack[-1] if stack else None
            if top is not None and len(top) == 3 and top[1] is None:  # a key
                if first != '"':
                    raise ValueError("not a key")
                key = scanstring(token, 1, False)[0] if "\\" in token else token[1:-1]
                path = top[0] + (key,)
                seen = top[2]
                if key in seen:
                    duplicates.append((path, start, seen[key]))
                else:
                    seen[key] = start
                keys[path] = start
                top[1] = key
                continue
            if top is None:
                path = ()
            elif len(top) == 3:
                path = top[0] + (top[1],)
            else:
                path = top[0] + (top[1],)
                keys[path] = start
                top[1] += 1
            values[path] = start
            if first in "{[" and len(stack) >= MAX_JSON_DEPTH:
                return  # deeper than any profile: the parser refuses it; copying every deeper path would cost n^2 memory
            if first == "{":
                stack.append([path, None, {}])
            elif first == "[":
                stack.append([path, 0])


def format_path(path: Path) -> str:
    """``("history", "surgeries", 0, "procedure")`` -> ``history.surgeries[0].procedure``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += ("." if text else "") + part
    return text
