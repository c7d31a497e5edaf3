"""A readable view of a block for the terminal or a printout: a table per week.

Every line goes through :func:`~revhyper.errors.printable`: text from a profile, a rule set or a plugin
(``person.id = "\\x1b[2J"``, a newline inside a note) shows as escapes, so each line of the view is one line
and nothing in it can act on the terminal.
"""

from __future__ import annotations

from ..engine.block import Block, Exercise
from ..engine.clearance import label
from ..errors import printable
from ..rules.ruleset import Caps

STATUS_WORDS = {
    "generated": "GENERATED",
    "needs_clearance": "NEEDS CLEARANCE: no sessions until a clinician clears exercise",
    "refused": "REFUSED: no exercise programme",
}


def shows_limits(block: Block) -> bool:
    """Caps are shown for a block with sessions, or one that will have them once cleared. A refused block has no
    programme: its caps, pain rule and training notes would only read as if there were one."""
    return block.status != "refused" and bool(block.screening.caps)


def caps_change(block: Block) -> bool:
    """Whether the caps in force change during the block (rules on weeks since a surgery lift them)."""
    start = block.screening.merged_caps
    return any(week.caps != start for week in block.weeks)


def caps_text(caps: Caps) -> str:
    return ", ".join(f"{name} = {', '.join(sorted(v)) if isinstance(v, frozenset) else v}" for name, v in caps.items()) or "none"


def shows_training_advice(block: Block) -> bool:
    return block.status != "refused"


