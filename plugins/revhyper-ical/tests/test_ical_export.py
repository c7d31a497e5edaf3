"""The calendar, parsed back with the icalendar library, holds every session with its prescription."""

from __future__ import annotations

import copy
import datetime as dt
import importlib.metadata
import json
import os
import subprocess
import sys

import attrs
import pytest
from icalendar import Calendar

import revhyper
from revhyper.testing import CONTRACT, PROFILES, contract_blocks, run_check
from revhyper_ical import ICAL


@pytest.fixture(autouse=True)
def _no_caller_time(monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)


@pytest.fixture(scope="module")
def blocks():
    return contract_blocks()


def parse(data: bytes) -> Calendar:
    return Calendar.from_ical(data)


MADE = 1796175000  # 2026-12-02T01:30:00Z, a caller's SOURCE_DATE_EPOCH


def block_from(data: dict, **training):
    """A block through the public API, from one of the contract kit's profiles with ``training`` changed."""
    data = copy.deepcopy(data)
    data["training"].update(training)
    rules = revhyper.default_ruleset()
    return revhyper.generate(revhyper.profile_from_data(data, ruleset=rules), rules)


def uids(data: bytes) -> list[str]:
    return [str(c["uid"]) for c in parse(data).walk() if c.name in ("VEVENT", "VTODO")]


@pytest.mark.parametrize("check", CONTRACT, ids=lambda c: c.__name__)
def test_contract(check):
    run_check(check, ICAL)


def test_one_event_per_session_on_its_date_with_its_prescription(blocks):
    block = blocks["generated"]
    calendar = parse(ICAL.export(block))
    events = list(calendar.walk("VEVENT"))
    sessions = block.sessions()
    assert len(events) == len(sessions) == 36
    assert list(calendar.walk("VTODO")) == []
    for event, session in zip(events, sessions):
        assert event.decoded("dtstart") == session.date
        assert event.decoded("dtend") == session.date + dt.timedelta(days=1)  # all day
        description = str(event["description"])
        for e in session.exercises:
            assert e.name in description
            assert f"{e.sets} sets x {e.reps} repetitions" in description
            assert f"{e.load_kg} kg ({e.load_percent} % of working load)" in description
            assert f"Range {e.rom_percent} %" in description
            assert f"tempo {e.tempo}" in description and f"rest {e.rest_seconds} s" in description
            assert all(cue in description for cue in e.cues)
        assert block.pain_rule.after in description and block.pain_rule.week_to_week in description
        assert block.disclaimer in description
    assert str(events[0]["summary"]) == "Reverse hyper: week 1, session 1 (Base)"
    assert str(events[-1]["summary"]) == f"Reverse hyper: week 12, session 3 ({block.weeks[-1].phase_name})"
    # the loads change across the block, and each event shows its own session's
    assert len({str(e["description"]).split("\n")[3] for e in events}) > 3
    stamp = block.ruleset
    assert str(calendar["x-revhyper-ruleset"]) == f"revhyper-default {stamp.version} sha256:{stamp.sha256}"
    assert str(calendar["prodid"]) == f"-//revhyper//revhyper {block.generator_version}//EN"


def test_bodyweight_sessions_say_bodyweight(blocks):
    block = blocks["generated_bodyweight"]
    events = list(parse(ICAL.export(block)).walk("VEVENT"))
    assert len(events) == len(block.sessions()) == 12
    assert all("bodyweight" in str(e["description"]) and " kg " not in str(e["description"]) for e in events)


