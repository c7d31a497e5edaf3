"""Every exported resource validates as FHIR R4 4.0.1 with two independent sets of models (fhir.resources 6.4.0
and fhirclient, strict) plus the R4 rules those models leave out, and says what the block says: statuses,
weekly exercise prescriptions, referral priority, screening, and reasons only from what the profile says."""

from __future__ import annotations

import copy
import importlib.metadata
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from typing import Any

import attrs
import fhir.resources
import pydantic
import pytest
from fhir.resources.bundle import Bundle as R4Bundle
from fhir.resources.careplan import CarePlan as R4CarePlan
from fhir.resources.servicerequest import ServiceRequest as R4ServiceRequest
from fhirclient.models.bundle import Bundle
from fhirclient.models.careplan import CarePlan
from fhirclient.models.fhirabstractbase import FHIRValidationError
from fhirclient.models.servicerequest import ServiceRequest

import revhyper
from revhyper.testing import CONTRACT, run_check
from revhyper_fhir import FHIR, FHIR_COLLECTION, IDENTIFIER_SYSTEM_ENV, REPLACES_ENV
from revhyper_fhir.resources import ALTERNATIVE, CLEARANCE, Settings, bundle, ruleset_uri

# -- R4 (4.0.1) value sets of the codes this adapter writes; fhirclient checks structure and types, not codes
VALUE_SETS = {
    ("request", "method"): {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH"},
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
R4_MODELS = {"CarePlan": R4CarePlan, "ServiceRequest": R4ServiceRequest}
KINDS = {"transaction": FHIR, "collection": FHIR_COLLECTION}
PA_CATEGORY = ("http://hl7.org/fhir/us/physical-activity/CodeSystem/pa-temporary-codes", "PhysicalActivity")
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"

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


@pytest.fixture(autouse=True)
def unconfigured(monkeypatch):
    """No configuration from the environment the tests run in (subprocesses inherit os.environ too)."""
    monkeypatch.delenv(IDENTIFIER_SYSTEM_ENV, raising=False)
    monkeypatch.delenv(REPLACES_ENV, raising=False)


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


def exported(block, exporter=FHIR) -> dict:
    return json.loads(exporter.export(block))


def resources(data: dict) -> dict[str, dict]:
    """The CarePlan and the referral or request (not an exercise prescription), by resource type."""
    return {entry["resource"]["resourceType"]: entry["resource"] for entry in data["entry"]
            if not is_prescription(entry["resource"])}


def is_prescription(resource: dict) -> bool:
    return resource["resourceType"] == "ServiceRequest" and resource["code"].get("coding", [{}])[0].get("code") == "229065009"


def prescriptions(data: dict) -> list[dict]:
    """The exercise prescriptions, in the order the CarePlan's activities reference them."""
    by_url = {entry["fullUrl"]: entry["resource"] for entry in data["entry"]}
    careplan = data["entry"][0]["resource"]
    found = [by_url[a["reference"]["reference"]] for a in careplan.get("activity", [])
             if is_prescription(by_url[a["reference"]["reference"]])]
    assert found == [e["resource"] for e in data["entry"] if is_prescription(e["resource"])]
    return found


# -- validation -------------------------------------------------------------------------------------


def validate(data: dict) -> None:
    """Raise FHIRValidationError, pydantic's ValidationError or AssertionError unless ``data`` is a valid FHIR
    R4 Bundle: fhirclient's models (strict), then fhir.resources' (6.4.0, R4 4.0.1), then the R4 rules both leave out."""
    validate_with_fhirclient(data)
    validate_with_fhir_resources(data)
    problems = r4_problems(data)
    assert not problems, "\n".join(problems)


def validate_with_fhirclient(data: dict) -> None:
    Bundle(copy.deepcopy(data), strict=True)
    for entry in data["entry"]:
        MODELS[entry["resource"]["resourceType"]](copy.deepcopy(entry["resource"]), strict=True)


def validate_with_fhir_resources(data: dict) -> None:
    """fhir.resources parses the Bundle and each entry's resource into its own model (extra elements, missing
    required ones, wrong types and malformed primitives fail), and each resource once more on its own."""
    parsed = R4Bundle.parse_obj(copy.deepcopy(data))
    for entry, model in zip(data["entry"], parsed.entry or [], strict=True):
        assert type(model.resource).__name__ == entry["resource"]["resourceType"]
        R4_MODELS[entry["resource"]["resourceType"]].parse_obj(copy.deepcopy(entry["resource"]))


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
        problems += _entry_rules(bundle["type"], entry, where)
        problems += _codes(resource, where)
        problems += _narrative(resource, where)
        for text in _references(resource):
            if text.startswith("urn:uuid:") and text not in full_urls:
                problems.append(f"{where}: reference {text} does not resolve in the bundle")
            elif not text.startswith("urn:uuid:"):
                if bundle["type"] != "transaction":
                    problems.append(f"{where}: conditional reference {text} outside a transaction")
                elif not re.fullmatch(r"(Patient|CarePlan)\?identifier=[^|\s&#]+\|[^|\s&#]+", text):
                    problems.append(f"{where}: {text} is not a conditional reference by identifier")
        problems += _timing(resource.get("occurrenceTiming", {}).get("repeat", {}), where)
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


def _entry_rules(kind: str, entry: dict, where: str) -> list[str]:
    """bdl-3 (a transaction's entries have a request), and ids as the Bundle type needs them: a resource of a
    collection has its id, named by the fullUrl; a transaction's creates have none (the server assigns it),
    and the fullUrl is the identifier the conditional create searches for."""
    resource, request = entry["resource"], entry.get("request")
    problems = [] if re.fullmatch(f"urn:uuid:{UUID}", entry["fullUrl"]) else [f"{where}.fullUrl is not a urn:uuid"]
    if kind == "transaction":
        if request is None:
            return problems + [f"bdl-3 at {where}: a transaction entry needs a request"]
        problems += [f"{where}.request.{p}" for p in _codes({"resourceType": "request", **request}, "")]
        if "id" in resource:
            problems.append(f"{where}: a created resource must not carry an id")
        if request.get("url") != resource["resourceType"]:
            problems.append(f"{where}.request.url must be the resource type for a create")
        if request.get("ifNoneExist") != f"identifier=urn:ietf:rfc:3986|{entry['fullUrl']}" \
                or resource["identifier"][0]["value"] != entry["fullUrl"]:
            problems.append(f"{where}: the conditional create must search for the resource's identifier")
    else:
        if request is not None:
            problems.append(f"bdl-3 at {where}: only a batch or transaction entry has a request")
        if entry["fullUrl"] != f"urn:uuid:{resource.get('id')}":
            problems.append(f"{where}.fullUrl {entry['fullUrl']} does not name the resource's id")
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


def test_the_validators_model_fhir_r4_4_0_1():
    import fhirclient.models.careplan as careplan_models

    with open(careplan_models.__file__, encoding="utf-8") as source:
        assert source.readline().startswith("# Generated from FHIR 4.0.1")
    assert fhir.resources.__fhir_version__ == "4.0.1" and fhir.resources.__version__ == "6.4.0"
    assert pydantic.VERSION.startswith("1."), "fhir.resources 6.4.0 is written for pydantic 1"


@pytest.mark.parametrize("exporter", KINDS.values(), ids=list(KINDS))
@pytest.mark.parametrize("check", CONTRACT, ids=lambda c: c.__name__)
def test_the_exporters_keep_revhypers_contract(check, exporter):
    run_check(check, exporter)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", [*SCENARIOS, "refused_no_variant"])
def test_every_bundle_validates_as_fhir_r4(blocks, name, kind):
    block = blocks[name]
    data = exported(block, KINDS[kind])
    validate(data)
    assert data["resourceType"] == "Bundle" and data["type"] == kind and "timestamp" not in data
    kinds = [(e["resource"]["resourceType"], is_prescription(e["resource"])) for e in data["entry"]]
    weekly = [("ServiceRequest", True)] * sum(len(set(s.exercises for s in w.sessions)) for w in block.weeks)
    assert kinds == [("CarePlan", False), *weekly, *([] if block.status == "generated" else [("ServiceRequest", False)])]


def test_a_transaction_creates_each_resource_once_by_its_identifier(blocks):
    """A server makes separate resources (not one stored document), and importing the Bundle again makes none."""
    data = exported(blocks["generated"])
    assert data["type"] == "transaction" and len(data["entry"]) == 1 + 8
    for entry in data["entry"]:
        resource = entry["resource"]
        assert "id" not in resource
        assert entry["request"] == {"method": "POST", "url": resource["resourceType"],
                                    "ifNoneExist": f"identifier=urn:ietf:rfc:3986|{entry['fullUrl']}"}
        assert resource["identifier"] == [{"system": "urn:ietf:rfc:3986", "value": entry["fullUrl"]}]


def test_the_collection_holds_the_same_resources_with_their_ids(blocks):
    for block in blocks.values():
        transaction, collection = exported(block), exported(block, FHIR_COLLECTION)
        assert collection["type"] == "collection" and all("request" not in e for e in collection["entry"])
        assert [e["fullUrl"] for e in collection["entry"]] == [e["fullUrl"] for e in transaction["entry"]]
        for kept, created in zip(collection["entry"], transaction["entry"], strict=True):
            assert kept["fullUrl"] == f"urn:uuid:{kept['resource']['id']}"
            assert {k: v for k, v in kept["resource"].items() if k != "id"} == created["resource"]


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


def _pop(target, key):
    target.pop(key)


TIMING = "entry.1.resource.occurrenceTiming.repeat"
BROKEN = {  # what fhirclient (or the R4 rules) say; what fhir.resources says, when it checks the rule at all
    "CarePlan without status": (_break("entry.0.resource.status", _pop), 'Non-optional property "status"', "status"),
    "CarePlan without subject": (_break("entry.0.resource.subject", _pop), 'Non-optional property "subject"', "subject"),
    "unknown element": (_break("entry.1.resource.sets", _set(3)), 'Superfluous entry "sets"', "extra fields not permitted"),
    "wrong type": (_break(f"{TIMING}.frequency", _set("three")), "Wrong type", "value is not a valid integer"),
    "date in a local format": (_break("entry.0.resource.period.start", _set("01/03/2027")), "does not match expected format",
                               "date"),
    "impossible date": (_break("entry.0.resource.period.start", _set("2027-02-30")), "day is out of range", "date"),
    "request without method": (_break("entry.0.request.method", _pop), 'Non-optional property "method"', "method"),
    "status outside the value set": (_break("entry.0.resource.status", _set("started")), "not in the R4 value set", None),
    "intent outside the value set": (_break("entry.1.resource.intent", _set("wish")), "not in the R4 value set", None),
    "method outside the value set": (_break("entry.1.request.method", _set("CREATE")), "not in the R4 value set", None),
    "weekday outside the value set": (_break(f"{TIMING}.dayOfWeek", _set(["monday"])), "DaysOfWeek", None),
    "activity with reference and detail": (_break("entry.0.resource.activity.0.detail",
                                                  _set({"status": "not-started"})), "cpl-3", None),
    "duplicate fullUrl": (lambda d: d["entry"].append(copy.deepcopy(d["entry"][0])), "bdl-7", None),
    "transaction entry without request": (_break("entry.1.request", _pop), "bdl-3", None),
    "created resource with an id": (_break("entry.1.resource.id", _set("x1")), "must not carry an id", None),
    "create that searches for another identifier": (_break("entry.1.request.ifNoneExist", _set("identifier=x|y")),
                                                    "conditional create", None),
    "reference that does not resolve": (_break("entry.1.resource.basedOn.0.reference",
                                               _set("urn:uuid:00000000-0000-0000-0000-000000000000")), "does not resolve",
                                        None),
    "empty array": (_break("entry.0.resource.note", _set([])), "empty values", None),
    "frequency as a boolean": (_break(f"{TIMING}.frequency", _set(True)), "positiveInt", None),
    "narrative that is not XHTML": (_break("entry.0.resource.text.div", _set("<div>unclosed")), "XHTML", None),
}


@pytest.mark.parametrize("breakage", BROKEN, ids=list(BROKEN))
def test_validation_rejects_a_broken_bundle(blocks, breakage):
    data = exported(blocks["generated"])
    validate(data)  # the intact bundle passes ...
    breaker, message, r4_message = BROKEN[breakage]
    breaker(data)
    with pytest.raises((FHIRValidationError, AssertionError), match=re.escape(message)):
        validate_with_fhirclient(data)
        assert not r4_problems(data), "\n".join(r4_problems(data))  # ... and each broken one fails, for the reason broken
    if r4_message:  # ... and fhir.resources, where it checks that rule, agrees
        with pytest.raises(pydantic.ValidationError, match=re.escape(r4_message)):
            validate_with_fhir_resources(data)


def test_the_weekly_exercise_prescriptions_follow_the_physical_activity_ig(blocks):
    block = blocks["generated"]
    data = exported(block)
    careplan = data["entry"][0]["resource"]
    assert (careplan["status"], careplan["intent"], careplan["subject"]["identifier"]["value"]) == ("active", "plan", "client-7")
    assert PA_CATEGORY in [(c["coding"][0]["system"], c["coding"][0]["code"]) for c in careplan["category"]]
    assert careplan["period"] == {"start": "2027-03-01", "end": block.sessions()[-1].date.isoformat()}
    found = prescriptions(data)
    assert len(careplan["activity"]) == len(found) == len(block.weeks) == 8
    pattern = re.compile(r"Week (\d+) of 8 \((.+?)(, lighter week)?\): (\d+) sessions, each (\d+) sets? x (\d+) repetitions, "
                         r"([\d.]+) kg \(([\d.]+) % of the working load\), range (\d+) % of the swing to neutral, "
                         r"tempo ([\d-]+), rest (\d+) s between sets\.")
    loads = []
    for activity, request, week in zip(careplan["activity"], found, block.weeks, strict=True):
        e = week.sessions[0].exercises[0]
        assert activity["reference"]["display"] == f"{e.name}, week {week.number} of 8"
        assert (request["status"], request["intent"]) == ("active", "plan")
        assert [(c["coding"][0]["system"], c["coding"][0]["code"]) for c in request["category"]] == [PA_CATEGORY]
        assert request["code"]["text"] == e.name and request["code"]["coding"][0]["code"] == "229065009"
        assert request["performer"] == [request["subject"]] == [careplan["subject"]], "the patient does the exercise"
        assert request["basedOn"] == [{"reference": data["entry"][0]["fullUrl"], "type": "CarePlan"}]
        found_numbers = pattern.match(request["patientInstruction"])
        assert found_numbers, request["patientInstruction"]
        assert found_numbers.groups() == (str(week.number), week.phase_name, ", lighter week" if week.deload else None,
                                          str(len(week.sessions)), str(e.sets), str(e.reps), str(e.load_kg),
                                          str(e.load_percent), str(e.rom_percent), e.tempo, str(e.rest_seconds))
        assert all(cue in request["patientInstruction"] for cue in e.cues)
        repeat = request["occurrenceTiming"]["repeat"]
        dates = [s.date for s in week.sessions]
        assert (repeat["frequency"], repeat["period"], repeat["periodUnit"]) == (len(week.sessions), 1, "wk")
        assert repeat["boundsPeriod"] == {"start": dates[0].isoformat(), "end": dates[-1].isoformat()}
        assert repeat["dayOfWeek"] == [DAYS_OF_WEEK[d.weekday()] for d in dates]
        loads.append(float(found_numbers.group(7)))
    assert len(set(loads)) > 1, "the periodization shows in the loads"


def test_an_undated_bodyweight_block_has_weekly_frequency_without_dates(blocks):
    block = blocks["generated_bodyweight_undated"]
    data = exported(block)
    assert "period" not in data["entry"][0]["resource"]
    for request, week in zip(prescriptions(data), block.weeks, strict=True):
        assert request["occurrenceTiming"] == {"repeat": {"frequency": len(week.sessions), "period": 1, "periodUnit": "wk"}}
        assert ", bodyweight, " in request["patientInstruction"] and " kg " not in request["patientInstruction"]


def test_a_week_whose_sessions_differ_gets_one_prescription_per_exercise(blocks):
    """A platform's adjuster may vary the sessions of a week; each prescription keeps its own schedule."""
    block = blocks["generated"]
    week = block.weeks[0]
    lighter = attrs.evolve(week.sessions[2].exercises[0], sets=1)
    sessions = (*week.sessions[:2], attrs.evolve(week.sessions[2], exercises=(lighter,)))
    changed = attrs.evolve(block, weeks=(attrs.evolve(week, sessions=sessions), *block.weeks[1:]))
    data = exported(changed)
    validate(data)
    first, second = prescriptions(data)[:2]
    assert (first["occurrenceTiming"]["repeat"]["frequency"], second["occurrenceTiming"]["repeat"]["frequency"]) == (2, 1)
    assert second["occurrenceTiming"]["repeat"]["dayOfWeek"] == [DAYS_OF_WEEK[sessions[2].date.weekday()]]
    assert ": 1 session, each 1 set x " in second["patientInstruction"]
    assert len(data["entry"][0]["resource"]["activity"]) == len(block.weeks) + 1


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
    assert [e["resource"]["resourceType"] for e in data["entry"]] == ["CarePlan", "ServiceRequest"]
    assert not prescriptions(data) and b"229065009" not in json.dumps(request).encode(), "no exercise prescription"
    assert PA_CATEGORY[1] not in json.dumps(request), "a referral for red flags is no physical-activity request"
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
    assert careplan["activity"] == [{"reference": {"reference": data["entry"][1]["fullUrl"], "type": "ServiceRequest",
                                                   "display": CLEARANCE}}]
    assert not prescriptions(data), "no exercise is prescribed before a clinician clears it"
    assert "reasonCode" not in careplan and all(r["text"] != "Low back pain" for r in request["reasonCode"])
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


@pytest.mark.parametrize("name", ["refused_fever", "generated"])
def test_the_rule_set_and_generator_are_recorded_on_every_resource(blocks, name):
    block = blocks[name]
    for entry in exported(block, FHIR_COLLECTION)["entry"]:
        resource = entry["resource"]
        assert resource["instantiatesUri"] == [ruleset_uri(block)]
        assert ruleset_uri(block).endswith(f":{block.ruleset.version}:sha256:{block.ruleset.sha256}")
        assert resource["meta"]["source"] == f"urn:revhyper:generator:{block.generator_version}"
        assert resource["identifier"] == [{"system": "urn:ietf:rfc:3986", "value": f"urn:uuid:{resource['id']}"}]


@pytest.mark.parametrize("exporter", KINDS.values(), ids=list(KINDS))
def test_the_same_block_gives_the_same_bytes_and_another_block_other_ids(blocks, exporter):
    block = blocks["generated"]
    first = exporter.export(block)
    assert first == exporter.export(block) == exporter.export(make({}))
    assert first.startswith(b'{\n  "resourceType": "Bundle",\n') and first.endswith(b"}\n")
    ids = {e["fullUrl"] for e in json.loads(first)["entry"]}
    assert len(ids) == 9
    for other in (make({"person": {"id": "client-8"}}), make({"training": {"start_date": "2027-03-08"}}),
                  blocks["generated_anonymous"]):
        assert not ids & {e["fullUrl"] for e in exported(other, exporter)["entry"]}


def test_the_same_profile_gives_the_same_bytes_in_processes_with_other_hash_seeds(tmp_path):
    profile = tmp_path / "client.json"
    profile.write_text(json.dumps(merged(HEALTHY, {"history": {"conditions": ["disc_herniation", "hypertension"]}})),
                       encoding="utf-8")
    outputs = []
    for seed in ("0", "4242"):
        run = subprocess.run([sys.executable, "-m", "revhyper", "generate", str(profile), "--format", "fhir"],
                             capture_output=True, check=True, env={**os.environ, "PYTHONHASHSEED": seed})
        outputs.append(run.stdout)
    assert outputs[0] == outputs[1] and b'"type": "transaction"' in outputs[0]


def test_a_client_without_an_id_and_non_ascii_ids_are_written_as_they_are(blocks):
    subject = resources(exported(blocks["generated_anonymous"]))["CarePlan"]["subject"]
    assert subject == {"type": "Patient", "display": "Client (no id in the profile)"}
    data = FHIR.export(make({"person": {"id": "Zoë-Ødegård"}}))
    assert "Zoë-Ødegård".encode() in data and b"\\u00eb" not in data
    validate(json.loads(data))


@pytest.mark.parametrize("name", ["fhir", "fhir-collection"])
def test_the_installed_entry_point_provides_the_format(name):
    assert {ep.name: ep.value for ep in importlib.metadata.entry_points(group="revhyper")}[name] == "revhyper_fhir"
    from revhyper.plugins import exporter

    found = exporter(name)
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


# -- reasons: only what the profile says ---------------------------------------------------------------


def reasons_of(data: dict) -> list[list[dict]]:
    return [request.get("reasonCode", []) for request in prescriptions(data)]


LBP = {"coding": [{"system": "http://snomed.info/sct", "code": "279039007", "display": "Low back pain"}],
       "text": "Low back pain"}


def test_a_client_with_no_pain_and_no_condition_gets_no_reason():
    """revhyper never diagnoses: nothing in the profile says low back pain, so nothing in the Bundle does."""
    profile = merged(HEALTHY, {"pain": {"current": 0, "worst_last_week": 0}})
    rules = revhyper.default_ruleset()
    block = revhyper.generate(revhyper.profile_from_data(profile, ruleset=rules), rules)
    for exporter in KINDS.values():
        data = exporter.export(block)
        validate(json.loads(data))
        assert b"reasonCode" not in data and b"279039007" not in data and b"Low back pain" not in data
    assert bundle(block, profile=revhyper.profile_from_data(profile, ruleset=rules))["entry"][1]["resource"].get(
        "reasonCode") is None


def test_pain_the_screening_read_is_the_reason_for_every_prescription():
    block = make({"pain": {"current": 6}})  # the moderate-pain rule reads pain.current
    assert any(name == "pain.current" for f in block.screening.fired for name, _ in f.values)
    data = exported(block)
    validate(data)
    assert reasons_of(data) == [[LBP]] * len(block.weeks)


def test_back_conditions_are_reasons_and_other_conditions_are_not():
    conditions = {"history": {"conditions": ["hypertension", "disc_herniation"]}}
    block = make(conditions)  # rules read history.conditions; none reads the pain of 2
    data = exported(block)
    validate(data)
    assert reasons_of(data) == [[{"text": "Disc herniation"}]] * len(block.weeks)
    assert b"Hypertens" not in json.dumps(reasons_of(data)).encode()
    # with the profile itself, its pain of 2 is a reason too
    rules = revhyper.default_ruleset()
    profile = revhyper.profile_from_data(merged(HEALTHY, conditions), ruleset=rules)
    with_profile = bundle(block, profile=profile)
    validate(with_profile)
    assert reasons_of(with_profile) == [[LBP, {"text": "Disc herniation"}]] * len(block.weeks)


def test_non_specific_low_back_pain_is_one_coded_reason_and_pain_adds_no_second():
    rules = revhyper.default_ruleset()
    profile = revhyper.profile_from_data(merged(HEALTHY, {"history": {"conditions": ["nonspecific_low_back_pain"]}}),
                                         ruleset=rules)
    data = bundle(revhyper.generate(profile, rules), profile=profile)
    assert reasons_of(data)[0] == [{"coding": LBP["coding"], "text": "Non-specific low back pain"}]


def test_without_the_profile_pain_no_rule_read_is_no_reason():
    """From the block alone the adapter knows only what the screening recorded: it says less, never more."""
    block = make({})  # pain 2, no rule fired
    assert not block.screening.fired
    assert reasons_of(exported(block)) == [[]] * len(block.weeks)


# -- configuration: the Patient by the platform's identifier, the CarePlan a new block replaces ------


SYSTEM = "https://clinic.example/patients"


def test_a_configured_identifier_system_refers_to_the_patient_conditionally(blocks, monkeypatch):
    monkeypatch.setenv(IDENTIFIER_SYSTEM_ENV, SYSTEM)
    data = exported(blocks["generated"])
    validate(data)
    expected = {"reference": f"Patient?identifier={SYSTEM}|client-7", "type": "Patient",
                "identifier": {"system": SYSTEM, "value": "client-7"}, "display": "client-7"}
    for entry in data["entry"]:
        assert entry["resource"]["subject"] == expected
    assert prescriptions(data)[0]["performer"] == [expected]
    # a collection is not processed by a server: the reference stays logical, by the same identifier
    collection = exported(blocks["generated"], FHIR_COLLECTION)
    validate(collection)
    assert collection["entry"][0]["resource"]["subject"] == {k: v for k, v in expected.items() if k != "reference"}
    # without an id in the profile there is nothing to search for
    anonymous = exported(blocks["generated_anonymous"])
    assert anonymous["entry"][0]["resource"]["subject"] == {"type": "Patient", "display": "Client (no id in the profile)"}


def test_an_id_with_search_characters_is_percent_encoded_in_the_conditional_reference():
    block = make({"person": {"id": "Zoë & Co|7 #1"}})
    data = bundle(block, Settings(identifier_system=SYSTEM))
    validate(data)
    subject = data["entry"][0]["resource"]["subject"]
    assert subject["reference"] == f"Patient?identifier={SYSTEM}|Zo%C3%AB%20%26%20Co%7C7%20%231"
    assert subject["identifier"]["value"] == "Zoë & Co|7 #1"


def test_a_regenerated_block_replaces_the_previous_care_plan(tmp_path):
    """The platform keeps the identifier of the CarePlan it imported and names it when it exports the next block."""
    profile = tmp_path / "client.json"
    out = tmp_path / "plan.json"

    def generate(changes, env):
        profile.write_text(json.dumps(merged(HEALTHY, changes)), encoding="utf-8")
        return subprocess.run([sys.executable, "-m", "revhyper", "generate", str(profile), "--format", "fhir", "-o",
                               str(out)], capture_output=True, text=True, check=False, env={**os.environ, **env})

    assert generate({}, {}).returncode == 0
    first = json.loads(out.read_text(encoding="utf-8"))
    previous = first["entry"][0]["resource"]["identifier"][0]["value"]
    assert "replaces" not in first["entry"][0]["resource"]
    run = generate({"pain": {"current": 6}}, {REPLACES_ENV: previous, IDENTIFIER_SYSTEM_ENV: SYSTEM})
    assert run.returncode == 0, run.stderr
    second = json.loads(out.read_text(encoding="utf-8"))
    validate(second)
    careplan = second["entry"][0]["resource"]
    assert careplan["replaces"] == [{"reference": f"CarePlan?identifier=urn:ietf:rfc:3986|{previous}", "type": "CarePlan",
                                     "identifier": {"system": "urn:ietf:rfc:3986", "value": previous}}]
    assert careplan["identifier"][0]["value"] != previous
    collection = bundle(revhyper.generate(revhyper.load_profile(profile, revhyper.default_ruleset())),
                        Settings(replaces=previous), "collection")
    validate(collection)
    assert collection["entry"][0]["resource"]["replaces"] == [{"type": "CarePlan", "identifier": {
        "system": "urn:ietf:rfc:3986", "value": previous}}]


@pytest.mark.parametrize(("name", "value", "message"), [
    (IDENTIFIER_SYSTEM_ENV, "clinic patients", "must be an absolute URI"),
    (IDENTIFIER_SYSTEM_ENV, "https://clinic.example|x", "must be an absolute URI"),
    (REPLACES_ENV, "CarePlan/123", "urn:uuid: and a lower-case UUID"),
])
def test_a_bad_setting_is_an_output_failure_naming_the_variable(tmp_path, name, value, message):
    profile = tmp_path / "client.json"
    profile.write_text(json.dumps(HEALTHY), encoding="utf-8")
    out = tmp_path / "plan.json"
    run = subprocess.run([sys.executable, "-m", "revhyper", "generate", str(profile), "--format", "fhir", "-o", str(out)],
                         capture_output=True, text=True, check=False, env={**os.environ, name: value})
    assert run.returncode == 5 and not out.exists()
    assert f"{name}: " in run.stderr and message in run.stderr and repr(value) in run.stderr


def test_settings_from_the_environment():
    from revhyper_fhir import settings_from_env

    assert settings_from_env({}) == Settings() == settings_from_env({IDENTIFIER_SYSTEM_ENV: "  ", REPLACES_ENV: ""})
    previous = "urn:uuid:9db0fe8f-43e8-5ba5-959c-620c6038cd5c"
    assert settings_from_env({IDENTIFIER_SYSTEM_ENV: f" {SYSTEM}\n", REPLACES_ENV: previous}) == Settings(SYSTEM, previous)
    with pytest.raises(ValueError, match=f"^{REPLACES_ENV}: .*got 'urn:uuid:9DB0'"):
        settings_from_env({IDENTIFIER_SYSTEM_ENV: SYSTEM, REPLACES_ENV: "urn:uuid:9DB0"})
    with pytest.raises(ValueError, match="unknown Bundle type 'batch'"):
        bundle(make({}), kind="batch")


def test_text_from_rule_sets_and_profiles_is_escaped_in_every_narrative(blocks):
    """A variant's name or cue (rule set) and the client's id (profile) are text, never markup, in the XHTML."""
    block = blocks["generated"]
    hostile = "<img src=x onerror=alert(1)>"
    weeks = tuple(attrs.evolve(w, sessions=tuple(attrs.evolve(s, exercises=tuple(
        attrs.evolve(e, name=f"Reverse hyper {hostile}", cues=(hostile,)) for e in s.exercises)) for s in w.sessions))
        for w in block.weeks)
    changed = attrs.evolve(block, weeks=weeks, person_id=hostile)
    for exporter in KINDS.values():
        data = exported(changed, exporter)
        validate(data)
        for entry in data["entry"]:
            div = ET.fromstring(entry["resource"]["text"]["div"])
            assert not div.findall(".//{http://www.w3.org/1999/xhtml}img") and "<img" not in entry["resource"]["text"]["div"]
        assert hostile in prescriptions(data)[0]["patientInstruction"], "JSON strings keep the text as it is"
