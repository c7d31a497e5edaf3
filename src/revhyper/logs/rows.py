"""What a log reader hands over, and the one check that turns it into a :class:`TrainingLog`.

A reader (built in, or a plugin's: ``revhyper_register_log_readers``) only parses its platform's file into
:class:`LogRow` values, raw as written (text or numbers) and with their line and column. Everything else is
done here, the same for every reader: the exercise name is mapped to a variant, each value is checked, a
session's pain is checked to be one value, sets are numbered, and every problem is reported at once.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Mapping
from typing import Any

import attrs

from ..errors import LogError, Problem
from ..io.suggest import did_you_mean
from .model import SESSION_FIELDS, LogEntry, TrainingLog

MAX_BYTES = 16_000_000
"""The largest log file read: years of an app's export are a few megabytes."""
MAX_NOTE = 500


@attrs.frozen
class LogRow:
    """One set as a reader found it. Values are raw (text as written, or numbers); ``None`` or ``""`` is absent.

    ``exercise`` is a variant id when ``named_by`` is ``"variant"`` (revhyper's own log: an unknown id is an
    error), else the platform's exercise name, looked up in the exercise map (an unknown name is skipped and
    counted). ``set`` may be ``None``: sets are then numbered per day and variant in the order of the rows.
    ``columns`` gives the 1-based column of each field, for messages; ``place`` names the row in a file that has
    no lines (``set_mesgs[3]``), and prefixes the key path of its problems.
    """

    line: int | None
    date: Any
    exercise: Any
    reps: Any
    set: Any = None
    load_kg: Any = None
    rpe: Any = None
    pain_during: Any = None
    pain_next_morning: Any = None
    note: Any = None
    named_by: str = "name"
    columns: Mapping[str, int] = attrs.field(factory=dict)
    place: str = ""  # where the row is in a file without lines (a FIT file's "set_mesgs[3]"): prefixes the key path


@attrs.frozen
class ReadResult:
    """A reader's answer: the rows, what it left out on purpose (in words), and problems it found itself."""

    rows: tuple[LogRow, ...] = ()
    skipped: tuple[str, ...] = ()
    problems: tuple[Problem, ...] = ()
    weight_unit_assumed: bool = False  # the export did not say kg or lb; weights were read as the map's unit


@attrs.frozen
class ReadOptions:
    """What the user told revhyper about the file: the unit of weights when the export does not say."""

    weight_unit: str = "kg"


@attrs.frozen
class LogReader:
    """A log format: ``read(data, file_name, options)`` parses a file's bytes into a :class:`ReadResult`.

    ``sniff(head)`` says whether the first bytes (up to 4,096) look like this format (used when no format is
    named); ``suffixes`` are file suffixes it reads (``.csv``); ``exercise_names`` maps the platform's exercise
    names to the rule set's variant ids (the user's exercise map extends and overrides it).
    """

    name: str
    description: str
    read: Callable[[bytes, str, ReadOptions], ReadResult]
    suffixes: tuple[str, ...] = ()
    sniff: Callable[[bytes], bool] | None = None
    exercise_names: Mapping[str, str] = attrs.field(factory=dict)
    provider: str = ""


NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
LB = 0.45359237


def shown(value: Any) -> str:
    """A value as a message shows it: short, and with control characters and lone surrogates escaped."""
    if isinstance(value, str):
        text = value if len(value) <= 40 else value[:37] + "..."
        safe = "".join(c if c.isprintable() and not 0xD800 <= ord(c) <= 0xDFFF else
                       c.encode("unicode_escape", "backslashreplace").decode("ascii") for c in text)
        return f"'{safe}'"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and math.isfinite(value):
        return f"{value:g}"
    return str(value) if isinstance(value, (int, float)) else type(value).__name__


UNSAFE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\ud800-\udfff]")


def unsafe_character(text: str) -> str | None:
    """The first control character or lone surrogate in ``text``, described, or None."""
    if text.isprintable() or not UNSAFE.search(text):
        return None
    for char in text:
        code = ord(char)
        if 0xD800 <= code <= 0xDFFF:
            return f"a lone surrogate (U+{code:04X})"
        if (code < 32 and char != "\t") or 0x7F <= code <= 0x9F:
            return f"a control character (U+{code:04X})"
    return None


