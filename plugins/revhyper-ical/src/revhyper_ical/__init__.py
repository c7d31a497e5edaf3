"""iCalendar (RFC 5545) for revhyper blocks: one all-day event per session, the prescription in its description.

When there is nothing to put on a date, the calendar says what to do instead, as one to-do (VTODO):
see the doctor the referral names (refused), get a clinician's clearance (needs clearance), or choose a
start date (a generated block without ``training.start_date``: revhyper never invents dates). Because
some calendars import events only, the same words are also an all-day event (VEVENT) on the day the
caller made the calendar (``SOURCE_DATE_EPOCH``); without a caller time there is no date to put it on,
and the calendar holds the to-do alone. The calendar's own description (RFC 7986 DESCRIPTION, and
X-WR-CALDESC for the apps that read only that) states the block's status in every case.

Same inputs, same bytes; a regenerated block updates the events already imported:

- UIDs come from the block's identity (rule set hash, client id, start date) and the session's index, so a
  block regenerated with other loads keeps its UIDs;
- DTSTAMP and LAST-MODIFIED are when the calendar was made, given by the caller as ``SOURCE_DATE_EPOCH``
  (1998-07-03T21:24:16Z without it: :mod:`revhyper.export_time`), never the clock;
- SEQUENCE is that time in whole minutes since 1998-07-03T21:24:16Z (0 without a caller time), so an
  export made later has a higher SEQUENCE and replaces what a calendar holds (RFC 5545 3.8.7.4).
"""

from __future__ import annotations

import datetime as dt
import hashlib

from revhyper.block import Block, Exercise, Session, Week
from revhyper.exporters import Exporter
from revhyper.hookspecs import hookimpl

PRIORITY = {"emergency": 1, "urgent": 2, "routine": 5}


def _identity(block: Block) -> str:
    """What tells this block apart from every other one a calendar may hold.

    The start date is part of it so that a client's next block (same rule set, new start date) gets new
    events instead of overwriting, or being skipped as a duplicate of, the finished one. A block without a
    client id is identified by its whole content: two anonymous clients must not share UIDs.
    """
    start = block.plan.start_date.isoformat() if block.plan and block.plan.start_date else ""
    if block.person_id:
        who = f"person:{block.person_id}"
    else:
        from revhyper.canonical import block_to_json

        who = f"anonymous:{hashlib.sha256(block_to_json(block)).hexdigest()}"
    return f"{block.ruleset.sha256}:{who}:{start}"


def _uid(identity: str, what: str) -> str:
    return f"{hashlib.sha256(f'{identity}:{what}'.encode()).hexdigest()[:32]}@revhyper"


def summary(week: Week, session: Session) -> str:
    return f"Reverse hyper: week {week.number}, session {session.number} ({week.phase_name})"


def describe(block: Block, week: Week, session: Session) -> str:
    """The session's prescription, as the event's description."""
    lighter = " (lighter week)" if week.deload else ""
    lines = [f"Week {week.number} of {len(block.weeks)}: {week.phase_name}{lighter}", ""]
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


def calendar_description(block: Block) -> str:
    """One paragraph saying what the calendar holds: the plan, or why there is none."""
    if block.status == "refused":
        referral = block.referral
        why = f"{referral.to} ({referral.urgency}): {referral.message}" if referral else " ".join(block.adjustments)
        head = f"Refused: no exercise block. {why}".strip()
    elif block.status == "needs_clearance":
        head = ("Needs clearance: a clinician must assess and clear exercise before the block starts, because of: "
                f"{block.screening.still_needed()}.")
    else:
        plan = block.plan
        assert plan is not None, "a generated block has a plan"
        when = f" from {plan.start_date.isoformat()}" if plan.start_date else " (no start date: nothing scheduled yet)"
        head = f"{plan.program_name}: {plan.weeks} weeks x {plan.days_per_week} sessions of {plan.variant_name}{when}."
    stamp = block.ruleset
    return f"{head}\nrevhyper {block.generator_version}, rule set {stamp.id} {stamp.version} (sha256 {stamp.sha256})"


