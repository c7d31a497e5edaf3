"""Every exported resource validates as FHIR R4 (fhirclient's 4.0.1 models, strict, plus the R4 rules those
models leave out) and says what the block says: statuses, weekly numbers, referral priority, screening."""

from __future__ import annotations

import copy
import importlib.metadata
import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from typing import Any

import attrs
import pytest
from fhirclient.models.bundle import Bundle
from fhirclient.models.careplan import CarePlan
from fhirclient.models.fhirabstractbase import FHIRValidationError
from fhirclient.models.servicerequest import ServiceRequest

import revhyper
from revhyper.testing import CONTRACT, run_check
from revhyper_fhir import FHIR
from revhyper_fhir.resources import ALTERNATIVE, CLEARANCE, ruleset_uri

# -- R4 (4.0.1) value sets of the codes this adapter writes; fhirclient checks structure and types, not codes
VALUE_SETS = {
    ("Bundle", "type"): {"document", "message", "transaction", "transaction-response", "batch", "batch-response",
                         "history", "searchset", "collection"},
    ("CarePlan", "status"): {"draft", "active", "on-hold", "revoked", "completed", "entered-in-error", "unknown"},
    ("CarePlan", "intent"): {"proposal", "plan", "order", "option"},
    ("ServiceRequest", "status"): {"draft", "active", "on-hold", "revoked", "completed", "entered-in-error", "unknown"},
    ("ServiceRequest", "intent"): {"proposal", "plan", "directive", "order", "original-order", "reflex-order",
                                   "filler-order", "instance-order", "option"},
    ("ServiceRequest", "priority"): {"routine", "urgent", "asap", "stat"},
}
ACTIVITY_STATUS = {"not-started", "scheduled", "in-progress", "on-hold", "completed", "cancelled", "stopped", "unknown",
                   "entered-in-error"}
ACTIVITY_KIND = {"Appointment", "CommunicationRequest", "DeviceRequest", "MedicationRequest", "NutritionOrder", "Task",
                 "ServiceRequest", "VisionPrescription"}
DAYS_OF_WEEK = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
UNITS_OF_TIME = {"s", "min", "h", "d", "wk", "mo", "a"}
FHIR_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")
MODELS = {"CarePlan": CarePlan, "ServiceRequest": ServiceRequest}

HEALTHY = {
    "person": {"id": "client-7", "age": 41},
    "pain": {"current": 2, "duration_weeks": 30},
    "training": {"experience": "intermediate", "goal": "strength", "days_per_week": 3, "weeks": 8,
                 "start_date": "2027-03-01", "equipment": ["reverse_hyper_machine"], "working_load_kg": 40,
                 "load_increment_kg": 2.5},
}
SCENARIOS: dict[str, dict[str, Any]] = {
    "generated": {},
    "generated_bodyweight_undated": {"training": {"start_date": None, "working_load_kg": None, "goal": "rehabilitation"}},
    "generated_anonymous": {"person": {"id": None}},
    "needs_clearance": {"pain": {"current": 8}},
    "refused_fever": {"red_flags": {"fever": True}},
    "refused_cauda_equina": {"red_flags": {"saddle_anesthesia": True}},
    "refused_after_surgery": {"history": {"surgeries": [{"procedure": "microdiscectomy", "weeks_ago": 2}]}},
}
MACHINE_ONLY = '''extends = "default"
id = "machine-only"
version = "2027.1"
title = "Machine only"
variant_preference = ["machine_reverse_hyper"]
'''


def merged(base: dict, changes: dict) -> dict:
    out = copy.deepcopy(base)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merged(out[key], value)
        elif value is None:
            out.pop(key, None)
        else:
            out[key] = value
    return out


def make(changes: dict, rules=None):
    """A block built through revhyper's public API from the healthy profile with ``changes``."""
    rules = rules or revhyper.default_ruleset()
    return revhyper.generate(revhyper.profile_from_data(merged(HEALTHY, changes), ruleset=rules), rules)


@pytest.fixture(scope="module")
def blocks():
    made = {name: make(changes) for name, changes in SCENARIOS.items()}
    made["refused_no_variant"] = make({"training": {"equipment": ["bench"]}},
                                      revhyper.parse_ruleset(MACHINE_ONLY, name="machine-only.toml"))
    return made


