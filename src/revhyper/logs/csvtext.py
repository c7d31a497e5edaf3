"""CSV records with their line and each field's column, for messages that point at a cell."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from ..errors import LogError, Problem


def records(text: str, delimiter: str = ",") -> Iterator[tuple[int, list[str], list[int | None]]]:
    """(line, fields, columns) for every non-blank record. ``line`` is where the record starts; a field's column
    is 1-based on that line (None for a field after a line break inside quotes)."""
    lines = text.splitlines()
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    start = 1
    for fields in reader:
        line = start
        start = reader.line_num + 1
        if not any(field.strip() for field in fields):
            continue
        yield line, fields, _columns(lines[line - 1] if line - 1 < len(lines) else "", delimiter, len(fields))


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
