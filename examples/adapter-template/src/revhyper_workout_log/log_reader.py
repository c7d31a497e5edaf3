"""A minimal log reader: a platform's JSON-lines workout log (the format this template's exporter writes,
with ``reps_done`` for what was done) read back as a training log. Copy it for your platform's export.

Parse only: revhyper maps the exercise names (``EXERCISE_NAMES`` plus the user's exercise map), checks every
value and reports every problem at once, with the line numbers given here.
"""

from __future__ import annotations

import json

from revhyper.errors import LogError, Problem
from revhyper.logs.rows import LogReader, LogRow, ReadOptions, ReadResult

EXERCISE_NAMES = {"Reverse hyperextension (machine)": "machine_reverse_hyper"}


def read(data: bytes, file: str, options: ReadOptions) -> ReadResult:
    rows = []
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise LogError([Problem(file, "", "not UTF-8 text")]) from None
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except ValueError as exc:
            raise LogError([Problem(file, "", f"not valid JSON: {exc}", number, 1)]) from None
        if not isinstance(item, dict) or "reps_done" not in item:
            raise LogError([Problem(file, "", "each line is one set with date, exercise, set and reps_done", number, 1)])
        rows.append(LogRow(line=number, date=item.get("date"), exercise=item.get("exercise"), set=item.get("set"),
                           reps=item.get("reps_done"), load_kg=item.get("weight_kg")))
    return ReadResult(tuple(rows))


def sniff(head: bytes) -> bool:
    return head.lstrip().startswith(b"{") and b'"reps_done"' in head


WORKOUT_LOG_READER = LogReader("workout-log", "the workout-log platform's JSON lines, with reps_done (template)",
                               read, (".jsonl",), sniff, EXERCISE_NAMES)
