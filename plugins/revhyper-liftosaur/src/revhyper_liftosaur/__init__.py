"""Liftoscript for revhyper blocks: a Liftosaur program to paste into the app's program editor.

Liftosaur (https://www.liftosaur.com, open source) writes programs as Liftoscript text. The exporter writes
the block in its "full mode": ``# Week N`` and ``## Day N`` headings, and one exercise line per exercise,
every number written out for every week (nothing left to a progression script):

    // Range 50 % of the swing to neutral; tempo 2-1-2-0
    Reverse Hyperextension, Leverage Machine / 3x12 / 22.5kg / 90s / warmup: none

What Liftoscript has no syntax for (tempo, range of motion, cues, the pain rules, the disclaimer) is
written in ``//`` comments, which Liftosaur shows as the description of the week, day or exercise below
them, and what is for the coach only in ``///`` comments, which it does not show. Text from rule sets and
profiles is only ever written inside a comment, and escaped there: control characters (a newline above
all, which would end the comment and make the rest program text) as visible escapes, and Markdown
markup (Liftosaur renders descriptions as Markdown) backslash-escaped.

Only generated blocks are written: a refused or needs-clearance block is no program to train from, so
revhyper stops with its "nothing to write" error (exit 5) rather than giving the app an empty program.
"""

from __future__ import annotations

from revhyper.block import Block, Exercise, Week
from revhyper.exporters import Exporter
from revhyper.hookspecs import hookimpl

REVERSE_HYPER = "Reverse Hyperextension"
"""Liftosaur's built-in exercise (``reverseHyperextension`` in its src/models/exercise.ts)."""

EXERCISES = {  # revhyper variant -> the name Liftosaur looks the exercise up by ("Name, Equipment")
    "machine_reverse_hyper": f"{REVERSE_HYPER}, Leverage Machine",
    "ghd_reverse_hyper": f"{REVERSE_HYPER}, Bodyweight",
    "bench_reverse_hyper": f"{REVERSE_HYPER}, Bodyweight",
    "ball_reverse_hyper": f"{REVERSE_HYPER}, Bodyweight",
    # Liftosaur has no hip extension: these are custom exercises, which the user adds once in the app
    # (its editor says "Unknown exercise ..." with an "Add custom exercise" button).
    "prone_hip_extension": "Prone Hip Extension",
    "quadruped_hip_extension": "Quadruped Hip Extension",
}
CUSTOM = frozenset({"Prone Hip Extension", "Quadruped Hip Extension"})


class NoLiftosaurExercise(ValueError):
    """The block uses an exercise variant this exporter cannot name in Liftosaur."""


def text(value: str) -> str:
    """User text safe inside a Liftoscript comment: on one line, control characters escaped, Markdown inert."""
    from revhyper.markup import md_escape
    from revhyper.errors import printable

    return md_escape(printable(value))


def number(value: float) -> str:
    """A number as Liftoscript's Int or Float token reads it (``40``, ``22.5``; never ``1e-05``)."""
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.6f}".rstrip("0")


def exercise_name(e: Exercise) -> str:
    try:
        return EXERCISES[e.variant]
    except KeyError:
        raise NoLiftosaurExercise(
            f"Liftosaur has no exercise for the variant {e.variant!r} ({text(e.name)}); the liftoscript format "
            f"knows {', '.join(sorted(EXERCISES))}") from None


def exercise_line(e: Exercise) -> str:
    """``Name / SETSxREPS / WEIGHT / REST / warmup: none``: the prescription, every number from the block."""
    name = exercise_name(e)
    sections = [name, f"{e.sets}x{e.reps}"]
    # no load in the block is bodyweight: 0 kg added, so the app does not ask for a weight at every set
    sections.append(f"{number(e.load_kg or 0)}kg")
    sections.append(f"{e.rest_seconds}s")
    sections.append("warmup: none")  # Liftosaur would otherwise add its own warm-up sets
    return " / ".join(sections)


def _load(e: Exercise) -> str:
    if e.load_kg is None:
        return "bodyweight"
    return f"{number(e.load_kg)} kg ({number(e.load_percent or 0)} % of working load)"


def exercise_description(e: Exercise) -> list[str]:
    lines = [f"**{text(e.name)}**: {e.sets} x {e.reps}, {text(_load(e))}, rest {e.rest_seconds} s",
             f"Range {number(e.rom_percent)} % of the swing to neutral; tempo {text(e.tempo)}"]
    lines.extend(f"- {text(cue)}" for cue in e.cues)
    return lines


def week_description(block: Block, week: Week) -> list[str]:
    lighter = " (lighter week)" if week.deload else ""
    lines = [f"**Week {week.number} of {len(block.weeks)}: {text(week.phase_name)}{lighter}**",
             f"After each session: {text(block.pain_rule.after)}",
             f"Week to week: {text(block.pain_rule.week_to_week)}"]
    if week.number == 1:
        lines.append(f"_{text(block.disclaimer)}_")
    return lines


def header(block: Block) -> list[str]:
    plan = block.plan
    assert plan is not None, "a generated block has a plan"
    stamp = block.ruleset
    start = f"from {plan.start_date.isoformat()}" if plan.start_date else "no start date"
    lines = [
        f"{text(plan.program_name)}: {plan.weeks} weeks x {plan.days_per_week} sessions of "
        f"{text(plan.variant_name)} ({start})",
        f"Client: {text(block.person_id) if block.person_id else '(no id)'}",
        f"revhyper {text(block.generator_version)}, rule set {text(stamp.id)} {text(stamp.version)} "
        f"(sha256 {text(stamp.sha256)})",
        "Liftosaur: paste this whole text into a new program's editor (full text mode). Loads are in kg; "
        "warm-ups are off (warmup: none) on purpose.",
    ]
    custom = sorted({exercise_name(e) for s in block.sessions() for e in s.exercises} & CUSTOM)
    if custom:
        which = " and ".join(custom)
        lines.append(f"Liftosaur has no {which} built in: when its editor says Unknown exercise, add "
                     f"{'it as a custom exercise' if len(custom) == 1 else 'them as custom exercises'} (same name).")
    return lines


def program(block: Block) -> str:
    """The Liftoscript program: every week and session of the block, in order."""
    out = [f"/// {line}" for line in header(block)]
    for week in block.weeks:
        out.append("")
        out.extend(f"// {line}" for line in week_description(block, week))
        out.append(f"# Week {week.number}")
        for session in week.sessions:
            when = f", {session.date.isoformat()}" if session.date else ""
            out.append(f"// Session {session.index} of the block{when}")
            out.append(f"## Day {session.number}")
            for e in session.exercises:
                out.extend(f"// {line}" for line in exercise_description(e))
                out.append(exercise_line(e))
    return "\n".join(out) + "\n"


def export(block: Block) -> bytes:
    return program(block).encode("utf-8")


LIFTOSCRIPT = Exporter("liftoscript", ".txt", "text/plain", export,
                       "Liftosaur program (Liftoscript text): every week and session, to paste into the app",
                       statuses=("generated",))


@hookimpl
def revhyper_register_exporters(register):
    register(LIFTOSCRIPT)
