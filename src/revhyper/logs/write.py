"""A log in revhyper's own CSV: the form every reader's output can be converted to (``revhyper log``)."""

from __future__ import annotations

import csv
import io

from .model import FIELDS, TrainingLog


def log_to_csv(log: TrainingLog) -> bytes:
    """revhyper's CSV, entries in the log's order; a session's pain on its first row only. Same log, same bytes."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(FIELDS)
    previous = None
    for entry in log.entries:
        first = entry.date != previous
        previous = entry.date
        writer.writerow([entry.date.isoformat(), entry.variant, entry.set, entry.reps, _number(entry.load_kg),
                         _number(entry.rpe), _number(entry.pain_during) if first else "",
                         _number(entry.pain_next_morning) if first else "", entry.note])
    return out.getvalue().encode("utf-8")


def _number(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:g}" if isinstance(value, float) else str(value)
