"""Strong's and Hevy's CSV exports: completed workouts, one row per set.

Where the formats come from (neither app publishes a specification; these are the headers their exports
have, as read in open-source tools that parse them and in users' posts):

- **Strong** ("Export Strong Data" in the app's settings). Current exports:
  ``Date,Workout Name,Duration,Exercise Name,Set Order,Weight,Reps,Distance,Seconds,Notes,Workout Notes,RPE``
  (no unit: weights are in the unit the user chose in the app); older exports use ``;`` and
  ``Date;Workout Name;Exercise Name;Set Order;Weight;Weight Unit;Reps;RPE;Distance;Distance Unit;Seconds;Notes;Workout Notes``.
  ``Date`` is ``2024-08-05 07:31:54``; ``Set Order`` is the set's number, or ``W`` for a warm-up set (left out);
  another single letter (which some exports are said to use for drop sets and sets to failure: not verified) is
  kept as a working set; rows whose ``Set Order`` is anything else (a ``Rest Timer``) are not sets.
  Sources: mtanzim/vis-strong-go (README sample), mwcaisse/strong-data-viz (StrongExportRow), a TypeScript
  workout-converter's StrongRow, and the header users post (../shared/domain/platforms.md).
- **Hevy** (Settings > Export data > Export workouts):
  ``title,start_time,end_time,description,exercise_title,superset_id,exercise_notes,set_index,set_type,
  weight_kg,reps,distance_km,duration_seconds,rpe`` (``weight_lbs`` and ``distance_miles`` when the user's unit
  is pounds). ``start_time`` is ``26 Jul 2025, 07:06``; ``set_index`` counts from 0; ``set_type`` is ``normal``,
  ``warmup``, ``failure`` or ``dropset``. Sources: Jake-Leicht/Hevy-Dashboard-App and adrianbb05/training_charts
  (their row types), multiplex55/Multi_Hevy_Workout_Dashboard (README sample).

Warm-up sets are left out (and counted); working sets are numbered per day and exercise in the file's order.
A weight of 0 or none is bodyweight. Pounds are converted to kg (x 0.45359237, 3 decimals).
"""

from __future__ import annotations

import datetime as dt
import re

from ..errors import LogError, Problem
from .csvtext import columns_of, delimiter_of, first_line, header_problem, records
from .rows import LB, LogReader, LogRow, ReadOptions, ReadResult, shown

MONTHS = {name: number for number, name in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1)}
REVERSE_HYPER_NAMES = {
    # names the apps' exercise libraries use (a user's custom exercise goes in the exercise map)
    "Reverse Hyperextension": "machine_reverse_hyper",
    "Reverse Hyperextension (Machine)": "machine_reverse_hyper",
    "Reverse Hyper": "machine_reverse_hyper",
    "Reverse Hyper (Machine)": "machine_reverse_hyper",
}


def _table(data: bytes, file: str, required: tuple[str, ...]):
    from ..rules.ruleset_loader import decode

    text = decode(data, file, LogError)
    rows = list(records(text, delimiter_of(text.split("\n", 1)[0])))
    if not rows:
        return {}, []
    line, header, columns = rows[0]
    index = {name.strip(): position for position, name in enumerate(header)}
    missing = [name for name in required if name not in index]
    if missing:
        raise header_problem(file, f"not the export this reader expects: no column {', '.join(repr(m) for m in missing)} "
                                   f"(the header has {', '.join(repr(h) for h in list(index)[:12])})")
    return index, rows[1:]


def _weight(text: str, unit: str) -> str | float | None:
    """A weight in kg (a number), bodyweight (None), or the text as written when it is not a number (reported)."""
    stripped = text.strip()
    if not stripped:
        return None
    try:
        value = float(stripped)
    except ValueError:
        return stripped
    if value == 0:
        return None
    return round(value * LB, 3) if unit == "lb" else value


def _whole(text: str) -> str | int:
    """Apps write repetitions as ``10`` or ``10.0``."""
    stripped = text.strip()
    try:
        value = float(stripped)
    except ValueError:
        return stripped
    return int(value) if value.is_integer() else stripped


