"""Garmin FIT workouts for revhyper blocks, written with Garmin's own FIT SDK.

A FIT workout file holds one workout, so:

- ``fit``: the block's first session as one workout file, ready for a watch;
- ``fit-zip``: a zip with one workout per session, named by week, session and date
  (``W01-S1-2026-12-07.fit`` ...), so each file says which session it is for (and has its own serial number);
- ``export_session(block, week, session)``: any single session, for platforms that push sessions one by one.

Each set is an active step counted in repetitions (with the load in kg when there is one) followed by a
rest step timed in seconds; the last set has no rest after it (sets are written out rather than as a
``repeat_until_steps_cmplt`` step, which would force a rest after the last set too). Every step has
``target_type`` ``open``, as strength steps do (the repetitions are the step's duration, not a target).

The exercise is named twice: by the closest exercise category and name of Garmin's FIT profile (table
:data:`EXERCISES`) and, exactly, by an ``exercise_title`` message with the variant's own name.

Files are deterministic and still unique on a device (type + manufacturer + product + serial number must be):

- ``serial_number``: the first 4 bytes of SHA-256 over the block's canonical JSON (its client, rule set, dates,
  loads, every number) and the session's index, so two anonymous clients, a client's next block, or a
  regenerated block with other loads get other serial numbers, and the same block the same ones;
- ``time_created``: when the file was made, given by the caller as ``SOURCE_DATE_EPOCH``; without it,
  1998-07-03T21:24:16Z (the FIT epoch plus 0x10000000 s, the first value FIT reads as a calendar date: below it,
  a date is seconds since power-on), and never earlier than that. See :mod:`revhyper.export_time`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import zipfile

from revhyper.block import Block, Exercise, Session, Week
from revhyper.exporters import Exporter
from revhyper.hookspecs import hookimpl

EXERCISES = {
    # revhyper variant id: (Garmin exercise_category, exercise_name without load, with load), from the FIT
    # profile's leg_raise / hip_raise / hip_stability exercise names (garmin_fit_sdk.Profile["types"]).
    # The machine, GHD and bench variants swing straight legs up from hanging behind a prone trunk: Garmin's
    # reverse_leg_raise (its bent_knee_reverse_hyperextension is the bent-knee floor exercise).
    "machine_reverse_hyper": ("leg_raise", 13, 14),  # reverse_leg_raise, weighted_reverse_leg_raise
    "ghd_reverse_hyper": ("leg_raise", 13, 14),
    "bench_reverse_hyper": ("leg_raise", 13, 14),
    "ball_reverse_hyper": ("leg_raise", 15, 16),  # reverse_leg_raise_on_swiss_ball, weighted_...
    "prone_hip_extension": ("hip_raise", 28, 29),  # reverse_hip_raise, weighted_reverse_hip_raise
    "quadruped_hip_extension": ("hip_stability", 17, 18),  # quadruped_hip_extension, weighted_...
}
FALLBACK = ("leg_raise", 13, 14)
"""Variants of other rule sets: Garmin's reverse leg raise (the title names the variant)."""

MAX_NAME = 15  # characters of wkt_name most watches show


def export_session(block: Block, week: Week, session: Session) -> bytes:
    """One session as a FIT workout file."""
    return _export_session(block, week, session, content_hash(block))


def _export_session(block: Block, week: Week, session: Session, content: bytes) -> bytes:
    from garmin_fit_sdk import Encoder, Profile

    if block.status != "generated":
        raise ValueError(f"a {block.status.replace('_', ' ')} block has no sessions to guide")
    numbers = Profile["mesg_num"]
    encoder = Encoder()
    encoder.write_mesg({
        "mesg_num": numbers["FILE_ID"], "type": "workout", "manufacturer": "development", "product": 1,
        "serial_number": serial_number(content, session), "time_created": time_created(),
    })
    steps = [step for exercise in session.exercises for step in _steps(exercise)]
    encoder.write_mesg({
        "mesg_num": numbers["WORKOUT"], "sport": "training", "sub_sport": "strength_training",
        "num_valid_steps": len(steps), "wkt_name": workout_name(week, session),
        "wkt_description": f"revhyper {block.ruleset.id} {block.ruleset.version}: {week.phase_name}"[:100],
    })
    for index, step in enumerate(steps):
        encoder.write_mesg({"mesg_num": numbers["WORKOUT_STEP"], "message_index": index, **step})
    for index, exercise in enumerate(session.exercises):
        category, plain, weighted = EXERCISES.get(exercise.variant, FALLBACK)
        encoder.write_mesg({
            "mesg_num": numbers["EXERCISE_TITLE"], "message_index": index, "exercise_category": category,
            "exercise_name": weighted if exercise.load_kg is not None else plain, "wkt_step_name": exercise.name[:50],
        })
    return bytes(encoder.close())


