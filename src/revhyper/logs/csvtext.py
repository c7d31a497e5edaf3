"""CSV records with their line and each field's column, for messages that point at a cell."""

from __future__ import annotations

import csv
import functools
import io
from collections.abc import Callable, Iterator, Mapping

from ..errors import LogError, Problem


class Columns(Mapping[str, int]):
    """Field name -> 1-based column, worked out only when a message needs one (never on the happy path)."""

    __slots__ = ("_compute", "_found")

    def __init__(self, compute: Callable[[], dict[str, int]]):
        self._compute = compute
        self._found: dict[str, int] | None = None

    def _all(self) -> dict[str, int]:
        if self._found is None:
            self._found = self._compute()
        return self._found

    def __getitem__(self, key: str) -> int:
        return self._all()[key]

    def __iter__(self):
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Mapping) and dict(self.items()) == dict(other.items())

    __hash__ = None  # type: ignore[assignment]


def records(text: str, delimiter: str = ",") -> Iterator[tuple[int, list[str], Callable[[], list[int | None]]]]:
    """(line, fields, columns) for every non-blank record. ``line`` is where the record starts; ``columns()`` gives
    each field's 1-based column on that line (None for a field after a line break inside quotes)."""
    lines = text.splitlines()
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    start = 1
    for fields in reader:
        line = start
        start = reader.line_num + 1
        if not any(fields) or not any(field.strip() for field in fields):
            continue
        raw = lines[line - 1] if line - 1 < len(lines) else ""
        yield line, fields, functools.partial(_columns, raw, delimiter, len(fields))


def columns_of(columns: Callable[[], list[int | None]], index: Mapping[str, int]) -> Columns:
    """The lazy columns of the fields named in ``index`` (field name -> position in the record)."""
    def compute() -> dict[str, int]:
        found = columns()
        return {key: column for key, position in index.items() if (column := found[position]) is not None}
    return Columns(compute)


def _columns(raw: str, delimiter: str, count: int) -> list[int | None]:
    out: list[int | None] = []
    index, quoted = 0, False
    out.append(1)
    while index < len(raw) and len(out) < count:
        char = raw[index]
        if char == '"':
            quoted = not quoted
        elif char == delimiter and not quoted:
            out.append(index + 2)
        index += 1
    return out + [None] * (count - len(out))


def header_problem(file: str, message: str, column: int | None = None, suggestion: str | None = None) -> LogError:
    return LogError([Problem(file, "header", message, 1, column, suggestion)])


def delimiter_of(first_line: str) -> str:
    """``;`` when the header has more of them than commas (some of Strong's exports), else ``,``."""
    return ";" if first_line.count(";") > first_line.count(",") else ","


def first_line(data: bytes) -> str:
    return data[:4096].decode("utf-8-sig", "replace").splitlines()[0] if data.strip() else ""
