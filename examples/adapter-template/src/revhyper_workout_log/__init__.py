"""A JSON-lines workout log: one line per set, as many training-log apps import.

Copy this adapter to write your own: register an Exporter in ``revhyper_register_exporters`` and keep
``export`` a pure function from a Block to bytes.
"""

from __future__ import annotations

import json

from revhyper.block import Block
from revhyper.exporters import Exporter
from revhyper.hookspecs import hookimpl


def export(block: Block) -> bytes:
    lines = []
    for week in block.weeks:
        for session in week.sessions:
            for exercise in session.exercises:
                for number in range(1, exercise.sets + 1):
                    lines.append({
                        "date": session.date.isoformat() if session.date else None,
                        "week": week.number,
                        "session": session.number,
                        "exercise": exercise.name,
                        "set": number,
                        "reps": exercise.reps,
                        "weight_kg": exercise.load_kg,
                        "rest_s": exercise.rest_seconds,
                        "ruleset": f"{block.ruleset.id}@{block.ruleset.version}",
                    })
    return "".join(json.dumps(line, sort_keys=True) + "\n" for line in lines).encode("utf-8")


WORKOUT_LOG = Exporter(
    name="workout-log",
    suffix=".jsonl",
    media_type="application/x-ndjson",
    export=export,
    description="JSON lines, one per set (adapter template)",
    statuses=("generated",),  # a refused or uncleared block has no sets to log
)


@hookimpl
def revhyper_register_exporters(register):
    register(WORKOUT_LOG)


@hookimpl
def revhyper_register_log_readers(register):
    """A platform's log read back: see log_reader.py (copy it for your platform's export)."""
    from .log_reader import WORKOUT_LOG_READER

    register(WORKOUT_LOG_READER)