def export(block: Block) -> bytes:
    from icalendar import Calendar, Event, Todo, vText

    calendar = Calendar()
    calendar.add("prodid", f"-//revhyper//revhyper {block.generator_version}//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    name = "Reverse hyper" + (f": {block.plan.program_name}" if block.plan else "")
    about = calendar_description(block)
    calendar.add("name", name)
    calendar.add("x-wr-calname", vText(name))  # escaped only as vText: x- properties are TEXT (RFC 5545 3.8.8.2)
    calendar.add("description", about)
    calendar.add("x-wr-caldesc", vText(about))
    stamp = block.ruleset
    calendar.add("x-revhyper-ruleset", vText(f"{stamp.id} {stamp.version} sha256:{stamp.sha256}"))
    calendar.add("x-revhyper-status", vText(block.status))
    from revhyper.export_time import caller_time, generation_time, revision

    identity = _identity(block)
    made = caller_time()
    dtstamp, sequence = generation_time(), revision()
    dated = [(w, s) for w in block.weeks for s in w.sessions if s.date is not None]
    for week, session in dated:
        date = session.date
        assert date is not None
        event = Event()
        event.add("uid", _uid(identity, f"session-{session.index}"))
        _stamp(event, dtstamp, sequence)
        event.add("dtstart", date)
        event.add("dtend", date + dt.timedelta(days=1))
        event.add("summary", summary(week, session))
        event.add("description", describe(block, week, session))
        event.add("categories", ["Exercise"])
        event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
    if not dated:
        todo = _todo(block, Todo())
        todo.add("uid", _uid(identity, f"todo-{block.status}"))
        _stamp(todo, dtstamp, sequence)
        todo.add("status", "NEEDS-ACTION")
        calendar.add_component(todo)
        if made is not None:
            calendar.add_component(_todo_event(todo, _uid(identity, f"todo-event-{block.status}"), made.date(),
                                               Event()))
    return calendar.to_ical()


def _stamp(component, stamp: dt.datetime, sequence: int) -> None:
    component.add("dtstamp", stamp)
    component.add("last-modified", stamp)
    component.add("sequence", sequence)


def _todo_event(todo, uid: str, day: dt.date, event):
    """The to-do again as an all-day event on ``day``, for calendars that import events only."""
    event.add("uid", uid)
    for name in ("dtstamp", "last-modified", "sequence", "summary", "description", "priority"):
        if name in todo:
            event.add(name, todo[name])
    event.add("dtstart", day)
    event.add("dtend", day + dt.timedelta(days=1))
    event.add("categories", ["Exercise"])
    event.add("transp", "TRANSPARENT")
    return event


def _todo(block: Block, todo):
    """What to do instead of training: the to-do's summary, priority and description."""
    if block.status == "refused" and block.referral is not None:
        todo.add("summary", f"Back pain: {block.referral.to}")
        todo.add("priority", PRIORITY[block.referral.urgency])
        reasons = [f"- {f.title}: {f.reason}" for f in block.screening.fired if f.action == "refuse"]
        todo.add("description", "\n".join([block.referral.message, "", "Why:", *reasons, "", block.disclaimer]))
    elif block.status == "needs_clearance":
        todo.add("summary", "Get a clinician's clearance before starting the reverse hyper block")
        todo.add("priority", 5)
        reasons = [f"- {f.title}: {f.reason}" for f in block.screening.fired if f.action == "require_clearance"]
        todo.add("description", "\n".join([f"A clinician must assess and clear exercise first: "
                                           f"{block.screening.still_needed()}.", "", "Why:", *reasons, "",
                                           block.disclaimer]))
    elif block.status == "refused":
        todo.add("summary", "No reverse hyper block could be made")
        todo.add("description", "\n".join([*block.adjustments, "", block.disclaimer]))
    else:
        todo.add("summary", "Choose a start date for the reverse hyper block")
        plan = block.plan
        assert plan is not None, "a generated block has a plan"
        todo.add("description", f"{plan.weeks} weeks x {plan.days_per_week} sessions of {plan.variant_name}. Add "
                                "training.start_date to the profile to put every session in the calendar.")
    return todo


ICAL = Exporter("ical", ".ics", "text/calendar", export,
                "iCalendar: one all-day event per session with the prescription; a to-do when nothing can be scheduled")


@hookimpl
def revhyper_register_exporters(register):
    register(ICAL)
