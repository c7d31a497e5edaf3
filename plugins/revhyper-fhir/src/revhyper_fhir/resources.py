"""A revhyper block as FHIR R4 (4.0.1) resources, as plain JSON-ready dicts in the specification's element order.

- generated: a CarePlan (``active``, intent ``plan``) with one activity per week (per distinct exercise in the
  week, should a platform's adjuster vary them): the exercise, a weekly schedule (``scheduledTiming``: N
  sessions a week on the given weekdays, bounded by the week's dates when known) and the prescription (sets,
  repetitions, load, range, tempo, rest, cues) in the activity's description;
- needs clearance: a CarePlan (``draft``) whose one activity is a ServiceRequest (intent ``proposal``) asking
  for a clinical assessment and clearance, its reasons the rules that asked for it;
- refused: a CarePlan (``revoked``) and a ServiceRequest (intent ``proposal``) for the referral, its priority
  from the referral's urgency, its reasons the refusing rules and its patient instruction the referral's
  message; when no exercise variant suits the equipment and caps, a request for an alternative prescription.

Every resource carries a narrative, an identifier (its own UUID), the rule set as ``instantiatesUri`` and
the generator as ``meta.source``; the CarePlan's notes give the screening (each rule that fired, the values
it read, its reason and source), the caps, the adjustments, the pain rule and the disclaimer.
"""

from __future__ import annotations

import hashlib
import html
import uuid
from typing import Any
from urllib.parse import quote

from revhyper.block import Block, Exercise, FiredRule, Session, Week

SNOMED = "http://snomed.info/sct"
EXERCISE_THERAPY = {"system": SNOMED, "code": "229065009", "display": "Exercise therapy"}
LOW_BACK_PAIN = {"system": SNOMED, "code": "279039007", "display": "Low back pain"}
PATIENT_REFERRAL = {"system": SNOMED, "code": "3457005", "display": "Patient referral"}

PRIORITY = {"emergency": "stat", "urgent": "urgent", "routine": "routine"}
"""Referral urgency -> ServiceRequest.priority (R4 value set request-priority)."""
CAREPLAN_STATUS = {"generated": "active", "needs_clearance": "draft", "refused": "revoked"}
"""Block status -> CarePlan.status (R4 value set request-status)."""
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
CLEARANCE = "Clinical assessment and clearance for a reverse hyperextension exercise programme"
ALTERNATIVE = ("Alternative exercise prescription: no reverse hyperextension variant suits the client's "
               "equipment and the caps that apply")
_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:revhyper:fhir")


def bundle(block: Block) -> dict[str, Any]:
    """The Bundle (type ``collection``) for ``block``: the CarePlan first, then any ServiceRequest."""
    ids = _Ids(block)
    request = _service_request(block, ids)
    entries = [_care_plan(block, ids, request), *([request] if request else [])]
    return {
        "resourceType": "Bundle",
        "id": ids.bundle,
        "identifier": _identifier(ids.bundle)[0],  # 0..1 on a Bundle
        "type": "collection",
        "entry": [{"fullUrl": f"urn:uuid:{r['id']}", "resource": r} for r in entries],
    }


class _Ids:
    """UUIDs derived from the block's canonical JSON: the same block always gets the same ids, and a new
    block (another client, another rule set, another start date, a re-screening) gets new ones."""

    def __init__(self, block: Block):
        from revhyper import block_to_json

        digest = hashlib.sha256(block_to_json(block)).hexdigest()
        self.bundle, self.care_plan, self.request = (str(uuid.uuid5(_NAMESPACE, f"{digest}:{what}"))
                                                     for what in ("bundle", "careplan", "servicerequest"))


def _identifier(resource_id: str) -> list[dict[str, str]]:
    return [{"system": "urn:ietf:rfc:3986", "value": f"urn:uuid:{resource_id}"}]


def _meta(block: Block) -> dict[str, str]:
    return {"source": f"urn:revhyper:generator:{quote(block.generator_version, safe='')}"}


def ruleset_uri(block: Block) -> str:
    """The rule set the resources follow, as a URN naming its id, version and content hash."""
    stamp = block.ruleset
    return f"urn:revhyper:ruleset:{quote(stamp.id, safe='')}:{quote(stamp.version, safe='')}:sha256:{stamp.sha256}"


def _subject(block: Block) -> dict[str, Any]:
    if block.person_id:
        return {"type": "Patient", "identifier": {"system": "urn:revhyper:client", "value": block.person_id},
                "display": block.person_id}
    return {"type": "Patient", "display": "Client (no id in the profile)"}


