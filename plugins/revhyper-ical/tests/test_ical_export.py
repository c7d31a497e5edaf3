"""The calendar, parsed back with the icalendar library, holds every session with its prescription."""

from __future__ import annotations

import importlib.metadata
import json
import subprocess
import sys

import pytest
from icalendar import Calendar

from revhyper.testing import CONTRACT, contract_blocks, run_check
from revhyper_ical import ICAL


@pytest.fixture(scope="module")
def blocks():
    return contract_blocks()


def parse(data: bytes) -> Calendar:
    return Calendar.from_ical(data)


@pytest.mark.parametrize("check", CONTRACT, ids=lambda c: c.__name__)
def test_contract(check):
    run_check(check, ICAL)


def test_one_event_per_session_on_its_date_with_its_numbers(blocks):
    block = blocks["generated"]
    calendar = parse(ICAL.export(block))
    events = list(calendar.walk("VEVENT"))
    sessions = block.sessions()
    assert len(events) == len(sessions) == 36
    for event, session in zip(events, sessions):
        assert event.decoded("dtstart") == session.date
        e = session.exercises[0]
        description = str(event["description"])
        assert f"{e.sets} sets x {e.reps} repetitions" in description
        assert (f"{e.load_kg} kg" if e.load_kg is not None else "bodyweight") in description
        assert f"rest {e.rest_seconds} s" in description and block.pain_rule.after in description
    assert str(events[0]["summary"]) == "Reverse hyper: week 1, session 1 (Base)"
    assert len({str(e["uid"]) for e in events}) == len(events)
    assert str(calendar["x-revhyper-ruleset"]).endswith(block.ruleset.sha256)


def test_bodyweight_sessions_say_bodyweight(blocks):
    events = list(parse(ICAL.export(blocks["generated_bodyweight"])).walk("VEVENT"))
    assert events and all("bodyweight" in str(e["description"]) for e in events)


def test_same_block_same_bytes_and_stable_uids(blocks):
    again = contract_blocks()
    assert ICAL.export(blocks["generated"]) == ICAL.export(again["generated"])
    assert b"DTSTAMP:20261207T000000Z" in ICAL.export(blocks["generated"])


@pytest.mark.parametrize(("name", "summary", "priority"), [
    ("refused", "Back pain: Emergency department, today", 1),
    ("needs_clearance", "Get a clinician's clearance before starting the reverse hyper block", 5),
    ("generated_undated", "Choose a start date for the reverse hyper block", None),
])
def test_nothing_to_schedule_becomes_one_clear_to_do(blocks, name, summary, priority):
    calendar = parse(ICAL.export(blocks[name]))
    assert list(calendar.walk("VEVENT")) == []
    (todo,) = calendar.walk("VTODO")
    assert str(todo["summary"]) == summary
    assert todo.get("priority") == priority


def test_installed_format_appears_and_writes_a_file(tmp_path):
    assert {ep.name: ep.value for ep in importlib.metadata.entry_points(group="revhyper")}["ical"] == "revhyper_ical"
    profile = tmp_path / "p.json"
    profile.write_text(json.dumps({
        "person": {"age": 40}, "pain": {"current": 2, "duration_weeks": 30},
        "training": {"experience": "novice", "goal": "general", "days_per_week": 2, "weeks": 4,
                     "start_date": "2027-03-01"}}))
    out = tmp_path / "plan.ics"
    result = subprocess.run([sys.executable, "-m", "revhyper", "generate", str(profile), "-f", "ical", "-o", str(out)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert len(list(parse(out.read_bytes()).walk("VEVENT"))) == 8
