"""Garmin FIT activity files of strength workouts, read as a training log with Garmin's own FIT SDK.

A watch records each set of a strength activity as a ``set`` message: ``set_type`` (``active`` or ``rest``),
``start_time``, ``repetitions``, ``weight`` (kg), and the exercise as ``category`` (an exercise category such as
``hyperextension``) and ``category_subtype`` (a number naming the exercise in that category). The exercise is
named ``CATEGORY/NAME`` with the name from Garmin's FIT profile (``hyperextension/bent_knee_reverse_hyperextension``)
and mapped to a variant by :data:`EXERCISE_NAMES` (the inverse of the exporter's table) and the user's exercise map.
Rest sets are not sets; the date is the set's local date when the file records the watch's time zone
(``activity.local_timestamp``), else its UTC date.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from revhyper.errors import LogError, Problem
from revhyper.logs.rows import LogReader, LogRow, ReadOptions, ReadResult

FIT_EPOCH = dt.datetime(1989, 12, 31, tzinfo=dt.timezone.utc)


WATCH_NAMES = {
    # What a watch records when the client picks Garmin's own "reverse hyperextension" (the hyperextension
    # category's bent-knee exercise, which the exporter no longer writes): a reverse hyper all the same.
    "hyperextension/bent_knee_reverse_hyperextension": "machine_reverse_hyper",
    "hyperextension/weighted_bent_knee_reverse_hyperextension": "machine_reverse_hyper",
}


def _exercise_names() -> dict[str, str]:
    from garmin_fit_sdk import Profile

    from . import EXERCISES

    out: dict[str, str] = dict(WATCH_NAMES)
    for variant, (category, plain, weighted) in EXERCISES.items():
        names = Profile["types"].get(f"{category}_exercise_name", {})
        for number in (plain, weighted):
            name = names.get(number, names.get(str(number)))
            if name:
                out.setdefault(f"{category}/{name}", variant)
    return out


def exercise_name(category: Any, subtype: Any) -> str | None:
    """``CATEGORY/NAME`` for a set's exercise, in the words of Garmin's FIT profile (None without a category)."""
    from garmin_fit_sdk import Profile

    category = category[0] if isinstance(category, list) and category else category
    subtype = subtype[0] if isinstance(subtype, list) and subtype else subtype
    if not isinstance(category, str) or category in ("unknown", ""):
        return None
    names = Profile["types"].get(f"{category}_exercise_name", {})
    name = names.get(subtype, names.get(str(subtype))) if isinstance(subtype, int) else None
    return f"{category}/{name if name else subtype if subtype is not None else 'unknown'}"


def read_fit(data: bytes, file: str, options: ReadOptions) -> ReadResult:
    from garmin_fit_sdk import Decoder, Stream

    if not Decoder(Stream.from_byte_array(bytearray(data))).is_fit():
        raise LogError([Problem(file, "", "not a FIT file (no .FIT header)", None, None)])
    if not Decoder(Stream.from_byte_array(bytearray(data))).check_integrity():
        raise LogError([Problem(file, "", "the FIT file is damaged (its CRC does not match); export it again", None, None)])
    messages, errors = Decoder(Stream.from_byte_array(bytearray(data))).read(convert_datetimes_to_dates=True)
    if errors:
        raise LogError([Problem(file, "", f"the FIT file could not be decoded: {errors[0]}", None, None)])
    offset = _local_offset(messages)
    rows, no_exercise = [], 0
    for index, message in enumerate(messages.get("set_mesgs", [])):
        if message.get("set_type") != "active":
            continue
        name = exercise_name(message.get("category"), message.get("category_subtype"))
        if name is None:
            no_exercise += 1
            continue
        start = message.get("start_time") or message.get("timestamp")
        date = (start + offset).date() if isinstance(start, dt.datetime) else start
        weight = message.get("weight")
        rows.append(LogRow(line=None, date=date, exercise=name, reps=message.get("repetitions"),
                           load_kg=None if weight in (None, 0) else round(float(weight), 3), place=f"set_mesgs[{index}]"))
    skipped = [f"skipped {no_exercise} set{'s' * (no_exercise != 1)} without an exercise category"] if no_exercise else []
    return ReadResult(tuple(rows), tuple(skipped))


def _local_offset(messages: Any) -> dt.timedelta:
    for activity in messages.get("activity_mesgs", []):
        stamp, local = activity.get("timestamp"), activity.get("local_timestamp")
        if isinstance(stamp, dt.datetime) and isinstance(local, int):
            offset = (FIT_EPOCH + dt.timedelta(seconds=local)) - stamp
            if abs(offset) <= dt.timedelta(hours=15):
                return offset
    return dt.timedelta(0)


def sniff_fit(head: bytes) -> bool:
    return len(head) >= 12 and head[8:12] == b".FIT"


def fit_log_reader() -> LogReader:
    return LogReader("fit", "Garmin FIT activity files of strength workouts (set messages: reps, weight, exercise)",
                     read_fit, (".fit",), sniff_fit, _exercise_names())