def _narrative(*paragraphs: str, items: tuple[str, ...] = ()) -> dict[str, str]:
    body = "".join(f"<p>{html.escape(p, quote=False)}</p>" for p in paragraphs if p)
    if items:
        body += "<ul>" + "".join(f"<li>{html.escape(i, quote=False)}</li>" for i in items) + "</ul>"
    return {"status": "generated", "div": f'<div xmlns="http://www.w3.org/1999/xhtml">{body}</div>'}


# -- CarePlan ---------------------------------------------------------------------------------------


def _care_plan(block: Block, ids: _Ids, request: dict[str, Any] | None) -> dict[str, Any]:
    plan = block.plan
    if plan is not None:
        title = f"Reverse hyperextension: {plan.program_name}"
        description = (f"{plan.weeks} weeks x {plan.days_per_week} sessions a week of {plan.variant_name} "
                       f"({plan.experience}, goal {plan.goal}).")
    else:
        title = "Reverse hyperextension programme (not started)"
        if block.status == "needs_clearance":
            description = "No sessions: a clinician must clear exercise first; see the request for clearance."
        else:
            description = f"No sessions: refused; see the {'referral' if block.referral else 'request for an alternative'}."
    groups = [(week, exercise, sessions) for week in block.weeks for exercise, sessions in _by_exercise(week)]
    resource: dict[str, Any] = {
        "resourceType": "CarePlan",
        "id": ids.care_plan,
        "meta": _meta(block),
        "text": _narrative(f"{title} ({CAREPLAN_STATUS[block.status]})", description,
                           items=tuple(_prescription(block, *group) for group in groups)),
        "identifier": _identifier(ids.care_plan),
        "instantiatesUri": [ruleset_uri(block)],
        "status": CAREPLAN_STATUS[block.status],
        "intent": "plan",
        "category": [{"coding": [EXERCISE_THERAPY], "text": "Exercise programme for low back pain (reverse hyperextension)"}],
        "title": title,
        "description": description,
        "subject": _subject(block),
    }
    dates = [s.date for s in block.sessions() if s.date]
    if dates:
        resource["period"] = {"start": dates[0].isoformat(), "end": dates[-1].isoformat()}
    if groups:
        resource["activity"] = [_activity(block, *group) for group in groups]
    elif block.status == "needs_clearance" and request is not None:
        resource["activity"] = [{"reference": {"reference": f"urn:uuid:{request['id']}", "display": CLEARANCE}}]
    resource["note"] = [{"text": text} for text in _notes(block)]
    return resource


def _by_exercise(week: Week) -> list[tuple[Exercise, list[Session]]]:
    """The week's sessions grouped by exercise, in order; one group per exercise in a revhyper week."""
    groups: dict[Exercise, list[Session]] = {}
    for session in week.sessions:
        for exercise in session.exercises:
            groups.setdefault(exercise, []).append(session)
    return list(groups.items())


def _activity(block: Block, week: Week, e: Exercise, sessions: list[Session]) -> dict[str, Any]:
    repeat: dict[str, Any] = {}
    dates = [s.date for s in sessions if s.date]
    if dates:
        repeat["boundsPeriod"] = {"start": dates[0].isoformat(), "end": dates[-1].isoformat()}
    repeat.update(frequency=len(sessions), period=1, periodUnit="wk")
    if dates:
        repeat["dayOfWeek"] = list(dict.fromkeys(WEEKDAYS[d.weekday()] for d in dates))
    description = _prescription(block, week, e, sessions)
    if e.cues:
        description += " Cues: " + " ".join(e.cues)
    return {"detail": {
        "kind": "ServiceRequest",
        "code": {"coding": [EXERCISE_THERAPY], "text": e.name},
        "reasonCode": [{"coding": [LOW_BACK_PAIN], "text": "Low back pain"}],
        "status": "not-started",
        "scheduledTiming": {"repeat": repeat},
        "description": description,
    }}


def _prescription(block: Block, week: Week, e: Exercise, sessions: list[Session]) -> str:
    """``Week 2 of 12 (Base): 3 sessions, each 3 sets x 12 repetitions, 25 kg (65 % of the working load), ...``"""
    load = "bodyweight" if e.load_kg is None else f"{e.load_kg} kg ({e.load_percent} % of the working load)"
    lighter = ", lighter week" if week.deload else ""
    return (f"Week {week.number} of {len(block.weeks)} ({week.phase_name}{lighter}): {_count(len(sessions), 'session')}, "
            f"each {_count(e.sets, 'set')} x {e.reps} repetitions, {load}, range {e.rom_percent} % of the swing to "
            f"neutral, tempo {e.tempo}, rest {e.rest_seconds} s between sets.")