def exported(block) -> dict:
    return json.loads(FHIR.export(block))


def resources(data: dict) -> dict[str, dict]:
    return {entry["resource"]["resourceType"]: entry["resource"] for entry in data["entry"]}


# -- validation -------------------------------------------------------------------------------------


def validate(data: dict) -> None:
    """Raise FHIRValidationError or AssertionError unless ``data`` is a valid FHIR R4 Bundle."""
    Bundle(copy.deepcopy(data), strict=True)
    for entry in data["entry"]:
        MODELS[entry["resource"]["resourceType"]](copy.deepcopy(entry["resource"]), strict=True)
    problems = r4_problems(data)
    assert not problems, "\n".join(problems)


def r4_problems(bundle: dict) -> list[str]:
    """The R4 rules fhirclient's models do not check: value sets, JSON representation, invariants."""
    problems: list[str] = []
    problems += _json_rules(bundle, "Bundle")
    problems += _codes(bundle, "Bundle")
    full_urls = [entry.get("fullUrl") for entry in bundle["entry"]]
    if len(set(full_urls)) != len(full_urls):
        problems.append("bdl-7: fullUrl must be unique in a bundle")
    for i, entry in enumerate(bundle["entry"]):
        resource, where = entry["resource"], f"Bundle.entry[{i}]"
        if entry["fullUrl"] != f"urn:uuid:{resource['id']}":
            problems.append(f"{where}.fullUrl {entry['fullUrl']} does not name the resource's id")
        if not re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", resource["id"]):
            problems.append(f"{where}: a urn:uuid fullUrl needs a UUID id")
        problems += _codes(resource, where)
        problems += _narrative(resource, where)
        for text in _references(resource):
            if text.startswith("urn:uuid:") and text not in full_urls:
                problems.append(f"{where}: reference {text} does not resolve in the bundle")
        for j, activity in enumerate(resource.get("activity", [])):
            at = f"{where}.activity[{j}]"
            if ("reference" in activity) == ("detail" in activity):
                problems.append(f"cpl-3 at {at}: provide a reference or detail, not both")
            detail = activity.get("detail", {})
            if detail:
                if detail["status"] not in ACTIVITY_STATUS:
                    problems.append(f"{at}.detail.status {detail['status']!r} is not a CarePlanActivityStatus")
                if detail.get("kind", "ServiceRequest") not in ACTIVITY_KIND:
                    problems.append(f"{at}.detail.kind {detail['kind']!r} is not a CarePlanActivityKind")
                problems += _timing(detail.get("scheduledTiming", {}).get("repeat", {}), at)
        period = resource.get("period", {})
        if period and period["start"] > period["end"]:
            problems.append(f"per-1 at {where}.period: start after end")
    return problems


def _codes(resource: dict, where: str) -> list[str]:
    return [f"{where}.{element} {resource.get(element)!r} is not in the R4 value set" for (kind, element), codes
            in VALUE_SETS.items() if kind == resource["resourceType"] and resource.get(element) not in codes]


def _timing(repeat: dict, at: str) -> list[str]:
    problems = []
    if "period" in repeat and repeat.get("periodUnit") not in UNITS_OF_TIME:
        problems.append(f"tim-2 at {at}: a period needs a unit of time")
    if not isinstance(repeat.get("frequency", 1), int) or isinstance(repeat.get("frequency"), bool) \
            or repeat.get("frequency", 1) < 1:
        problems.append(f"{at}: frequency must be a positiveInt")
    days = repeat.get("dayOfWeek", [])
    if any(d not in DAYS_OF_WEEK for d in days) or len(set(days)) != len(days):
        problems.append(f"{at}: dayOfWeek {days} must be distinct DaysOfWeek codes")
    bounds = repeat.get("boundsPeriod")
    if bounds and bounds["start"] > bounds["end"]:
        problems.append(f"per-1 at {at}.boundsPeriod: start after end")
    return problems


