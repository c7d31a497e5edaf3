"""Find where a key path sits in a TOML or JSON source, for error messages.

``tomllib`` and ``json`` give values without positions. When something is wrong we scan the
(already valid) source once more and record, for every key path, the line and column of its
key and of its value. Nothing here runs on the happy path.
"""

from __future__ import annotations

from typing import Union

PathPart = Union[str, int]
Path = tuple[PathPart, ...]
Position = tuple[int, int]  # 1-based line, 1-based column


class Locations:
    """Key and value positions of one document, with fallback to the nearest parent."""

    def __init__(self, text: str, kind: str):
        self.keys: dict[Path, Position] = {}
        self.values: dict[Path, Position] = {}
        self._text = text
        try:
            if kind == "json":
                _JsonScanner(text, self).scan()
            else:
                _TomlScanner(text, self).scan()
        except (IndexError, ValueError, RecursionError):
            pass  # best effort: whatever was recorded before the surprise still helps

    def key(self, path: Path) -> Position | None:
        """Where the key of ``path`` (or of its nearest recorded parent) is written."""
        return self._find(path, self.keys, self.values)

    def value(self, path: Path) -> Position | None:
        """Where the value of ``path`` (or of its nearest recorded parent) starts."""
        return self._find(path, self.values, self.keys)

    @staticmethod
    def _find(path: Path, first: dict, second: dict) -> Position | None:
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
        pos = self.values.get(tuple(path))
        if pos is None:
            return None
        line, col = pos
        lines = self._text.splitlines()
        if line - 1 >= len(lines):
            return None
        rest = lines[line - 1][col - 1 :]
        for quote in ('"""', "'''", '"', "'"):
            if rest.startswith(quote):
                return line, col, quote
        return None


class _Cursor:
    def __init__(self, text: str, sink: Locations):
        self.t = text
        self.i = 0
        self.line = 1
        self.col = 1
        self.sink = sink

    def peek(self, n: int = 1) -> str:
        return self.t[self.i : self.i + n]

    def advance(self, n: int = 1) -> None:
        for _ in range(n):
            if self.i >= len(self.t):
                return
            if self.t[self.i] == "\n":
                self.line += 1
                self.col = 1
            else:
                self.col += 1
            self.i += 1

    def pos(self) -> Position:
        return (self.line, self.col)

    def at_end(self) -> bool:
        return self.i >= len(self.t)


class _TomlScanner(_Cursor):
    def scan(self) -> None:
        table: Path = ()
        array_counts: dict[Path, int] = {}
        while not self.at_end():
            self._skip_blank(newlines=True)
            if self.at_end():
                break
            if self.peek(2) == "[[":
                start = self.pos()
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
                start = self.pos()
                self.advance()
                table = self._key()
                self._skip_to_eol()
                self.sink.keys[table] = start
                self.sink.values.setdefault(table, start)
            else:
                self._key_value(table)
                self._skip_to_eol()

    def _skip_blank(self, newlines: bool) -> None:
        while not self.at_end():
            c = self.peek()
            if c in " \t\r" or (newlines and c == "\n"):
                self.advance()
            elif c == "#":
                while not self.at_end() and self.peek() != "\n":
                    self.advance()
            else:
                return

    def _skip_to_eol(self) -> None:
        while not self.at_end() and self.peek() != "\n":
            self.advance()

    def _key(self) -> Path:
        parts: list[str] = []
        while True:
            self._skip_blank(newlines=False)
            c = self.peek()
            if c in "\"'":
                parts.append(self._string())
            else:
                start = self.i
                while not self.at_end() and (self.peek().isalnum() or self.peek() in "_-"):
                    self.advance()
                parts.append(self.t[start : self.i])
            self._skip_blank(newlines=False)
            if self.peek() == ".":
                self.advance()
                continue
            if self.peek(2) == "]]":
                self.advance(2)
            elif self.peek() == "]":
                self.advance()
            return tuple(parts)

    def _key_value(self, table: Path) -> None:
        start = self.pos()
        keys = self._key()
        path = table + keys
        self.sink.keys[path] = start
        self._skip_blank(newlines=False)
        if self.peek() == "=":
            self.advance()
        self._skip_blank(newlines=False)
        self._value(path)

    def _value(self, path: Path) -> None:
        self.sink.values[path] = self.pos()
        c = self.peek()
        if c in "\"'":
            self._string()
        elif c == "[":
            self.advance()
            index = 0
            while not self.at_end():
                self._skip_blank(newlines=True)
                if self.peek() == "]":
                    self.advance()
                    return
                if self.peek() == ",":
                    self.advance()
                    continue
                self.sink.keys[path + (index,)] = self.pos()
                self._value(path + (index,))
                index += 1
        elif c == "{":
            self.advance()
            while not self.at_end():
                self._skip_blank(newlines=False)
                if self.peek() == "}":
                    self.advance()
                    return
                if self.peek() == ",":
                    self.advance()
                    continue
                self._key_value(path)
        else:
            while not self.at_end() and self.peek() not in ",]}\n#":
                self.advance()

    def _string(self) -> str:
        for quote in ('"""', "'''"):
            if self.peek(3) == quote:
                self.advance(3)
                start = self.i
                while not self.at_end() and self.peek(3) != quote:
                    if quote == '"""' and self.peek() == "\\":
                        self.advance()
                    self.advance()
                text = self.t[start : self.i]
                self.advance(3)
                while self.peek() == quote[0]:  # up to two quotes may close the string
                    self.advance()
                return text
        quote = self.peek()
        self.advance()
        start = self.i
        while not self.at_end() and self.peek() != quote and self.peek() != "\n":
            if quote == '"' and self.peek() == "\\":
                self.advance()
            self.advance()
        text = self.t[start : self.i]
        self.advance()
        return text


class _JsonScanner(_Cursor):
    def scan(self) -> None:
        self._ws()
        self._value(())

    def _ws(self) -> None:
        while not self.at_end() and self.peek() in " \t\r\n":
            self.advance()

    def _value(self, path: Path) -> None:
        self._ws()
        self.sink.values[path] = self.pos()
        c = self.peek()
        if c == "{":
            self.advance()
            while not self.at_end():
                self._ws()
                if self.peek() == "}":
                    self.advance()
                    return
                if self.peek() == ",":
                    self.advance()
                    continue
                start = self.pos()
                key = self._string()
                self.sink.keys[path + (key,)] = start
                self._ws()
                self.advance()  # the colon
                self._value(path + (key,))
        elif c == "[":
            self.advance()
            index = 0
            while not self.at_end():
                self._ws()
                if self.peek() == "]":
                    self.advance()
                    return
                if self.peek() == ",":
                    self.advance()
                    continue
                self.sink.keys[path + (index,)] = self.pos()
                self._value(path + (index,))
                index += 1
        elif c == '"':
            self._string()
        else:
            while not self.at_end() and self.peek() not in ",]}\n \t\r":
                self.advance()

    def _string(self) -> str:
        self.advance()
        out = []
        while not self.at_end() and self.peek() != '"':
            if self.peek() == "\\":
                self.advance()
            out.append(self.peek())
            self.advance()
        self.advance()
        return "".join(out)


def format_path(path: Path) -> str:
    """``("history", "surgeries", 0, "procedure")`` -> ``history.surgeries[0].procedure``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += ("." if text else "") + part
    return text
