"""Garmin FIT workouts for revhyper blocks, written with Garmin's own FIT SDK.

A FIT workout file holds one workout, so:

- ``fit``: the block's first session as one workout file, ready for a watch;
- ``fit-zip``: a zip with one workout per week (``RH-W01.fit`` ...): the sessions of a week share one
  prescription, so a platform pushes that week's file for each of its sessions;
- ``export_session(block, week, session)``: any single session, for platforms that push sessions one by one.

Each set is an active step counted in repetitions (with the load in kg when there is one) followed by a
rest step timed in seconds; the last set has no rest after it (sets are written out rather than as a
``repeat_until_steps_cmplt`` step, which would force a rest after the last set too). The exercise is
named twice: by Garmin's closest exercise category and name (Garmin has no straight-leg reverse
hyperextension; the machine, bench and GHD variants map to ``hyperextension /
bent_knee_reverse_hyperextension``) and, exactly, by an ``exercise_title`` message with the variant's
own name. Files are deterministic: ``time_created`` is the
session's date (or the FIT epoch when the block has no dates), and the serial number is derived from the
rule set's hash and the client's id, never from the clock.
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
    # revhyper variant id: (Garmin exercise_category, exercise_name without load, with load)
    "machine_reverse_hyper": ("hyperextension", 4, 5),
    "ghd_reverse_hyper": ("hyperextension", 4, 5),
    "bench_reverse_hyper": ("hyperextension", 4, 5),
    "ball_reverse_hyper": ("hip_raise", 2, 3),
    "prone_hip_extension": ("hip_raise", 28, 29),
    "quadruped_hip_extension": ("hip_stability", 17, 18),
}
FALLBACK = ("hyperextension", 4, 5)
"""Variants of other rule sets: Garmin's closest reverse hyperextension (the title names the variant)."""

FIT_EPOCH = dt.datetime(1989, 12, 31, tzinfo=dt.timezone.utc)
MAX_NAME = 15  # characters of wkt_name most watches show


def export_session(block: Block, week: Week, session: Session) -> bytes:
    """One session as a FIT workout file."""
    from garmin_fit_sdk import Encoder, Profile

    if block.status != "generated":
        raise ValueError(f"a {block.status.replace('_', ' ')} block has no sessions to guide")
    numbers = Profile["mesg_num"]
    encoder = Encoder()
    created = (dt.datetime.combine(session.date, dt.time(), tzinfo=dt.timezone.utc) if session.date else FIT_EPOCH)
    seed = f"{block.ruleset.sha256}:{block.person_id or ''}:{session.index}".encode()
    encoder.write_mesg({
        "mesg_num": numbers["FILE_ID"], "type": "workout", "manufacturer": "development", "product": 1,
        "serial_number": int.from_bytes(hashlib.sha256(seed).digest()[:4], "big") or 1, "time_created": created,
    })
    steps = [step for exercise in session.exercises for step in _steps(exercise)]
    encoder.write_mesg({
        "mesg_num": numbers["WORKOUT"], "sport": "training", "sub_sport": "strength_training",
        "num_valid_steps": len(steps), "wkt_name": f"RH W{week.number} S{session.number}"[:MAX_NAME],
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


def _steps(exercise: Exercise) -> list[dict]:
    category, plain, weighted = EXERCISES.get(exercise.variant, FALLBACK)
    active = {
        "duration_type": "reps", "duration_value": exercise.reps, "intensity": "active",
        "exercise_category": category, "exercise_name": weighted if exercise.load_kg is not None else plain,
        "wkt_step_name": exercise.name[:50],
        "notes": f"{exercise.sets} x {exercise.reps}, range {exercise.rom_percent} %, tempo {exercise.tempo}"[:50],
    }
    if exercise.load_kg is not None:
        active.update(exercise_weight=float(exercise.load_kg), weight_display_unit="kilogram")
    rest = {"duration_type": "time", "duration_value": exercise.rest_seconds * 1000, "intensity": "rest"}
    steps = []
    for number in range(exercise.sets):
        steps.append(dict(active))
        if number < exercise.sets - 1:
            steps.append(dict(rest))
    return steps


def export_first_session(block: Block) -> bytes:
    week = block.weeks[0]
    return export_session(block, week, week.sessions[0])


def export_weeks_zip(block: Block) -> bytes:
    """A zip of one workout per week, with fixed timestamps so the same block gives the same bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for week in block.weeks:
            info = zipfile.ZipInfo(f"RH-W{week.number:02d}.fit", date_time=(1989, 12, 31, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, export_session(block, week, week.sessions[0]))
    return out.getvalue()


FIT = Exporter("fit", ".fit", "application/vnd.ant.fit", export_first_session,
               "Garmin FIT strength workout of the first session (sets, reps, weight, rest)", statuses=("generated",))
FIT_ZIP = Exporter("fit-zip", ".zip", "application/zip", export_weeks_zip,
                   "zip of Garmin FIT workouts, one per week of the block", statuses=("generated",))


@hookimpl
def revhyper_register_exporters(register):
    register(FIT)
    register(FIT_ZIP)


@hookimpl
def revhyper_register_log_readers(register):
    """Garmin FIT activity files as training logs (revhyper_fit.log_reader)."""
    from .log_reader import fit_log_reader

    register(fit_log_reader())