def read_strong(data: bytes, file: str, options: ReadOptions) -> ReadResult:
    index, rows = _table(data, file, ("Date", "Exercise Name", "Set Order", "Weight", "Reps"))
    warmups = not_sets = 0
    out, problems = [], []
    unit_column = index.get("Weight Unit")
    for line, fields, columns in rows:
        if len(fields) < len(index):
            problems.append(Problem(file, "", f"this row has {len(fields)} fields, the header {len(index)}", line, 1))
            continue
        order = fields[index["Set Order"]].strip()
        if order.upper() == "W":
            warmups += 1
            continue
        if not (order.isdigit() or (len(order) == 1 and order.isalpha())):
            not_sets += 1
            continue
        unit = options.weight_unit
        if unit_column is not None:
            written = fields[unit_column].strip().lower()
            unit = "lb" if written in ("lb", "lbs") else "kg" if written in ("kg", "kgs", "") else written
            if unit not in ("kg", "lb"):
                problems.append(Problem(file, "Weight Unit", f"unknown weight unit {shown(written)} (kg or lbs)", line,
                                        columns()[unit_column]))
                continue
        date = fields[index["Date"]].strip()[:10]
        rpe = fields[index["RPE"]] if "RPE" in index else None
        note = fields[index["Notes"]] if "Notes" in index else None
        position = {"date": index["Date"], "variant": index["Exercise Name"], "reps": index["Reps"],
                    "load_kg": index["Weight"], **({"rpe": index["RPE"]} if "RPE" in index else {}),
                    **({"note": index["Notes"]} if "Notes" in index else {})}
        out.append(LogRow(line=line, date=date, exercise=fields[index["Exercise Name"]],
                          reps=_whole(fields[index["Reps"]]), load_kg=_weight(fields[index["Weight"]], unit),
                          rpe=rpe, note=note, columns=columns_of(columns, position)))
    skipped = []
    if warmups:
        skipped.append(f"skipped {warmups} warm-up set{'s' * (warmups != 1)} (Set Order W)")
    if not_sets:
        skipped.append(f"skipped {not_sets} row{'s' if not_sets != 1 else ''} that {'are not sets' if not_sets != 1 else 'is not a set'} (a rest timer, a note)")
    return ReadResult(tuple(out), tuple(skipped), tuple(problems), weight_unit_assumed=unit_column is None and bool(out))


HEVY_TIME = re.compile(r"(\d{1,2}) ([A-Za-z]{3})[a-z]* (\d{4}),? \d{1,2}:\d{2}")


def _hevy_date(text: str) -> str | dt.date:
    """``26 Jul 2025, 07:06`` (Hevy's export) or an ISO date-time; anything else is returned as written."""
    stripped = text.strip()
    match = HEVY_TIME.fullmatch(stripped)
    if match and match.group(2).lower() in MONTHS:
        try:
            return dt.date(int(match.group(3)), MONTHS[match.group(2).lower()], int(match.group(1)))
        except ValueError:
            return stripped
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}([T ].*)?", stripped):
        return stripped[:10]
    return stripped


def read_hevy(data: bytes, file: str, options: ReadOptions) -> ReadResult:
    index, rows = _table(data, file, ("start_time", "exercise_title", "set_type", "reps"))
    if "weight_kg" in index:
        weight_column, unit = index["weight_kg"], "kg"
    elif "weight_lbs" in index:
        weight_column, unit = index["weight_lbs"], "lb"
    else:
        raise header_problem(file, "not the export this reader expects: no column 'weight_kg' or 'weight_lbs'")
    warmups = 0
    out, problems = [], []
    for line, fields, columns in rows:
        if len(fields) < len(index):
            problems.append(Problem(file, "", f"this row has {len(fields)} fields, the header {len(index)}", line, 1))
            continue
        if fields[index["set_type"]].strip().lower() == "warmup":
            warmups += 1
            continue
        position = {"date": index["start_time"], "variant": index["exercise_title"], "reps": index["reps"],
                    "load_kg": weight_column, **({"rpe": index["rpe"]} if "rpe" in index else {}),
                    **({"note": index["exercise_notes"]} if "exercise_notes" in index else {})}
        out.append(LogRow(line=line, date=_hevy_date(fields[index["start_time"]]),
                          exercise=fields[index["exercise_title"]], reps=_whole(fields[index["reps"]]),
                          load_kg=_weight(fields[weight_column], unit),
                          rpe=fields[index["rpe"]] if "rpe" in index else None,
                          note=fields[index["exercise_notes"]] if "exercise_notes" in index else None,
                          columns=columns_of(columns, position)))
    skipped = [f"skipped {warmups} warm-up set{'s' * (warmups != 1)} (set_type warmup)"] if warmups else []
    return ReadResult(tuple(out), tuple(skipped), tuple(problems))


def _header_cells(head: bytes) -> set[str]:
    line = first_line(head)
    return {cell.strip().strip('"') for cell in line.split(delimiter_of(line))}


def sniff_strong(head: bytes) -> bool:
    return {"Exercise Name", "Set Order"} <= _header_cells(head)


def sniff_hevy(head: bytes) -> bool:
    return {"exercise_title", "set_index"} <= _header_cells(head) or {"exercise_title", "set_type"} <= _header_cells(head)


STRONG = LogReader("strong", "Strong's CSV export (Settings > Export Strong Data); weights in kg unless the export "
                             "or the exercise map says lb", read_strong, (".csv",), sniff_strong, REVERSE_HYPER_NAMES,
                   provider="revhyper")
HEVY = LogReader("hevy", "Hevy's CSV export (Settings > Export data > Export workouts), weight_kg or weight_lbs",
                 read_hevy, (".csv",), sniff_hevy, REVERSE_HYPER_NAMES, provider="revhyper")
