"""Every exported resource validates against FHIR R4 (fhirclient's 4.0.1 models) and says what the block says."""

from __future__ import annotations

import copy
import importlib.metadata
import json

import pytest
from fhirclient.models.bundle import Bundle
from fhirclient.models.fhirabstractbase import FHIRValidationError

from revhyper.testing import CONTRACT, contract_blocks, run_check
from revhyper_fhir import FHIR

# R4 value sets for the codes this adapter writes (fhirclient checks structure and types, not value sets)
REQUEST_STATUS = {"draft", "active", "on-hold", "revoked", "completed", "entered-in-error", "unknown"}
CAREPLAN_INTENT = {"proposal", "plan", "order", "option"}
REQUEST_INTENT = {"proposal", "plan", "directive", "order", "original-order", "reflex-order", "filler-order",
                  "instance-order", "option"}
REQUEST_PRIORITY = {"routine", "urgent", "asap", "stat"}
ACTIVITY_STATUS = {"not-started", "scheduled", "in-progress", "on-hold", "completed", "cancelled", "stopped", "unknown",
                   "entered-in-error"}
UNITS_OF_TIME = {"s", "min", "h", "d", "wk", "mo", "a"}


@pytest.fixture(scope="module")
def blocks():
    return contract_blocks()


def exported(block) -> dict:
    return json.loads(FHIR.export(block))


def validate(data: dict) -> Bundle:
    """Structure and types by fhirclient (strict), then the value sets of the codes used."""
    parsed = Bundle(copy.deepcopy(data), strict=True)
    for entry in data["entry"]:
        resource = entry["resource"]
        assert entry["fullUrl"] == f"urn:uuid:{resource['id']}"
        assert resource["status"] in REQUEST_STATUS
        if resource["resourceType"] == "CarePlan":
            assert resource["intent"] in CAREPLAN_INTENT
            for activity in resource.get("activity", []):
                assert activity["detail"]["status"] in ACTIVITY_STATUS
                assert activity["detail"]["scheduledTiming"]["repeat"]["periodUnit"] in UNITS_OF_TIME
        else:
            assert resource["intent"] in REQUEST_INTENT and resource["priority"] in REQUEST_PRIORITY
    return parsed


@pytest.mark.parametrize("check", CONTRACT, ids=lambda c: c.__name__)
def test_contract(check):
    run_check(check, FHIR)


@pytest.mark.parametrize("name", ["generated", "generated_bodyweight", "generated_undated", "needs_clearance", "refused"])
def test_every_bundle_validates_as_fhir_r4(blocks, name):
    assert validate(exported(blocks[name])).type == "collection"


def test_validation_can_fail():
    data = exported(contract_blocks()["generated"])
    broken = copy.deepcopy(data)
    del broken["entry"][0]["resource"]["status"]
    with pytest.raises(FHIRValidationError, match='Non-optional property "status"'):
        validate(broken)
    broken = copy.deepcopy(data)
    broken["entry"][0]["resource"]["activity"][0]["detail"]["sets"] = 3
    with pytest.raises(FHIRValidationError, match='Superfluous entry "sets"'):
        validate(broken)
    broken = copy.deepcopy(data)
    broken["entry"][0]["resource"]["intent"] = "wish"
    with pytest.raises(AssertionError):
        validate(broken)


def test_the_care_plan_has_a_weekly_activity_with_the_blocks_numbers(blocks):
    block = blocks["generated"]
    careplan = exported(block)["entry"][0]["resource"]
    assert (careplan["status"], careplan["intent"]) == ("active", "plan")
    assert len(careplan["activity"]) == len(block.weeks)
    for activity, week in zip(careplan["activity"], block.weeks):
        e = week.sessions[0].exercises[0]
        detail = activity["detail"]
        assert f"{e.sets} sets x {e.reps} repetitions" in detail["description"]
        assert f"{e.load_kg} kg" in detail["description"] and f"rest {e.rest_seconds} s" in detail["description"]
        assert detail["scheduledTiming"]["repeat"]["frequency"] == len(week.sessions)
        assert detail["scheduledTiming"]["repeat"]["boundsPeriod"]["start"] == week.sessions[0].date.isoformat()
    assert careplan["period"] == {"start": "2026-12-07", "end": block.sessions()[-1].date.isoformat()}
    assert careplan["identifier"][0]["value"].endswith(block.ruleset.sha256)
    assert careplan["subject"]["identifier"]["value"] == "contract-loaded"


@pytest.mark.parametrize(("name", "status", "priority", "code"), [
    ("refused", "revoked", "stat", "Referral: Emergency department, today"),
    ("needs_clearance", "draft", "routine", "Clinical assessment and clearance for a reverse hyperextension exercise programme"),
])
def test_no_go_blocks_carry_a_service_request(blocks, name, status, priority, code):
    block = blocks[name]
    careplan, request = (e["resource"] for e in exported(block)["entry"])
    assert careplan["status"] == status and "activity" not in careplan
    assert (request["resourceType"], request["priority"], request["code"]["text"]) == ("ServiceRequest", priority, code)
    fired = [f for f in block.screening.fired if f.action in ("refuse", "require_clearance")]
    assert any(fired[0].reason in r["text"] for r in request["reasonCode"])


def test_screening_notes_cite_their_sources(blocks):
    block = blocks["generated_bodyweight"]
    notes = [n["text"] for n in exported(block)["entry"][0]["resource"]["note"]]
    for fired in block.screening.fired:
        assert any(fired.reason in n and fired.citation in n for n in notes)
    assert notes[-1] == block.disclaimer


def test_installed_entry_point():
    assert {ep.name: ep.value for ep in importlib.metadata.entry_points(group="revhyper")}["fhir"] == "revhyper_fhir"
