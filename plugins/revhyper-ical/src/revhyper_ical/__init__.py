"""iCalendar (RFC 5545) for revhyper blocks: one all-day event per session, the prescription in its description.

When there is nothing to put on a date, the calendar says what to do instead, as one to-do (VTODO):
see the doctor the referral names (refused), get a clinician's clearance (needs clearance), or choose a
start date (a generated block without ``training.start_date``: revhyper never invents dates).

Same block, same bytes: UIDs come from the rule set's hash, the client's id and the session's index, and
DTSTAMP (required by RFC 5545) is the block's start date at midnight UTC rather than the clock.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from revhyper.block import Block, Exercise, Session, Week
from revhyper.exporters import Exporter
from revhyper.hookspecs import hookimpl

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
PRIORITY = {"emergency": 1, "urgent": 2, "routine": 5}


def _uid(block: Block, what: str) -> str:
    seed = f"{block.ruleset.sha256}:{block.person_id or ''}:{what}".encode()
    return f"{hashlib.sha256(seed).hexdigest()[:32]}@revhyper"


def _stamp(block: Block) -> dt.datetime:
    start = block.plan.start_date if block.plan and block.plan.start_date else None
    return dt.datetime.combine(start, dt.time(), tzinfo=dt.timezone.utc) if start else EPOCH


def describe(block: Block, week: Week, session: Session) -> str:
    lines = [f"Week {week.number} of {len(block.weeks)}: {week.phase_name}" + (" (lighter week)" if week.deload else ""),
             ""]
    for e in session.exercises:
        lines.append(e.name)
        lines.append(f"{e.sets} sets x {e.reps} repetitions, {_load(e)}")
        lines.append(f"Range {e.rom_percent} % of the swing to neutral; tempo {e.tempo}; rest {e.rest_seconds} s")
        lines.extend(f"- {cue}" for cue in e.cues)
        lines.append("")
    lines.append(f"After the session: {block.pain_rule.after}")
    lines.append(block.pain_rule.week_to_week)
    lines.append("")
    lines.append(block.disclaimer)
    lines.append(f"revhyper {block.generator_version}, rule set {block.ruleset.id} {block.ruleset.version}")
    return "\n".join(lines)


def _load(e: Exercise) -> str:
    return "bodyweight" if e.load_kg is None else f"{e.load_kg} kg ({e.load_percent} % of working load)"


def export(block: Block) -> bytes:
    from icalendar import Calendar, Event, Todo

    calendar = Calendar()
    calendar.add("prodid", f"-//revhyper//revhyper {block.generator_version}//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", "Reverse hyper" + (f": {block.plan.program_name}" if block.plan else ""))
    calendar.add("x-revhyper-ruleset", f"{block.ruleset.id} {block.ruleset.version} sha256:{block.ruleset.sha256}")
    calendar.add("x-revhyper-status", block.status)
    stamp = _stamp(block)
    dated = [(w, s) for w in block.weeks for s in w.sessions if s.date is not None]
    for week, session in dated:
        event = Event()
        event.add("uid", _uid(block, f"session-{session.index}"))
        event.add("dtstamp", stamp)
        event.add("dtstart", session.date)
        event.add("dtend", session.date + dt.timedelta(days=1))
        event.add("summary", f"Reverse hyper: week {week.number}, session {session.number} ({week.phase_name})")
        event.add("description", describe(block, week, session))
        event.add("categories", ["Exercise"])
        event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
    if not dated:
        calendar.add_component(_todo(block, stamp, Todo))
    return calendar.to_ical()


def _todo(block: Block, stamp: dt.datetime, Todo):
    todo = Todo()
    todo.add("uid", _uid(block, f"todo-{block.status}"))
    todo.add("dtstamp", stamp)
    todo.add("status", "NEEDS-ACTION")
    if block.status == "refused" and block.referral is not None:
        todo.add("summary", f"Back pain: {block.referral.to}")
        todo.add("priority", PRIORITY[block.referral.urgency])
        reasons = [f"- {f.title}: {f.reason}" for f in block.screening.fired if f.action == "refuse"]
        todo.add("description", "\n".join([block.referral.message, "", "Why:", *reasons, "", block.disclaimer]))
    elif block.status == "needs_clearance":
        todo.add("summary", "Get a clinician's clearance before starting the reverse hyper block")
        todo.add("priority", 5)
        reasons = [f"- {f.title}: {f.reason}" for f in block.screening.fired if f.action == "require_clearance"]
        todo.add("description", "\n".join(["A doctor or physiotherapist must assess and clear exercise first.", "",
                                           "Why:", *reasons, "", block.disclaimer]))
    elif block.status == "refused":
        todo.add("summary", "No reverse hyper block could be made")
        todo.add("description", "\n".join([*block.adjustments, "", block.disclaimer]))
    else:
        todo.add("summary", "Choose a start date for the reverse hyper block")
        plan = block.plan
        todo.add("description", f"{plan.weeks} weeks x {plan.days_per_week} sessions of {plan.variant_name}. Add "
                                "training.start_date to the profile to put every session in the calendar.")
    return todo


ICAL = Exporter("ical", ".ics", "text/calendar", export,
                "iCalendar: one all-day event per session with the prescription; a to-do when nothing can be scheduled")


@hookimpl
def revhyper_register_exporters(register):
    register(ICAL)