class _Checker:
    def __init__(self, file: str):
        self.file = file
        self.problems: list[Problem] = []
        self.dates: dict[str, dt.date] = {}  # a log repeats each date on every row of its session

    def error(self, row: LogRow, key: str, message: str, suggestion: str | None = None) -> None:
        path = f"{row.place}.{key}" if row.place else key
        self.problems.append(Problem(self.file, path, message, row.line, row.columns.get(key), suggestion))

    def absent(self, value: Any) -> bool:
        return value is None or (isinstance(value, str) and not value.strip())

    def number(self, row: LogRow, key: str, low: float, high: float, whole: bool) -> Any:
        value = getattr(row, key)
        if value is None or value == "":
            return None
        if type(value) is str:
            if value.isdigit() and value.isascii() and (whole or len(value) < 16):  # the usual cell: "12"
                number: float = int(value)
                if low <= number <= high:
                    return number
            elif not whole and NUMBER.fullmatch(value):  # "22.5"
                number = float(value)
                if low <= number <= high and math.isfinite(number):
                    return number
        return self._number(row, key, value, low, high, whole)

    def _number(self, row: LogRow, key: str, value: Any, low: float, high: float, whole: bool) -> Any:
        if self.absent(value):
            return None
        what = f"a whole number from {low:g} to {high:g}" if whole else f"a number from {low:g} to {high:g}"
        if isinstance(value, str):
            text = value.strip()
            if text.lower().lstrip("+-") in ("nan", "inf", "infinity"):
                self.error(row, key, f"expected {what}, got {shown(value)}: not a finite number")
                return None
            if not NUMBER.fullmatch(text):
                self.error(row, key, f"expected {what}, got {shown(value)}")
                return None
            number: float = int(text) if whole and text.lstrip("+-").isdigit() else float(text)
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            number = value
        else:
            self.error(row, key, f"expected {what}, got {shown(value)}")
            return None
        if isinstance(number, float) and not math.isfinite(number):
            self.error(row, key, f"expected {what}, got {shown(value)}: not a finite number")
            return None
        if whole and number != int(number):
            self.error(row, key, f"expected {what}, got {shown(value)}")
            return None
        if not low <= number <= high:
            self.error(row, key, f"expected {what}, got {shown(number)}")
            return None
        return int(number) if whole else number

    def date(self, row: LogRow) -> dt.date | None:
        value = row.date
        if type(value) is str and value in self.dates:
            return self.dates[value]
        found = self._date(row, value)
        if found is not None and type(value) is str:
            self.dates[value] = found
        return found

    def _date(self, row: LogRow, value: Any) -> dt.date | None:
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str) and DATE.fullmatch(value.strip()):
            try:
                return dt.date.fromisoformat(value.strip())
            except ValueError:
                pass
        if self.absent(value):
            self.error(row, "date", "the date is missing: give it as YYYY-MM-DD")
        else:
            self.error(row, "date", f"expected a date YYYY-MM-DD, got {shown(value)}")
        return None

    def text(self, row: LogRow, key: str, value: Any, limit: int) -> str | None:
        if value is None or value == "":
            return ""
        if type(value) is str and len(value) <= limit and value.isprintable():  # the usual cell
            return value.strip()
        if self.absent(value):
            return ""
        if not isinstance(value, str):
            self.error(row, key, f"expected text, got {shown(value)}")
            return None
        bad = unsafe_character(value)
        if bad:
            self.error(row, key, f"{shown(value)} contains {bad}; remove it")
            return None
        if len(value) > limit:
            self.error(row, key, f"longer than {limit} characters ({len(value)})")
            return None
        return value.strip()