def _count(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _notes(block: Block) -> list[str]:
    """Screening, caps, adjustments, warnings, rule set notes, pain rule, provenance; the disclaimer last."""
    screening = block.screening
    if block.status == "generated":
        notes = ["Screening: no rule stops or delays exercise; the programme was generated."]
    elif block.status == "needs_clearance":
        notes = [f"Screening: needs clearance by a clinician (asked by {', '.join(screening.clearance_required_by)})."]
    elif block.referral is not None:
        notes = [f"Screening: refused; referral ({block.referral.urgency}) to {block.referral.to}."]
    else:
        notes = ["Screening: refused; no exercise variant suits the equipment listed and the caps that apply."]
    notes += [_fired(f) for f in screening.fired]
    for cap in screening.caps:
        notes.append(f"Cap {cap.name} = {_show(cap.value)}: {cap.meaning} (set by {', '.join(cap.set_by)}).")
    if screening.clearance_given:
        notes.append("Clearance: given by a clinician (recorded in the profile).")
    if screening.restrictions:
        notes.append(f"Clinician's restrictions: {', '.join(screening.restrictions)}.")
    notes += [*block.adjustments, *block.warnings, *block.notes]
    pain = block.pain_rule
    notes.append(f"Pain rule: {pain.during} {pain.after} {pain.week_to_week} {pain.if_exceeded}")
    stamp = block.ruleset
    notes.append(f"Made by revhyper {block.generator_version} with rule set {stamp.id} version {stamp.version} "
                 f"(sha256 {stamp.sha256}).")
    notes.append(block.disclaimer)
    return notes


def _fired(f: FiredRule) -> str:
    read = "; ".join(f"{name} = {_show(value)}" for name, value in f.values)
    return (f"Rule {f.id} ({f.title}; {f.action.replace('_', ' ')}): {f.reason}"
            + (f" Values read: {read}." if read else "") + f" Source: {f.citation}")


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, frozenset):
        value = sorted(value)
    if isinstance(value, (tuple, list)):
        return "[" + ", ".join(str(v) for v in value) + "]"
    return "none" if value is None else str(value)


# -- ServiceRequest ---------------------------------------------------------------------------------


def _service_request(block: Block, ids: _Ids) -> dict[str, Any] | None:
    """The referral (refused), the request for clearance (needs clearance) or for an alternative; else None."""
    if block.status == "generated":
        return None
    if block.status == "refused" and block.referral is not None:
        referral = block.referral
        code, priority, instruction = f"Referral: {referral.to}", PRIORITY[referral.urgency], referral.message
        reasons = [f"{f.title}: {f.reason}" for f in block.screening.fired if f.action == "refuse"]
        note = "Suggested by revhyper's screening; a clinician decides on the referral."
    elif block.status == "refused":
        code, priority = ALTERNATIVE, "routine"
        instruction = "Ask a clinician or coach for an exercise that suits your equipment and condition."
        reasons = list(block.adjustments) or ["No exercise variant suits the equipment listed and the caps that apply."]
        note = "Suggested by revhyper; the screening notes are in the care plan."
    else:
        code, priority = CLEARANCE, "routine"
        instruction = "Ask a clinician to assess your back and clear the exercise before you start."
        reasons = [f"{f.title}: {f.reason}" for f in block.screening.fired if f.action == "require_clearance"]
        note = "Record the clearance (and any restrictions) in the client's revhyper profile, then generate again."
    return {
        "resourceType": "ServiceRequest",
        "id": ids.request,
        "meta": _meta(block),
        "text": _narrative(f"{code} (priority {priority}, proposal)", instruction, items=tuple(reasons)),
        "identifier": _identifier(ids.request),
        "instantiatesUri": [ruleset_uri(block)],
        "status": "active",
        "intent": "proposal",
        "category": [{"coding": [PATIENT_REFERRAL], "text": "Referral"}],
        "priority": priority,
        "code": {"text": code},
        "subject": _subject(block),
        "reasonCode": [{"text": reason} for reason in reasons or [code]],
        "supportingInfo": [{"reference": f"urn:uuid:{ids.care_plan}", "display": "Screening in the care plan's notes"}],
        "note": [{"text": note}, {"text": block.disclaimer}],
        "patientInstruction": instruction,
    }
