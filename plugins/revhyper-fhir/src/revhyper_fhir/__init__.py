"""FHIR R4 (4.0.1) for revhyper blocks: a Bundle a clinical record system can store.

- generated: a CarePlan (status ``active``, intent ``plan``) with one activity per week: the exercise,
  a weekly schedule (``scheduledTiming``: N sessions a week, bounded by the week's dates when known) and
  the prescription (sets, repetitions, load, range, tempo, rest) in the activity's description;
- needs clearance: a CarePlan (``draft``) without activities, and a ServiceRequest (intent ``proposal``)
  asking for a clinical assessment and clearance, its reasons the rules that asked for it;
- refused: a CarePlan (``revoked``) without activities, and a ServiceRequest (intent ``proposal``) for the
  referral, its priority from the referral's urgency (emergency -> stat, urgent -> urgent, routine ->
  routine), its reasons the refusing rules.

Every resource notes the screening (each rule that fired, its reason and source), the caps and the
disclaimer, and carries an identifier naming the generator and the rule set (id, version, sha256). The
adapter writes plain JSON (no runtime dependency); its tests validate every resource with fhirclient's
R4 models. Ids are UUIDs derived from the rule set's hash and the client's id, so the same block gives
the same bytes.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

from revhyper.block import Block
from revhyper.exporters import Exporter
from revhyper.hookspecs import hookimpl

PRIORITY = {"emergency": "stat", "urgent": "urgent", "routine": "routine"}
CAREPLAN_STATUS = {"generated": "active", "needs_clearance": "draft", "refused": "revoked"}


def _id(block: Block, what: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"revhyper:{block.ruleset.sha256}:{block.person_id or ''}:{what}"))


def _subject(block: Block) -> dict[str, Any]:
    if block.person_id:
        return {"identifier": {"system": "urn:revhyper:client", "value": block.person_id}, "display": block.person_id}
    return {"display": "Client (no id in the profile)"}


def _notes(block: Block) -> list[dict[str, str]]:
    notes = [{"text": f"Screening: {f.title} ({f.action}). {f.reason} Source: {f.citation}"} for f in block.screening.fired]
    for cap in block.screening.caps:
        value = ", ".join(sorted(cap.value)) if isinstance(cap.value, frozenset) else cap.value
        notes.append({"text": f"Cap {cap.name} = {value}: {cap.meaning} (set by {', '.join(cap.set_by)})."})
    notes.extend({"text": text} for text in (*block.adjustments, *block.warnings))
    pain = block.pain_rule
    notes.append({"text": f"Pain rule: {pain.during} {pain.after} {pain.week_to_week} {pain.if_exceeded}"})
    notes.append({"text": block.disclaimer})
    return notes


def _identifier(block: Block) -> list[dict[str, str]]:
    return [{"system": "urn:revhyper:ruleset",
             "value": f"{block.ruleset.id}|{block.ruleset.version}|sha256:{block.ruleset.sha256}"},
            {"system": "urn:revhyper:generator", "value": f"revhyper|{block.generator_version}"}]


def _activity(block: Block, week) -> dict[str, Any]:
    e = week.sessions[0].exercises[0]
    load = "bodyweight" if e.load_kg is None else f"{e.load_kg} kg ({e.load_percent} % of the working load)"
    repeat: dict[str, Any] = {"frequency": len(week.sessions), "period": 1, "periodUnit": "wk"}
    dates = [s.date for s in week.sessions if s.date]
    if dates:
        repeat["boundsPeriod"] = {"start": dates[0].isoformat(), "end": dates[-1].isoformat()}
    return {"detail": {
        "code": {"text": e.name},
        "status": "not-started",
        "scheduledTiming": {"repeat": repeat},
        "description": (f"Week {week.number} ({week.phase_name}{', lighter week' if week.deload else ''}): "
                        f"{e.sets} sets x {e.reps} repetitions, {load}, range {e.rom_percent} % of the swing to neutral, "
                        f"tempo {e.tempo}, rest {e.rest_seconds} s."),
    }}


def bundle(block: Block) -> dict[str, Any]:
    plan = block.plan
    careplan: dict[str, Any] = {
        "resourceType": "CarePlan",
        "id": _id(block, "careplan"),
        "identifier": _identifier(block),
        "status": CAREPLAN_STATUS[block.status],
        "intent": "plan",
        "category": [{"text": "Exercise programme for low back pain (reverse hyperextension)"}],
        "title": f"Reverse hyperextension: {plan.program_name}" if plan else "Reverse hyperextension programme",
        "description": (f"{plan.weeks} weeks x {plan.days_per_week} sessions a week of {plan.variant_name} "
                        f"({plan.experience}, goal {plan.goal})." if plan else
                        "No sessions: " + ("refused; see the referral." if block.status == "refused" else
                                           "a clinician must clear exercise first.")),
        "subject": _subject(block),
        "note": _notes(block),
    }
    dates = [s.date for s in block.sessions() if s.date]
    if dates:
        careplan["period"] = {"start": dates[0].isoformat(), "end": dates[-1].isoformat()}
    if block.weeks:
        careplan["activity"] = [_activity(block, week) for week in block.weeks]
    entries = [careplan]
    request = _service_request(block)
    if request is not None:
        entries.append(request)
    return {
        "resourceType": "Bundle",
        "id": _id(block, "bundle"),
        "identifier": _identifier(block)[0],
        "type": "collection",
        "entry": [{"fullUrl": f"urn:uuid:{r['id']}", "resource": r} for r in entries],
    }


def _service_request(block: Block) -> dict[str, Any] | None:
    if block.status == "generated":
        return None
    if block.status == "refused" and block.referral is not None:
        referral = block.referral
        rules = [f for f in block.screening.fired if f.action == "refuse"]
        return {
            "resourceType": "ServiceRequest", "id": _id(block, "referral"), "identifier": _identifier(block),
            "status": "active", "intent": "proposal", "priority": PRIORITY[referral.urgency],
            "code": {"text": f"Referral: {referral.to}"}, "subject": _subject(block),
            "reasonCode": [{"text": f"{f.title}: {f.reason}"} for f in rules],
            "note": [{"text": referral.message}, {"text": block.disclaimer}],
        }
    rules = [f for f in block.screening.fired if f.action == "require_clearance"]
    return {
        "resourceType": "ServiceRequest", "id": _id(block, "clearance"), "identifier": _identifier(block),
        "status": "active", "intent": "proposal", "priority": "routine",
        "code": {"text": "Clinical assessment and clearance for a reverse hyperextension exercise programme"},
        "subject": _subject(block),
        "reasonCode": [{"text": f"{f.title}: {f.reason}"} for f in rules] or [{"text": " ".join(block.adjustments)}],
        "note": [{"text": "Record the clearance (and any restrictions) in the client's revhyper profile."},
                 {"text": block.disclaimer}],
    }


def export(block: Block) -> bytes:
    return (json.dumps(bundle(block), indent=2, ensure_ascii=False) + "\n").encode("utf-8")


FHIR = Exporter("fhir", ".json", "application/fhir+json", export,
                "FHIR R4 Bundle: CarePlan with weekly activities; ServiceRequest for a referral or clearance")


@hookimpl
def revhyper_register_exporters(register):
    register(FHIR)