def _narrative(resource: dict, where: str) -> list[str]:
    text = resource.get("text")
    if text is None:
        return [f"dom-6 at {where}: a resource should have a narrative"]
    try:
        div = ET.fromstring(text["div"])
    except ET.ParseError as exc:
        return [f"{where}.text.div is not well-formed XHTML: {exc}"]
    if div.tag != "{http://www.w3.org/1999/xhtml}div" or text["status"] not in {"generated", "extensions",
                                                                                 "additional", "empty"}:
        return [f"{where}.text: an XHTML div with a NarrativeStatus is required"]
    return [] if "".join(div.itertext()).strip() else [f"txt-2 at {where}: the narrative must have text"]


def _references(value: Any):
    if isinstance(value, dict):
        if isinstance(value.get("reference"), str):
            yield value["reference"]
        for item in value.values():
            yield from _references(item)
    elif isinstance(value, list):
        for item in value:
            yield from _references(item)


def _json_rules(value: Any, path: str) -> list[str]:
    """FHIR JSON: no nulls, no empty strings, arrays or objects; no whitespace in ids, uris and codes."""
    if value is None or value == "" or value == [] or value == {}:
        return [f"{path}: empty values are not allowed in FHIR JSON"]
    if isinstance(value, dict):
        problems = [p for key, item in value.items() for p in _json_rules(item, f"{path}.{key}")]
        for key in ("id", "system", "source", "fullUrl"):
            if isinstance(value.get(key), str) and re.search(r"\s", value[key]):
                problems.append(f"{path}.{key}: no whitespace in a uri or id")
        if isinstance(value.get("id"), str) and not FHIR_ID.fullmatch(value["id"]):
            problems.append(f"{path}.id {value['id']!r} is not a FHIR id")
        return problems
    if isinstance(value, list):
        return [p for i, item in enumerate(value) for p in _json_rules(item, f"{path}[{i}]")]
    return []


# -- the tests --------------------------------------------------------------------------------------


def test_the_validator_models_fhir_r4_4_0_1():
    import fhirclient.models.careplan as careplan_models

    with open(careplan_models.__file__, encoding="utf-8") as source:
        assert source.readline().startswith("# Generated from FHIR 4.0.1")


@pytest.mark.parametrize("check", CONTRACT, ids=lambda c: c.__name__)
def test_the_exporter_keeps_revhypers_contract(check):
    run_check(check, FHIR)


@pytest.mark.parametrize("name", [*SCENARIOS, "refused_no_variant"])
def test_every_bundle_validates_as_fhir_r4(blocks, name):
    data = exported(blocks[name])
    validate(data)
    assert data["resourceType"] == "Bundle" and data["type"] == "collection" and "timestamp" not in data
    assert [r["resourceType"] for r in resources(data).values()] == (
        ["CarePlan"] if blocks[name].status == "generated" else ["CarePlan", "ServiceRequest"])


def _break(path: str, how):
    def breaker(data: dict) -> None:
        *parents, last = path.split(".")
        target = data
        for key in parents:
            target = target[int(key)] if key.isdigit() else target[key]
        how(target, last)
    return breaker


def _set(value):
    return lambda target, key: target.__setitem__(int(key) if key.isdigit() else key, value)


BROKEN = {
    "CarePlan without status": (_break("entry.0.resource.status", lambda t, k: t.pop(k)), 'Non-optional property "status"'),
    "CarePlan without subject": (_break("entry.0.resource.subject", lambda t, k: t.pop(k)), 'Non-optional property "subject"'),
    "unknown element": (_break("entry.0.resource.activity.0.detail.sets", _set(3)), 'Superfluous entry "sets"'),
    "wrong type": (_break("entry.0.resource.activity.0.detail.scheduledTiming.repeat.frequency", _set("3")), "Wrong type"),
    "date in a local format": (_break("entry.0.resource.period.start", _set("01/03/2027")), "does not match expected format"),
    "impossible date": (_break("entry.0.resource.period.start", _set("2027-02-30")), "day is out of range"),
    "status outside the value set": (_break("entry.0.resource.status", _set("started")), "not in the R4 value set"),
    "intent outside the value set": (_break("entry.0.resource.intent", _set("wish")), "not in the R4 value set"),
    "weekday outside the value set": (_break("entry.0.resource.activity.0.detail.scheduledTiming.repeat.dayOfWeek",
                                             _set(["monday"])), "DaysOfWeek"),
    "activity with reference and detail": (_break("entry.0.resource.activity.0.reference",
                                                  _set({"reference": "urn:uuid:00000000-0000-0000-0000-000000000000"})),
                                           "cpl-3"),
    "duplicate fullUrl": (lambda d: d["entry"].append(copy.deepcopy(d["entry"][0])), "bdl-7"),
    "empty array": (_break("entry.0.resource.note", _set([])), "empty values"),
    "frequency as a boolean": (_break("entry.0.resource.activity.0.detail.scheduledTiming.repeat.frequency", _set(True)),
                               "positiveInt"),
    "narrative that is not XHTML": (_break("entry.0.resource.text.div", _set("<div>unclosed")), "XHTML"),
}