def content_hash(block: Block) -> bytes:
    """SHA-256 of the block's canonical JSON: its client, rule set, dates, loads and every number."""
    from revhyper.canonical import block_to_json

    return hashlib.sha256(block_to_json(block)).digest()


def serial_number(content: bytes, session: Session) -> int:
    """Nonzero (FIT's uint32z), from the block's :func:`content_hash` and the session's index."""
    digest = hashlib.sha256(content + f"\0session:{session.index}".encode()).digest()
    return int.from_bytes(digest[:4], "big") or 1


def time_created() -> dt.datetime:
    """When the file was made (:func:`revhyper.export_time.generation_time`), never before FIT's calendar range."""
    from revhyper.export_time import UNDATED, generation_time

    return max(generation_time(), UNDATED)


def workout_name(week: Week, session: Session) -> str:
    """What the watch lists: week, session and, when dated, month-day (``RH W1 S2 12-09``), within 15 characters."""
    name = f"RH W{week.number} S{session.number}"
    return (f"{name} {session.date:%m-%d}" if session.date else name)[:MAX_NAME]


def _steps(exercise: Exercise) -> list[dict]:
    category, plain, weighted = EXERCISES.get(exercise.variant, FALLBACK)
    active = {
        "duration_type": "reps", "duration_value": exercise.reps, "target_type": "open", "target_value": 0,
        "intensity": "active",
        "exercise_category": category, "exercise_name": weighted if exercise.load_kg is not None else plain,
        "wkt_step_name": exercise.name[:50],
        "notes": f"{exercise.sets} x {exercise.reps}, range {exercise.rom_percent} %, tempo {exercise.tempo}"[:50],
    }
    if exercise.load_kg is not None:
        active.update(exercise_weight=float(exercise.load_kg), weight_display_unit="kilogram")
    rest = {"duration_type": "time", "duration_value": exercise.rest_seconds * 1000, "target_type": "open",
            "target_value": 0, "intensity": "rest"}
    steps = []
    for number in range(exercise.sets):
        steps.append(dict(active))
        if number < exercise.sets - 1:
            steps.append(dict(rest))
    return steps


def export_first_session(block: Block) -> bytes:
    week = block.weeks[0]
    return export_session(block, week, week.sessions[0])


def session_label(week: Week, session: Session) -> str:
    """A file name in the zip saying which session it is for: ``W01-S2-2026-12-09.fit`` (``W01-S2.fit`` undated)."""
    date = f"-{session.date.isoformat()}" if session.date else ""
    return f"W{week.number:02d}-S{session.number}{date}.fit"


def export_sessions_zip(block: Block) -> bytes:
    """A zip of one workout per session, named by week, session and date (:func:`session_label`), each with a
    comment in words (``week 1 of 12, session 2 of 3, 2026-12-09: Base``); fixed timestamps, so the same block
    gives the same bytes."""
    out = io.BytesIO()
    content = content_hash(block)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for week in block.weeks:
            for session in week.sessions:
                info = zipfile.ZipInfo(session_label(week, session), date_time=(1989, 12, 31, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                info.flag_bits |= 0x800  # names and comments are UTF-8 (a phase name may not be ASCII)
                date = f", {session.date.isoformat()}" if session.date else ""
                info.comment = (f"week {week.number} of {len(block.weeks)}, session {session.number} of "
                                f"{len(week.sessions)}{date}: {week.phase_name}")[:200].encode("utf-8")
                archive.writestr(info, _export_session(block, week, session, content))
    return out.getvalue()


FIT = Exporter("fit", ".fit", "application/vnd.ant.fit", export_first_session,
               "Garmin FIT strength workout of the first session (sets, reps, weight, rest)", statuses=("generated",))
FIT_ZIP = Exporter("fit-zip", ".zip", "application/zip", export_sessions_zip,
                   "zip of Garmin FIT workouts, one per session, named by week, session and date",
                   statuses=("generated",))


@hookimpl
def revhyper_register_exporters(register):
    register(FIT)
    register(FIT_ZIP)


@hookimpl
def revhyper_register_log_readers(register):
    """Garmin FIT activity files as training logs (revhyper_fit.log_reader)."""
    from .log_reader import fit_log_reader

    register(fit_log_reader())
