"""revhyper's own log: CSV with a header, one row per set, or JSON lines with the same keys (docs/logs.md)."""

from __future__ import annotations

import functools
import json
from typing import Any

from ..errors import LogError, Problem
from ..io.locate import Locations
from ..io.suggest import did_you_mean
from .csvtext import Columns, columns_of, delimiter_of, first_line, records
from .model import FIELDS, REQUIRED
from .rows import LogReader, LogRow, ReadOptions, ReadResult, shown


def read_csv(data: bytes, file: str, options: ReadOptions) -> ReadResult:
    from ..rules.ruleset_loader import decode

    text = decode(data, file, LogError)
    rows = list(records(text, ","))
    if not rows:
        return ReadResult()
    line, header, header_columns = rows[0]
    at = header_columns()
    problems = []
    index: dict[str, int] = {}
    for position, name in enumerate(header):
        key = name.strip()
        if key in FIELDS and key not in index:
            index[key] = position
        elif key in index:
            problems.append(Problem(file, "header", f"column '{key}' is given twice", line, at[position]))
        else:
            problems.append(Problem(file, "header", f"unknown column {shown(key)} (the columns are {', '.join(FIELDS)})",
                                    line, at[position], did_you_mean(key, FIELDS)))
    missing = [key for key in REQUIRED if key not in index]
    if missing:
        problems.append(Problem(file, "header", f"missing column{'s' * (len(missing) > 1)} {', '.join(missing)} "
                                                f"(the header is: {','.join(FIELDS)})", line, 1))
    if problems:
        raise LogError(problems)
    out = []
    for line, fields, columns in rows[1:]:
        if len(fields) != len(header):
            problems.append(Problem(file, "", f"this row has {len(fields)} fields, the header {len(header)}", line, 1))
            continue
        values: dict[str, Any] = {key: fields[position] for key, position in index.items()}
        exercise = values.pop("variant")
        out.append(LogRow(line=line, exercise=exercise, named_by="variant", set=values.pop("set"),
                          columns=columns_of(columns, index), **values))
    return ReadResult(tuple(out), problems=tuple(problems))


def read_jsonl(data: bytes, file: str, options: ReadOptions) -> ReadResult:
    from ..rules.ruleset_loader import decode

    text = decode(data, file, LogError)
    out, problems = [], []
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            item = json.loads(raw, parse_constant=_no_constant)
        except json.JSONDecodeError as exc:
            problems.append(Problem(file, "", f"not valid JSON: {exc.msg}", number, exc.colno))
            continue
        except (ValueError, RecursionError) as exc:
            problems.append(Problem(file, "", f"not valid JSON: {exc}", number, 1))
            continue
        if not isinstance(item, dict):
            problems.append(Problem(file, "", "each line is one set: a JSON object with the keys "
                                              f"{', '.join(FIELDS)}", number, 1))
            continue
        columns = Columns(functools.partial(_json_columns, raw, item))
        unknown = [key for key in item if key not in FIELDS]
        for key in unknown:
            position = Locations(raw, "json").key((key,))
            problems.append(Problem(file, str(key), f"unknown key {shown(key)} (the keys are {', '.join(FIELDS)})",
                                    number, position[1] if position else None, did_you_mean(key, FIELDS)))
        missing = [key for key in REQUIRED if key not in item]
        if missing:
            problems.append(Problem(file, "", f"missing key{'s' * (len(missing) > 1)} {', '.join(missing)}", number, 1))
        if unknown or missing:
            continue
        values: dict[str, Any] = {key: item.get(key) for key in FIELDS}
        given_set = values.pop("set")
        out.append(LogRow(line=number, exercise=values.pop("variant"), named_by="variant",
                          set="" if given_set is None else given_set, columns=columns, **values))
    return ReadResult(tuple(out), problems=tuple(problems))


def _json_columns(raw: str, item: dict[str, Any]) -> dict[str, int]:
    where = Locations(raw, "json")
    return {key: position[1] for key in item if key in FIELDS and (position := where.value((key,)))}


def _no_constant(word: str) -> Any:
    raise ValueError(f"{word} is not a number JSON allows")


def sniff_csv(head: bytes) -> bool:
    line = first_line(head)
    cells = {cell.strip().strip('"') for cell in line.split(delimiter_of(line))}
    return {"date", "variant"} <= cells


def sniff_jsonl(head: bytes) -> bool:
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    return stripped.startswith(b"{") and b'"variant"' in head


REVHYPER_CSV = LogReader("revhyper", "revhyper's training log: CSV, one row per set (date,variant,set,reps,load_kg,"
                                     "rpe,pain_during,pain_next_morning,note)", read_csv, (".csv",), sniff_csv,
                         provider="revhyper")
REVHYPER_JSONL = LogReader("revhyper-jsonl", "revhyper's training log as JSON lines, one object per set with the "
                                             "same keys", read_jsonl, (".jsonl", ".ndjson"), sniff_jsonl,
                           provider="revhyper")