@pytest.mark.parametrize("breakage", BROKEN, ids=list(BROKEN))
def test_validation_rejects_a_broken_bundle(blocks, breakage):
    data = exported(blocks["generated"])
    validate(data)  # the intact bundle passes ...
    breaker, message = BROKEN[breakage]
    breaker(data)
    with pytest.raises((FHIRValidationError, AssertionError), match=re.escape(message)):
        validate(data)  # ... and each broken one fails, for the reason broken


def test_the_care_plan_has_a_weekly_activity_with_the_blocks_numbers(blocks):
    block = blocks["generated"]
    careplan = resources(exported(block))["CarePlan"]
    assert (careplan["status"], careplan["intent"], careplan["subject"]["identifier"]["value"]) == ("active", "plan", "client-7")
    assert careplan["period"] == {"start": "2027-03-01", "end": block.sessions()[-1].date.isoformat()}
    assert len(careplan["activity"]) == len(block.weeks) == 8
    pattern = re.compile(r"Week (\d+) of 8 \((.+?)(, lighter week)?\): (\d+) sessions, each (\d+) sets? x (\d+) repetitions, "
                         r"([\d.]+) kg \(([\d.]+) % of the working load\), range (\d+) % of the swing to neutral, "
                         r"tempo ([\d-]+), rest (\d+) s between sets\.")
    loads = []
    for activity, week in zip(careplan["activity"], block.weeks):
        detail, e = activity["detail"], week.sessions[0].exercises[0]
        found = pattern.match(detail["description"])
        assert found, detail["description"]
        assert found.groups() == (str(week.number), week.phase_name, ", lighter week" if week.deload else None,
                                  str(len(week.sessions)), str(e.sets), str(e.reps), str(e.load_kg), str(e.load_percent),
                                  str(e.rom_percent), e.tempo, str(e.rest_seconds))
        assert all(cue in detail["description"] for cue in e.cues)
        repeat = detail["scheduledTiming"]["repeat"]
        dates = [s.date for s in week.sessions]
        assert (repeat["frequency"], repeat["period"], repeat["periodUnit"]) == (len(week.sessions), 1, "wk")
        assert repeat["boundsPeriod"] == {"start": dates[0].isoformat(), "end": dates[-1].isoformat()}
        assert repeat["dayOfWeek"] == [DAYS_OF_WEEK[d.weekday()] for d in dates]
        assert detail["code"]["text"] == e.name and detail["code"]["coding"][0]["code"] == "229065009"
        loads.append(float(found.group(7)))
    assert len(set(loads)) > 1, "the periodization shows in the loads"


def test_an_undated_bodyweight_block_has_weekly_frequency_without_dates(blocks):
    block = blocks["generated_bodyweight_undated"]
    careplan = resources(exported(block))["CarePlan"]
    assert "period" not in careplan
    for activity, week in zip(careplan["activity"], block.weeks, strict=True):
        repeat = activity["detail"]["scheduledTiming"]["repeat"]
        assert repeat == {"frequency": len(week.sessions), "period": 1, "periodUnit": "wk"}
        assert ", bodyweight, " in activity["detail"]["description"] and " kg " not in activity["detail"]["description"]


