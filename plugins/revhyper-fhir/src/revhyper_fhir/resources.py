"""A revhyper block as FHIR R4 (4.0.1) resources, as plain JSON-ready dicts in the specification's element order.

- generated: a CarePlan (``active``, intent ``plan``) whose activities each reference an exercise prescription:
  a ServiceRequest (SNOMED CT 229065009 *Exercise therapy*, the Physical Activity IG's ``PhysicalActivity``
  category, the patient as performer) per week (per distinct exercise in the week, should a platform's
  adjuster vary them), with a weekly schedule (``occurrenceTiming``: N sessions a week on the given weekdays,
  bounded by the week's dates when known) and the prescription (sets, repetitions, load, range, tempo, rest,
  cues) as its patient instruction;
- needs clearance: a CarePlan (``draft``) whose one activity is a ServiceRequest (intent ``proposal``) asking
  for a clinical assessment and clearance, its reasons the rules that asked for it;
- refused: a CarePlan (``revoked``) and a ServiceRequest (intent ``proposal``) for the referral, its priority
  from the referral's urgency, its reasons the refusing rules and its patient instruction the referral's
  message; when no exercise variant suits the equipment and caps, a request for an alternative prescription.

Every resource carries a narrative, an identifier (its own UUID), the rule set as ``instantiatesUri`` and
the generator as ``meta.source``; the CarePlan's notes give the screening (each rule that fired, the values
it read, its reason and source), the caps, the adjustments, the pain rule and the disclaimer.

``reasonCode`` comes only from what the client's profile says (pain, back conditions; see
:func:`clinical_reasons`): revhyper never diagnoses, so a client with no pain and no back condition gets none.
The Bundle is a ``transaction`` (each entry a conditional create) or, for readers of the earlier output, a
``collection``; :class:`Settings` carries the Patient identifier system and the CarePlan it replaces.
"""

from __future__ import annotations

import hashlib
import html
import re
import uuid
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import attrs

from revhyper.block import Block, Exercise, FiredRule, Session, Week

if TYPE_CHECKING:
    from revhyper.profile.profile import Profile

SNOMED = "http://snomed.info/sct"
EXERCISE_THERAPY = {"system": SNOMED, "code": "229065009", "display": "Exercise therapy"}
LOW_BACK_PAIN = {"system": SNOMED, "code": "279039007", "display": "Low back pain"}
PATIENT_REFERRAL = {"system": SNOMED, "code": "3457005", "display": "Patient referral"}
PHYSICAL_ACTIVITY = {"system": "http://hl7.org/fhir/us/physical-activity/CodeSystem/pa-temporary-codes",
                     "code": "PhysicalActivity", "display": "Physical Activity"}
"""The HL7 FHIR Physical Activity IG's category (``category[PA]`` of its CarePlan and ServiceRequest profiles)."""

BACK_CONDITIONS: dict[str, tuple[dict[str, str] | None, str]] = {
    "nonspecific_low_back_pain": (LOW_BACK_PAIN, "Non-specific low back pain"),
    "disc_herniation": (None, "Disc herniation"),
    "spondylolisthesis": ({"system": SNOMED, "code": "274152003", "display": "Spondylolisthesis"}, "Spondylolisthesis"),
    "spondylolysis": (None, "Spondylolysis"),
    "spinal_stenosis": (None, "Spinal stenosis"),
    "ankylosing_spondylitis": ({"system": SNOMED, "code": "9631008", "display": "Ankylosing spondylitis"},
                               "Ankylosing spondylitis"),
}
"""The profile's ``history.conditions`` words (default vocabulary) that are a reason for back exercise: SNOMED CT
where the code was checked against several independent uses, text where sources disagreed. Other conditions
(osteoporosis, hypertension, medication, a hip replacement) shape the caps but are not why the exercise is
done, so they are no reason; nor is a word a clinic's vocabulary adds, which this adapter cannot interpret."""
PAIN_RATINGS = ("pain.current", "pain.worst_last_week")

PRIORITY = {"emergency": "stat", "urgent": "urgent", "routine": "routine"}
"""Referral urgency -> ServiceRequest.priority (R4 value set request-priority)."""
CAREPLAN_STATUS = {"generated": "active", "needs_clearance": "draft", "refused": "revoked"}
"""Block status -> CarePlan.status (R4 value set request-status)."""
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
CLEARANCE = "Clinical assessment and clearance for a reverse hyperextension exercise programme"
ALTERNATIVE = ("Alternative exercise prescription: no reverse hyperextension variant suits the client's "
               "equipment and the caps that apply")