def test_same_block_same_bytes_in_another_process(blocks):
    script = ("import sys; from revhyper.testing import contract_blocks; from revhyper_ical import ICAL; "
              "sys.stdout.buffer.write(ICAL.export(contract_blocks()['generated']))")
    other = subprocess.run([sys.executable, "-c", script], capture_output=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": "12345"}).stdout
    assert other == ICAL.export(blocks["generated"])
    # without a caller time DTSTAMP is the fixed UNDATED instant, not the clock, and SEQUENCE is 0
    assert b"DTSTAMP:19980703T212416Z" in other and other.count(b"DTSTAMP:") == 36
    assert other.count(b"SEQUENCE:0\r\n") == other.count(b"LAST-MODIFIED:19980703T212416Z") == 36


def test_uids_are_unique_and_name_the_block_and_the_session(blocks):
    loaded = PROFILES["generated"]
    first = ICAL.export(blocks["generated"])
    assert len(set(uids(first))) == len(uids(first)) == 36
    assert all(uid.endswith("@revhyper") for uid in uids(first))
    # regenerated with a lighter working load: same block and sessions, so calendar apps update the events
    lighter = ICAL.export(block_from(loaded, working_load_kg=35))
    assert lighter != first and uids(lighter) == uids(first)
    # the client's next block, or another client's: new events, never overwriting these ones
    following = ICAL.export(block_from(loaded, start_date="2027-03-01"))
    other = ICAL.export(block_from({**loaded, "person": {**loaded["person"], "id": "someone-else"}}))
    assert not set(uids(first)) & set(uids(following))
    assert not set(uids(first)) & set(uids(other))


def test_anonymous_clients_do_not_share_uids():
    undated = PROFILES["generated_undated"]
    one = block_from(undated, start_date="2027-01-04")
    two = block_from(undated, start_date="2027-01-04", days_per_week=2)
    assert one.person_id is None and two.person_id is None
    assert not set(uids(ICAL.export(one))) & set(uids(ICAL.export(two)))
    assert uids(ICAL.export(one)) == uids(ICAL.export(block_from(undated, start_date="2027-01-04")))


@pytest.mark.parametrize(("name", "summary", "priority", "says"), [
    ("refused", "Back pain: Emergency department, today", 1, "Go to an emergency department now"),
    ("needs_clearance", "Get a clinician's clearance before starting the reverse hyper block", 5,
     "must assess and clear exercise first"),
    ("generated_undated", "Choose a start date for the reverse hyper block", None,
     "Add training.start_date to the profile"),
])
def test_nothing_to_schedule_becomes_one_clear_to_do(blocks, name, summary, priority, says, monkeypatch):
    calendar = parse(ICAL.export(blocks[name]))
    assert list(calendar.walk("VEVENT")) == []  # no caller time: no date to put an event on
    (todo,) = calendar.walk("VTODO")
    assert str(todo["summary"]) == summary
    assert todo.get("priority") == priority
    assert says in str(todo["description"])
    assert str(calendar["x-revhyper-status"]) == blocks[name].status
    # with the caller's time, the same words are also an all-day event that day, for event-only importers
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(MADE))
    calendar = parse(ICAL.export(blocks[name]))
    (todo,) = calendar.walk("VTODO")
    (event,) = calendar.walk("VEVENT")
    assert str(event["summary"]) == summary and says in str(event["description"])
    assert event.get("priority") == priority
    assert event.decoded("dtstart") == dt.date(2026, 12, 2) and event.decoded("dtend") == dt.date(2026, 12, 3)
    assert str(event["uid"]) != str(todo["uid"]) and event.decoded("dtstamp") == todo.decoded("dtstamp")


def test_refused_reasons_are_in_the_to_do(blocks):
    block = blocks["refused"]
    (todo,) = parse(ICAL.export(block)).walk("VTODO")
    fired = [f for f in block.screening.fired if f.action == "refuse"]
    assert fired and all(f.title in str(todo["description"]) for f in fired)


def test_refused_without_referral_says_why(blocks):
    """No variant suits the equipment and caps: refused, with the reason in adjustments and no referral."""
    reason = "No exercise variant suits the equipment listed and the caps that apply; no block was made."
    refused = blocks["refused"]
    block = attrs.evolve(refused, screening=attrs.evolve(refused.screening, referral=None), adjustments=(reason,))
    calendar = parse(ICAL.export(block))
    (todo,) = calendar.walk("VTODO")
    assert str(todo["summary"]) == "No reverse hyper block could be made"
    assert reason in str(todo["description"]) and "priority" not in todo
    assert str(calendar["description"]).startswith(f"Refused: no exercise block. {reason}")