def build_log(result: ReadResult, *, variants: Mapping[str, Any], names: Mapping[str, str], file: str,
              reader: str) -> TrainingLog:
    """Check every row of ``result`` and build the log; raise :class:`LogError` with every problem at once.

    ``variants`` are the rule set's variants (by id); ``names`` maps folded exercise names to variant ids
    (see :mod:`revhyper.logs.names`).
    """
    from .names import fold

    check = _Checker(file)
    check.problems.extend(result.problems)
    kept: list[tuple[LogRow, dict[str, Any]]] = []
    unmapped: dict[str, int] = {}
    for row in result.rows:
        values: dict[str, Any] = {}
        exercise = check.text(row, "variant", row.exercise, 200)
        if exercise is not None and not exercise:
            check.error(row, "variant", "the exercise is missing: give a variant id of the rule set "
                                        f"({', '.join(sorted(variants))})" if row.named_by == "variant" else
                                        "the exercise name is missing")
            exercise = None
        if exercise and row.named_by == "variant":
            if exercise not in variants:
                check.error(row, "variant", f"{shown(exercise)} is not a variant of the rule set "
                                            f"({', '.join(sorted(variants))})", did_you_mean(exercise, variants))
                exercise = None
        elif exercise:
            mapped = names.get(fold(exercise))
            if mapped is None:
                unmapped[exercise] = unmapped.get(exercise, 0) + 1
                continue
            exercise = mapped
        values["variant"] = exercise
        values["date"] = check.date(row)
        values["set"] = None if row.set is None else check.number(row, "set", 1, 100, True)
        if row.set is not None and values["set"] is None and check.absent(row.set):
            check.error(row, "set", "the set number is missing (1 for a session's first set)")
        values["reps"] = check.number(row, "reps", 0, 1000, True)
        if values["reps"] is None and check.absent(row.reps):
            check.error(row, "reps", "the repetitions done are missing")
        values["load_kg"] = check.number(row, "load_kg", 0, 500, False)
        values["rpe"] = check.number(row, "rpe", 1, 10, False)
        values["pain_during"] = check.number(row, "pain_during", 0, 10, True)
        values["pain_next_morning"] = check.number(row, "pain_next_morning", 0, 10, True)
        values["note"] = check.text(row, "note", row.note, MAX_NOTE)
        kept.append((row, values))
    _session_pain(check, kept)
    entries = _numbered(check, kept, file)
    if check.problems:
        raise LogError(check.problems)
    skipped = list(result.skipped)
    if unmapped:
        listed = ", ".join(f"{shown(name)} ({count})" for name, count in sorted(unmapped.items(), key=lambda i: (-i[1], i[0])))
        skipped.append(f"skipped {sum(unmapped.values())} set{'s' * (sum(unmapped.values()) != 1)} of "
                       f"{len(unmapped)} exercise{'s' * (len(unmapped) != 1)} the exercise map does not name: {listed}")
    return TrainingLog(tuple(entries), file=file, reader=reader, skipped=tuple(skipped))


def _session_pain(check: _Checker, kept: list[tuple[LogRow, dict[str, Any]]]) -> None:
    """A session's pain is one value: on each of its rows, or on its first only. Every row then carries it."""
    first: dict[tuple[Any, str], tuple[LogRow, Any]] = {}
    for row, values in kept:
        if values["date"] is None:
            continue
        for key in SESSION_FIELDS:
            value = values[key]
            if value is None:
                continue
            seen = first.get((values["date"], key))
            if seen is None:
                first[(values["date"], key)] = (row, value)
            elif seen[1] != value:
                where = f"line {seen[0].line}" if seen[0].line is not None else "an earlier row"
                check.error(row, key, f"{value} differs from {seen[1]} on {where} for the same session "
                                      f"({values['date'].isoformat()}): a session has one {key.replace('_', ' ')}; "
                                      "give it on the session's first row, or the same on each row")
    for row, values in kept:
        for key in SESSION_FIELDS:
            if values[key] is None and (values["date"], key) in first:
                values[key] = first[(values["date"], key)][1]


def _numbered(check: _Checker, kept: list[tuple[LogRow, dict[str, Any]]], file: str) -> list[LogEntry]:
    entries: list[LogEntry] = []
    counters: dict[tuple[Any, Any], int] = {}
    seen: dict[tuple[Any, Any, int], LogRow] = {}
    for row, values in kept:
        if any(values[key] is None for key in ("variant", "date", "reps", "note")):
            continue
        if values["set"] is None:
            if row.set is not None:
                continue  # a bad set number, reported
            counters[(values["date"], values["variant"])] = number = counters.get((values["date"], values["variant"]), 0) + 1
            values["set"] = number
        key = (values["date"], values["variant"], values["set"])
        if key in seen:
            before = seen[key]
            where = f"line {before.line}" if before.line is not None else "an earlier row"
            check.error(row, "set", f"set {values['set']} of {values['variant']} on {values['date'].isoformat()} is "
                                    f"already on {where}: number a session's sets 1, 2, 3...")
            continue
        seen[key] = row
        where = f"{file}:{row.line}" if row.line is not None else f"{file} {row.place}" if row.place else file
        entries.append(LogEntry(where=where, **values))
    return entries