RFC3986 = "urn:ietf:rfc:3986"
BUNDLE_TYPES = ("transaction", "collection")
_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:revhyper:fhir")
_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s|]+")
_UUID_URN = re.compile(r"urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@attrs.frozen
class Settings:
    """What a platform configures (docs: README.md, "Configuration").

    ``identifier_system``: the system of the platform's patient identifiers; the profile's ``person.id`` is the
    value, and a transaction refers to the Patient conditionally (``Patient?identifier=SYSTEM|VALUE``).
    ``replaces``: the identifier (``urn:uuid:...``) of the CarePlan this block's plan replaces - the
    ``identifier[0].value`` of the CarePlan revhyper wrote for the client's previous block.
    """

    identifier_system: str | None = attrs.field(default=None)
    replaces: str | None = attrs.field(default=None)

    @identifier_system.validator
    def _system(self, attribute: Any, value: str | None) -> None:
        if value is not None and not _URI.fullmatch(value):
            raise ValueError(f"the Patient identifier system must be an absolute URI without spaces or '|' "
                             f"(like https://clinic.example/patients), got {value!r}")

    @replaces.validator
    def _replaces(self, attribute: Any, value: str | None) -> None:
        if value is not None and not _UUID_URN.fullmatch(value):
            raise ValueError(f"the CarePlan to replace must be given by the identifier revhyper wrote for it "
                             f"(urn:uuid: and a lower-case UUID), got {value!r}")


def bundle(block: Block, settings: Settings = Settings(), kind: str = "transaction",
           profile: Profile | None = None) -> dict[str, Any]:
    """The Bundle for ``block``: the CarePlan first, then its exercise prescriptions, then any referral or request.

    ``kind`` ``transaction``: every entry a conditional create (``POST`` with ``ifNoneExist`` on its identifier,
    so importing the same Bundle twice creates nothing new); ``collection``: the resources with their ids, as
    one document. ``profile`` (the one the block was made from), when given, is read for the reasons;
    otherwise they come from the profile values the block's screening recorded.
    """
    if kind not in BUNDLE_TYPES:
        raise ValueError(f"unknown Bundle type {kind!r}; expected one of {', '.join(BUNDLE_TYPES)}")
    ids = _Ids(block)
    refs = _Refs(block, settings, kind)
    reasons = clinical_reasons(block, profile)
    groups = _groups(block)
    prescriptions = [_prescription_request(block, ids, refs, i, group, reasons) for i, group in enumerate(groups)]
    request = _service_request(block, ids, refs)
    care_plan = _care_plan(block, ids, refs, list(zip(groups, prescriptions)), request)
    resources = [care_plan, *prescriptions, *([request] if request else [])]
    return {
        "resourceType": "Bundle",
        "id": ids.bundle,
        "identifier": _identifier(ids.bundle)[0],  # 0..1 on a Bundle
        "type": kind,
        "entry": [_entry(resource, kind) for resource in resources],
    }


def _entry(resource: dict[str, Any], kind: str) -> dict[str, Any]:
    full_url = f"urn:uuid:{resource['id']}"
    if kind == "collection":
        return {"fullUrl": full_url, "resource": resource}
    created = {key: value for key, value in resource.items() if key != "id"}  # a server assigns ids on create
    return {"fullUrl": full_url, "resource": created,
            "request": {"method": "POST", "url": resource["resourceType"],
                        "ifNoneExist": "identifier=" + _token(RFC3986, full_url)}}


def _token(system: str, value: str) -> str:
    """``SYSTEM|VALUE`` for a search URL, each part percent-encoded where a URL query needs it."""
    return f"{quote(system, safe=':/')}|{quote(value, safe=':/')}"


class _Ids:
    """UUIDs derived from the block's canonical JSON: the same block always gets the same ids, and a new
    block (another client, another rule set, another start date, a re-screening) gets new ones."""

    def __init__(self, block: Block):
        from revhyper import block_to_json

        self.digest = hashlib.sha256(block_to_json(block)).hexdigest()
        self.bundle, self.care_plan, self.request = (self.of(what) for what in ("bundle", "careplan", "servicerequest"))

    def of(self, what: str) -> str:
        return str(uuid.uuid5(_NAMESPACE, f"{self.digest}:{what}"))


class _Refs:
    """References to the Patient and to the replaced CarePlan: conditional (a search URL the server resolves)
    in a transaction, logical (an identifier) in a collection, which no server resolves."""

    def __init__(self, block: Block, settings: Settings, kind: str):
        conditional = kind == "transaction"
        if block.person_id:
            system = settings.identifier_system or "urn:revhyper:client"
            self.subject: dict[str, Any] = {"type": "Patient", "identifier": {"system": system, "value": block.person_id},
                                            "display": block.person_id}
            if conditional and settings.identifier_system:
                self.subject = {"reference": "Patient?identifier=" + _token(system, block.person_id), **self.subject}
        else:
            self.subject = {"type": "Patient", "display": "Client (no id in the profile)"}
        self.replaces: dict[str, Any] | None = None
        if settings.replaces:
            self.replaces = {"type": "CarePlan", "identifier": {"system": RFC3986, "value": settings.replaces}}
            if conditional:
                self.replaces = {"reference": "CarePlan?identifier=" + _token(RFC3986, settings.replaces), **self.replaces}


def clinical_reasons(block: Block, profile: Profile | None = None) -> list[dict[str, Any]]:
    """Why the exercise is done, as R4 CodeableConcepts, from what the profile says and nothing else.

    Low back pain when a pain rating (now or at worst last week) is above 0, then each back condition of
    :data:`BACK_CONDITIONS` listed in ``history.conditions``. With ``profile`` these are read from it; without,
    from the profile values the block's screening recorded (the values each rule that fired read), which
    may say less: a client whose pain no rule read gets no reason, never an invented one.
    """
    if profile is not None:
        ratings: list[Any] = [profile.pain.current, profile.pain.worst_last_week]
        conditions: tuple[str, ...] = profile.history.conditions
    else:
        read = [(name, value) for fired in block.screening.fired for name, value in fired.values]
        ratings = [value for name, value in read if name in PAIN_RATINGS]
        conditions = tuple(c for name, value in read if name == "history.conditions" for c in value)
    concepts: list[dict[str, Any]] = []
    if any(isinstance(r, (int, float)) and r > 0 for r in ratings) and "nonspecific_low_back_pain" not in conditions:
        concepts.append({"coding": [LOW_BACK_PAIN], "text": "Low back pain"})
    for condition in dict.fromkeys(conditions):
        if condition in BACK_CONDITIONS:
            coding, text = BACK_CONDITIONS[condition]
            concepts.append({"coding": [coding], "text": text} if coding else {"text": text})
    return concepts


def _identifier(resource_id: str) -> list[dict[str, str]]:
    return [{"system": RFC3986, "value": f"urn:uuid:{resource_id}"}]


def _meta(block: Block) -> dict[str, str]:
    return {"source": f"urn:revhyper:generator:{quote(block.generator_version, safe='')}"}


def ruleset_uri(block: Block) -> str:
    """The rule set the resources follow, as a URN naming its id, version and content hash."""
    stamp = block.ruleset
    return f"urn:revhyper:ruleset:{quote(stamp.id, safe='')}:{quote(stamp.version, safe='')}:sha256:{stamp.sha256}"


def _narrative(*paragraphs: str, items: tuple[str, ...] = ()) -> dict[str, str]:
    body = "".join(f"<p>{html.escape(p, quote=False)}</p>" for p in paragraphs if p)
    if items:
        body += "<ul>" + "".join(f"<li>{html.escape(i, quote=False)}</li>" for i in items) + "</ul>"
    return {"status": "generated", "div": f'<div xmlns="http://www.w3.org/1999/xhtml">{body}</div>'}


# -- CarePlan ---------------------------------------------------------------------------------------


Group = tuple[Week, Exercise, list[Session]]


def _groups(block: Block) -> list[Group]:
    return [(week, exercise, sessions) for week in block.weeks for exercise, sessions in _by_exercise(week)]


def _care_plan(block: Block, ids: _Ids, refs: _Refs, prescriptions: list[tuple[Group, dict[str, Any]]],
               request: dict[str, Any] | None) -> dict[str, Any]:
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
    resource: dict[str, Any] = {
        "resourceType": "CarePlan",
        "id": ids.care_plan,
        "meta": _meta(block),
        "text": _narrative(f"{title} ({CAREPLAN_STATUS[block.status]})", description,
                           items=tuple(_prescription(block, *group) for group, _ in prescriptions)),
        "identifier": _identifier(ids.care_plan),
        "instantiatesUri": [ruleset_uri(block)],
    }
    if refs.replaces:
        resource["replaces"] = [refs.replaces]
    resource.update({
        "status": CAREPLAN_STATUS[block.status],
        "intent": "plan",
        "category": [{"coding": [EXERCISE_THERAPY], "text": "Exercise programme for low back pain (reverse hyperextension)"},
                     {"coding": [PHYSICAL_ACTIVITY], "text": "Physical activity"}],
        "title": title,
        "description": description,
        "subject": refs.subject,
    })
    dates = [s.date for s in block.sessions() if s.date]
    if dates:
        resource["period"] = {"start": dates[0].isoformat(), "end": dates[-1].isoformat()}
    if prescriptions:
        resource["activity"] = [{"reference": {"reference": f"urn:uuid:{p['id']}", "type": "ServiceRequest",
                                               "display": f"{e.name}, week {week.number} of {len(block.weeks)}"}}
                                for (week, e, _), p in prescriptions]
    elif block.status == "needs_clearance" and request is not None:
        resource["activity"] = [{"reference": {"reference": f"urn:uuid:{request['id']}", "type": "ServiceRequest",
                                               "display": CLEARANCE}}]
    resource["note"] = [{"text": text} for text in _notes(block)]
    return resource


def _by_exercise(week: Week) -> list[tuple[Exercise, list[Session]]]:
    """The week's sessions grouped by exercise, in order; one group per exercise in a revhyper week."""
    groups: dict[Exercise, list[Session]] = {}
    for session in week.sessions:
        for exercise in session.exercises:
            groups.setdefault(exercise, []).append(session)
    return list(groups.items())


# -- exercise prescriptions (HL7 FHIR Physical Activity IG) -------------------------------------------


def _prescription_request(block: Block, ids: _Ids, refs: _Refs, index: int, group: Group,
                          reasons: list[dict[str, Any]]) -> dict[str, Any]:
    """One week's exercise prescription, as the Physical Activity IG writes one: a ServiceRequest for exercise
    therapy in the ``PhysicalActivity`` category, performed by the patient, its schedule in ``occurrenceTiming``."""
    week, e, sessions = group
    request_id = ids.of(f"prescription:{index}")
    repeat: dict[str, Any] = {}
    dates = [s.date for s in sessions if s.date]
    if dates:
        repeat["boundsPeriod"] = {"start": dates[0].isoformat(), "end": dates[-1].isoformat()}
    repeat.update(frequency=len(sessions), period=1, periodUnit="wk")
    if dates:
        repeat["dayOfWeek"] = list(dict.fromkeys(WEEKDAYS[d.weekday()] for d in dates))
    instruction = _prescription(block, *group)
    if e.cues:
        instruction += " Cues: " + " ".join(e.cues)
    resource: dict[str, Any] = {
        "resourceType": "ServiceRequest",
        "id": request_id,
        "meta": _meta(block),
        "text": _narrative(f"Exercise prescription: {e.name}", instruction),
        "identifier": _identifier(request_id),
        "instantiatesUri": [ruleset_uri(block)],
        "basedOn": [{"reference": f"urn:uuid:{ids.care_plan}", "type": "CarePlan"}],
        "status": "active",
        "intent": "plan",
        "category": [{"coding": [PHYSICAL_ACTIVITY], "text": "Physical activity"}],
        "priority": "routine",
        "code": {"coding": [EXERCISE_THERAPY], "text": e.name},
        "subject": refs.subject,
        "occurrenceTiming": {"repeat": repeat},
        "performer": [refs.subject],
    }
    if reasons:
        resource["reasonCode"] = reasons
    resource["patientInstruction"] = instruction
    return resource


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


def _service_request(block: Block, ids: _Ids, refs: _Refs) -> dict[str, Any] | None:
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
        "subject": refs.subject,
        "reasonCode": [{"text": reason} for reason in reasons or [code]],
        "supportingInfo": [{"reference": f"urn:uuid:{ids.care_plan}", "type": "CarePlan",
                            "display": "Screening in the care plan's notes"}],
        "note": [{"text": note}, {"text": block.disclaimer}],
        "patientInstruction": instruction,
    }