def test_a_week_whose_sessions_differ_gets_one_activity_per_exercise(blocks):
    """A platform's adjuster may vary the sessions of a week; each prescription keeps its own schedule."""
    block = blocks["generated"]
    week = block.weeks[0]
    lighter = attrs.evolve(week.sessions[2].exercises[0], sets=1)
    sessions = (*week.sessions[:2], attrs.evolve(week.sessions[2], exercises=(lighter,)))
    changed = attrs.evolve(block, weeks=(attrs.evolve(week, sessions=sessions), *block.weeks[1:]))
    data = exported(changed)
    validate(data)
    first, second = (a["detail"] for a in resources(data)["CarePlan"]["activity"][:2])
    assert (first["scheduledTiming"]["repeat"]["frequency"], second["scheduledTiming"]["repeat"]["frequency"]) == (2, 1)
    assert second["scheduledTiming"]["repeat"]["dayOfWeek"] == [DAYS_OF_WEEK[sessions[2].date.weekday()]]
    assert ": 1 session, each 1 set x " in second["description"]
    assert len(resources(data)["CarePlan"]["activity"]) == len(block.weeks) + 1


@pytest.mark.parametrize(("name", "urgency", "priority"), [
    ("refused_cauda_equina", "emergency", "stat"),
    ("refused_fever", "urgent", "urgent"),
    ("refused_after_surgery", "routine", "routine"),
])
def test_a_refused_block_carries_the_referral_with_its_priority(blocks, name, urgency, priority):
    block = blocks[name]
    data = exported(block)
    careplan, request = resources(data)["CarePlan"], resources(data)["ServiceRequest"]
    assert block.referral.urgency == urgency
    assert careplan["status"] == "revoked" and "activity" not in careplan and "period" not in careplan
    assert (request["status"], request["intent"], request["priority"]) == ("active", "proposal", priority)
    assert request["code"]["text"] == f"Referral: {block.referral.to}"
    assert request["patientInstruction"] == block.referral.message
    assert request["category"][0]["coding"][0]["code"] == "3457005"
    refusing = [f for f in block.screening.fired if f.action == "refuse"]
    assert [r["text"] for r in request["reasonCode"]] == [f"{f.title}: {f.reason}" for f in refusing]
    assert request["supportingInfo"][0]["reference"] == data["entry"][0]["fullUrl"]
    assert request["subject"] == careplan["subject"]


def test_a_block_that_needs_clearance_asks_for_it(blocks):
    block = blocks["needs_clearance"]
    data = exported(block)
    careplan, request = resources(data)["CarePlan"], resources(data)["ServiceRequest"]
    assert careplan["status"] == "draft" and "period" not in careplan
    assert careplan["activity"] == [{"reference": {"reference": data["entry"][1]["fullUrl"], "display": CLEARANCE}}]
    assert (request["code"]["text"], request["priority"], request["intent"]) == (CLEARANCE, "routine", "proposal")
    high_pain = block.screening.fired[0]
    assert high_pain.id == "high_pain" and request["reasonCode"] == [{"text": f"{high_pain.title}: {high_pain.reason}"}]
    assert "Screening: needs clearance by a clinician (asked by high_pain)." in [n["text"] for n in careplan["note"]]


def test_a_block_no_variant_can_serve_asks_for_an_alternative_not_clearance(blocks):
    block = blocks["refused_no_variant"]
    assert block.status == "refused" and block.referral is None
    data = exported(block)
    careplan, request = resources(data)["CarePlan"], resources(data)["ServiceRequest"]
    assert careplan["status"] == "revoked"
    assert request["code"]["text"] == ALTERNATIVE and request["priority"] == "routine"
    assert [r["text"] for r in request["reasonCode"]] == list(block.adjustments)
    assert careplan["instantiatesUri"] == [f"urn:revhyper:ruleset:machine-only:2027.1:sha256:{block.ruleset.sha256}"]