@pytest.mark.parametrize(("name", "starts"), [
    ("generated", "Strength: 12 weeks x 3 sessions of Reverse hyperextension (machine) from 2026-12-07."),
    ("generated_undated", "Endurance: 4 weeks x 3 sessions of Reverse hyperextension (machine) (no start date"),
    ("needs_clearance", "Needs clearance: a clinician must assess and clear exercise before the block starts, because "
                        "of: high_pain (physician or physiotherapist)."),
    ("refused", "Refused: no exercise block. Emergency department, today (emergency): Go to an emergency"),
])
def test_the_calendar_itself_says_what_it_holds(blocks, name, starts):
    calendar = parse(ICAL.export(blocks[name]))
    text = str(calendar["description"])  # RFC 7986
    assert text.startswith(starts)
    assert blocks[name].ruleset.sha256 in text
    # X-WR-CALDESC, which most calendar apps read, says the same (icalendar leaves x- properties undecoded)
    assert calendar["x-wr-caldesc"].to_ical() == calendar["description"].to_ical()
    assert str(calendar["name"]) == str(calendar["x-wr-calname"])


def test_importing_the_plugin_does_not_import_icalendar():
    """`revhyper formats` imports every plugin; icalendar is loaded only to export."""
    script = "import sys, revhyper_ical; print('icalendar' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


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
    events = list(parse(out.read_bytes()).walk("VEVENT"))
    assert len(events) == 8
    assert events[0].decoded("dtstart") == dt.date(2027, 3, 1)
    listing = subprocess.run([sys.executable, "-m", "revhyper", "formats"], capture_output=True, text=True)
    assert listing.returncode == 0, listing.stderr
    assert any(line.split()[:1] == ["ical"] and "revhyper-ical" in line for line in listing.stdout.splitlines())


def test_dtstamp_last_modified_and_sequence_come_from_the_callers_time(blocks, monkeypatch):
    """A block regenerated later with other loads keeps its UIDs with a higher SEQUENCE, so calendars update."""
    loaded = PROFILES["generated"]
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(MADE))
    first = parse(ICAL.export(blocks["generated"]))
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(MADE + 3 * 86400))
    later = parse(ICAL.export(block_from(loaded, working_load_kg=35)))
    old, new = list(first.walk("VEVENT")), list(later.walk("VEVENT"))
    assert [str(e["uid"]) for e in old] == [str(e["uid"]) for e in new]
    made = dt.datetime.fromtimestamp(MADE, dt.timezone.utc)
    for before, after in zip(old, new):
        assert before.decoded("dtstamp") == before.decoded("last-modified") == made
        assert after.decoded("last-modified") == made + dt.timedelta(days=3)
        assert after.decoded("sequence") == before.decoded("sequence") + 3 * 24 * 60 > 0
    assert str(old[0]["description"]) != str(new[0]["description"])  # the loads changed


def test_a_malformed_source_date_epoch_writes_nothing(tmp_path):
    profile = tmp_path / "p.json"
    profile.write_text(json.dumps(PROFILES["generated"]))
    out = tmp_path / "c.ics"
    result = subprocess.run([sys.executable, "-m", "revhyper", "generate", str(profile), "-f", "ical", "-o", str(out)],
                            capture_output=True, text=True, env={**os.environ, "SOURCE_DATE_EPOCH": "2026-12-02"})
    assert result.returncode == 5 and "SOURCE_DATE_EPOCH must be whole seconds since 1970-01-01 UTC" in result.stderr
    assert not out.exists()


@pytest.mark.parametrize("name", ["generated", "generated_undated", "needs_clearance", "refused"])
def test_an_independent_parser_reads_every_calendar(blocks, name, monkeypatch):
    """vobject (not the icalendar library that wrote the file) reads the same events and to-dos."""
    import vobject

    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(MADE))
    block = blocks[name]
    data = ICAL.export(block)
    calendar = vobject.readOne(data.decode("utf-8"))
    events = list(getattr(calendar, "vevent_list", []))
    todos = list(getattr(calendar, "vtodo_list", []))
    made = dt.datetime.fromtimestamp(MADE, dt.timezone.utc)
    sessions = [s for s in block.sessions() if s.date is not None]
    if sessions:
        assert len(events) == len(sessions) and todos == []
        for event, session in zip(events, sessions):
            assert event.dtstart.value == session.date
            assert session.exercises[0].name in event.description.value
    else:
        assert len(events) == len(todos) == 1
        assert events[0].summary.value == todos[0].summary.value
        assert events[0].dtstart.value == made.date()
    for component in (*events, *todos):
        assert component.dtstamp.value == component.last_modified.value == made
        assert int(component.sequence.value) == (MADE - 899501056) // 60
    assert len({c.uid.value for c in (*events, *todos)}) == len(events) + len(todos)