def block_to_text(block: Block) -> str:
    lines: list[str] = []
    add = lines.append
    stamp = block.ruleset
    add(f"revhyper {block.generator_version} | rule set {stamp.id} {stamp.version} (sha256 {stamp.sha256[:12]})")
    if block.person_id:
        add(f"Client: {block.person_id}")
    add(f"Status: {STATUS_WORDS[block.status]}")
    add("")
    referral = block.referral
    if referral is not None:
        add(f"REFERRAL ({referral.urgency.upper()}): {referral.to}")
        add(f"  {referral.message}")
        add("")
    screening = block.screening
    stopped = [a for a in block.adaptations if a.action == "require_clearance"]
    if block.status == "needs_clearance" and stopped:  # progress: the log asks for a clinician again
        rule = stopped[-1].rules[0]
        add("The training log asks for a clinician before training goes on:")
        add(f"  {rule.title} ({rule.id}): {rule.reason}")
        add(f"  {stopped[-1].change}")
        add("")
    elif block.status == "needs_clearance":
        add("Before this block can start, a clinician must assess and clear exercise")
        add(f"because of: {screening.still_needed()}. Record each clinician's clearance as a [[clearance]] table in "
            "the profile; --format clearance-request writes the form to send.")
        for decision in screening.not_cleared:
            for rejected in decision.rejected:
                given = label(rejected.clearance, screening.clearances[rejected.clearance])
                add(f"  {decision.rule}: {given} did not count: {'; '.join(rejected.reasons)}")
        add("")
    if screening.fired:
        add("Screening: rules that fired (strictest first)")
        for f in screening.fired:
            add(f"  [{f.action}] {f.title} ({f.id})")
            add(f"      {f.reason}")
            add(f"      Source: {f.citation}")
    else:
        add("Screening: no rule fired.")
    add("")
    if shows_limits(block):
        when = "applied" if block.status == "generated" else "that will apply once cleared"
        changing = "; at the start: they change during the block, see the weeks" if caps_change(block) else ""
        add(f"Caps {when} (the strictest of each kind{changing})")
        for cap in screening.caps:
            value = ", ".join(sorted(cap.value)) if isinstance(cap.value, frozenset) else cap.value
            add(f"  {cap.name} = {value}  ({cap.meaning}; set by {', '.join(cap.set_by)})")
        add("")
    if block.progress is not None:
        info = block.progress
        add(f"Adapted to the training log {info.log_file} ({info.sessions} sessions, {info.sets} sets): "
            + (f"weeks 1-{info.done_weeks} done" if info.done_weeks > 1 else "week 1 done") if info.done_weeks else
            f"Adapted to the training log {info.log_file}: no week done yet")
        for adaptation in block.adaptations:
            lines_ = ", ".join(where for _, where in adaptation.entries)
            add(f"  Week {adaptation.week}: {adaptation.change}")
            add(f"    because: {'; '.join(f'{r.title} ({r.id})' for r in adaptation.rules)}"
                + (f"; log: {lines_}" if lines_ else ""))
        for note in info.notes:
            add(f"  Note: {note}")
        add("")
    for adjustment in block.adjustments:
        add(f"Note: {adjustment}")
    for warning in block.warnings:
        add(f"Warning: {warning}")
    if block.adjustments or block.warnings:
        add("")
    plan = block.plan
    if plan is not None:
        start = f", from {plan.start_date.isoformat()}" if plan.start_date else ""
        add(f"Programme: {plan.program_name} ({plan.experience}) | {plan.variant_name}")
        add(f"  {plan.weeks} weeks x {plan.days_per_week} sessions a week{start}")
        add("")
        last_cues: tuple[str, ...] = ()
        last_caps = block.screening.merged_caps
        for week in block.weeks:
            title = f"Week {week.number}: {week.phase_name}" + (" (lighter week)" if week.deload else "")
            add(title)
            add("  " + "-" * (len(title)))
            if week.caps != last_caps:
                add(f"  Caps from this week: {caps_text(week.caps)} (rules: {', '.join(week.rules) or 'none'})")
                last_caps = week.caps
            rows = [("Session", "Date", "Sets x reps", "Load", "Range", "Tempo", "Rest")]
            for session in week.sessions:
                e = session.exercises[0]
                rows.append((str(session.number), session.date.isoformat() if session.date else "-",
                             _sets_reps(e), _load(e), f"{e.rom_percent}%", e.tempo, f"{e.rest_seconds} s"))
            widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
            for row in rows:
                add("  " + "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip())
            if week.logged is not None:
                add("  Logged: " + ("; ".join(_logged(s) for s in week.logged) if week.logged else "nothing (missed)"))
            cues = week.sessions[0].exercises[0].cues
            if cues != last_cues:
                add("  Cues:")
                for cue in cues:
                    add(f"    - {cue}")
                last_cues = cues
            add("")
        add("Range: % of the swing from hanging to legs in line with the trunk (100 = neutral, over 100 = past neutral).")
        add("Tempo: seconds lifting - holding at the top - lowering - pausing at the bottom.")
        add("")
    if shows_training_advice(block):
        pain = block.pain_rule
        add("Pain rule for the whole block")
        for text in (pain.during, pain.after, pain.week_to_week, pain.if_exceeded):
            add(f"  - {text}")
        add("")
        for note in block.notes:
            add(f"Note: {note}")
        add("")
    for line in block.disclaimer.replace("\r\n", "\n").split("\n"):  # a rule set may write it on several lines
        add(line)
    return "\n".join(map(printable, lines)) + "\n"


def _sets_reps(e: Exercise) -> str:
    if e.reps_range is None:
        return f"{e.sets} x {e.reps}"
    effort = f"RPE {e.target_rpe:g}" if e.target_rpe is not None else f"{e.target_rir or 0:g} RIR"
    return f"{e.sets} x {e.reps} ({e.reps_range[0]}-{e.reps_range[1]} at {effort})"


def _logged(session) -> str:
    reps = "/".join(str(s.reps) for s in session.sets)
    pain = "/".join("-" if p is None else str(p) for p in (session.pain_during, session.pain_next_morning))
    return f"{session.date.isoformat()} {len(session.sets)} sets ({reps}), pain {pain}"


def _load(e: Exercise) -> str:
    if e.load_kg is None:
        return "bodyweight"
    return f"{e.load_kg} kg ({e.load_percent}%)"