def test_the_notes_give_the_screening_with_values_and_sources_and_end_with_the_disclaimer():
    block = make({"red_flags": {"saddle_anesthesia": True}, "pain": {"current": 6, "radiating_below_knee": True}})
    notes = [n["text"] for n in resources(exported(block))["CarePlan"]["note"]]
    assert len(block.screening.fired) == 3 and len(block.screening.caps) == 4
    for fired in block.screening.fired:
        (note,) = [n for n in notes if n.startswith(f"Rule {fired.id} ")]
        assert fired.reason in note and fired.citation in note
        assert all(f"{name} = " in note for name, _ in fired.values)
    assert "red_flags.saddle_anesthesia = yes" in "".join(notes)
    for cap in block.screening.caps:
        assert any(n.startswith(f"Cap {cap.name} = ") and cap.meaning in n for n in notes)
    assert notes[0] == "Screening: refused; referral (emergency) to Emergency department, today."
    assert f"(sha256 {block.ruleset.sha256})." in notes[-2] and notes[-1] == block.disclaimer


def test_the_rule_set_and_generator_are_recorded_on_every_resource(blocks):
    block = blocks["refused_fever"]
    for resource in resources(exported(block)).values():
        assert resource["instantiatesUri"] == [ruleset_uri(block)]
        assert ruleset_uri(block).endswith(f":{block.ruleset.version}:sha256:{block.ruleset.sha256}")
        assert resource["meta"]["source"] == f"urn:revhyper:generator:{block.generator_version}"
        assert resource["identifier"] == [{"system": "urn:ietf:rfc:3986", "value": f"urn:uuid:{resource['id']}"}]


def test_the_same_block_gives_the_same_bytes_and_another_block_other_ids(blocks):
    block = blocks["generated"]
    first = FHIR.export(block)
    assert first == FHIR.export(block) == FHIR.export(make({}))
    assert first.startswith(b'{\n  "resourceType": "Bundle",\n') and first.endswith(b"}\n")
    ids = {e["resource"]["id"] for e in json.loads(first)["entry"]}
    for other in (make({"person": {"id": "client-8"}}), make({"training": {"start_date": "2027-03-08"}}),
                  blocks["generated_anonymous"]):
        assert not ids & {e["resource"]["id"] for e in exported(other)["entry"]}


def test_a_client_without_an_id_and_non_ascii_ids_are_written_as_they_are(blocks):
    subject = resources(exported(blocks["generated_anonymous"]))["CarePlan"]["subject"]
    assert subject == {"type": "Patient", "display": "Client (no id in the profile)"}
    data = FHIR.export(make({"person": {"id": "Zoë-Ødegård"}}))
    assert "Zoë-Ødegård".encode() in data and b"\\u00eb" not in data
    validate(json.loads(data))


def test_the_installed_entry_point_provides_the_format():
    assert {ep.name: ep.value for ep in importlib.metadata.entry_points(group="revhyper")}["fhir"] == "revhyper_fhir"
    from revhyper.plugins import exporter

    found = exporter("fhir")
    assert (found.provider, found.suffix, found.media_type) == ("revhyper-fhir", ".json", "application/fhir+json")


@pytest.mark.parametrize(("changes", "code", "status"), [({}, 0, "active"), ({"red_flags": {"fever": True}}, 4, "revoked")])
def test_revhyper_generate_writes_the_bundle(tmp_path, changes, code, status):
    profile = tmp_path / "client.json"
    profile.write_text(json.dumps(merged(HEALTHY, changes)), encoding="utf-8")
    out = tmp_path / "plan.json"
    run = subprocess.run([sys.executable, "-m", "revhyper", "generate", str(profile), "--format", "fhir", "-o", str(out)],
                         capture_output=True, text=True, check=False)
    assert run.returncode == code, run.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    validate(data)
    assert resources(data)["CarePlan"]["status"] == status
    assert out.read_bytes() == FHIR.export(revhyper.generate(revhyper.load_profile(profile, revhyper.default_ruleset())))
    listed = subprocess.run([sys.executable, "-m", "revhyper", "formats", "--format", "json"], capture_output=True,
                            text=True, check=True)
    (fhir,) = [f for f in json.loads(listed.stdout)["formats"] if f["name"] == "fhir"]
    assert fhir["provider"] == "revhyper-fhir"


def test_every_date_in_the_bundle_is_a_session_date_not_today(blocks):
    block = blocks["generated"]
    found = set(re.findall(r"\d{4}-\d{2}-\d{2}", FHIR.export(block).decode()))
    assert found and found <= {s.date.isoformat() for s in block.sessions()}
