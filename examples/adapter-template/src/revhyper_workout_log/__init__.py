"""A JSON-lines workout log: one line per set, as many training-log apps import; and a pusher that posts the
same sets to a training log's HTTP API.

Copy this adapter to write your own: register an Exporter in ``revhyper_register_exporters`` and keep
``export`` a pure function from a Block to bytes; register a Pusher in ``revhyper_register_pushers`` and make
every request through the client it is given (it holds the token, retries and the dry run).
"""

from __future__ import annotations

import json

from typing import Any

from revhyper.block import Block
from revhyper.exporters import Exporter
from revhyper.hookspecs import hookimpl
from revhyper.push import Client, Pusher, PushResult


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


# -- push: `revhyper push workout-log BLOCK --url URL --token-env VAR` ------------------------------------------
def push(block: dict[str, Any], client: Client) -> PushResult:
    """One log per block, holding its sets: POST /logs. The log's note carries the push's key, so a second push
    of the same block finds it (GET /logs) and creates nothing."""
    for log in client.get("/logs", label="look for an earlier push") or []:
        if client.marker() in log.get("note", ""):
            return PushResult(existing=f"log {log['id']}")
    sets = [{"week": week["number"], "session": session["number"], "date": session["date"], "exercise": e["name"],
             "reps": e["reps"], "weight_kg": e["load_kg"]}
            for week in block["weeks"] for session in week["sessions"] for e in session["exercises"]
            for _ in range(e["sets"])]
    log = client.post("/logs", {"note": client.marker(), "sets": sets}, label="log")
    return PushResult(created=(f"log {log['id']} ({len(sets)} sets)",))


WORKOUT_LOG_PUSHER = Pusher(
    name="workout-log",
    description="a training log's HTTP API: one log of sets (adapter template)",
    push=push,
    auth_header=lambda token: ("Authorization", f"Bearer {token}"),  # the header your platform documents
)


@hookimpl
def revhyper_register_pushers(register):
    register(WORKOUT_LOG_PUSHER)
