"""The compact form of a block (revhyper batch's lines) carries the canonical block's data, all of it; and the
fast JSON encoder writes the standard library's bytes (src/revhyper/export/compact.py, src/revhyper/export/json_bytes.py)."""

from __future__ import annotations

import copy
import datetime as dt
import json

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import revhyper
from revhyper.export.compact import COMPACT_FORMAT, EXERCISE_FIELDS
from revhyper.export.json_bytes import dumps, dumps_indented

from helpers import EXAMPLES
from strategies import profile_dicts

RULES = revhyper.default_ruleset()


def both_ways(block) -> dict:
    compact = revhyper.block_to_compact(block)
    assert compact["format"] == COMPACT_FORMAT
    assert revhyper.expand_compact(json.loads(dumps(compact))) == revhyper.block_to_dict(block)
    # a generated block keeps its weeks' plans (block.WeekPlan), which the encoder reads; a block made any other way
    # (here by attrs.evolve, as a plugin or load_block makes one) goes through its Week objects: the same form
    remade = attrs.evolve(block)
    assert remade.week_plans is None and remade == block
    assert revhyper.block_to_compact(remade) == compact
    return compact


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(profile_dicts(RULES))
def test_any_profile_s_block_expands_back_to_the_canonical_block(data):
    try:
        profile = revhyper.profile_from_data(data, ruleset=RULES)
    except revhyper.ProfileError:
        return  # the strategy makes some profiles the checks refuse; they have no block
    both_ways(revhyper.generate(profile, RULES))


def test_every_example_profile_and_a_progressed_block_expand_back():
    for path in sorted((EXAMPLES / "profiles").glob("*.toml")):
        both_ways(revhyper.generate(revhyper.load_profile(path, RULES), RULES))
    tom = revhyper.load_profile(EXAMPLES / "profiles" / "healthy-strength.toml", RULES)
    block = revhyper.generate(tom, RULES)
    log = revhyper.load_log(EXAMPLES / "logs" / "week1.csv", RULES)
    progressed = revhyper.progress(tom, block, log, RULES)
    compact = both_ways(progressed)
    assert compact["progress"] and "logged" in compact["weeks"][0]


def test_the_tables_state_each_thing_once_and_sessions_refer_to_them():
    block = revhyper.generate(revhyper.load_profile(EXAMPLES / "profiles" / "chronic-rehab.toml", RULES), RULES)
    compact = both_ways(block)
    assert list(compact) == [*list(revhyper.block_to_dict(block))[:list(revhyper.block_to_dict(block)).index("weeks")],
                             "variants", "phases", "cues", "exercises", "weeks", "adjustments", "warnings", "notes",
                             "pain_rule"]
    assert compact["exercises"]["fields"] == list(EXERCISE_FIELDS)
    assert len(compact["cues"]) == len(set(compact["cues"]))
    rows = [json.dumps(row) for row in compact["exercises"]["rows"]]
    assert len(rows) == len(set(rows))  # each distinct exercise once
    assert [p["id"] for p in compact["phases"]] == list(dict.fromkeys(w.phase for w in block.weeks))
    first = compact["weeks"][0]["sessions"]
    assert first == [[s.date.isoformat(), 0] for s in block.weeks[0].sessions]


def test_a_double_progression_exercise_keeps_its_range_and_effort():
    tom = revhyper.load_profile(EXAMPLES / "profiles" / "healthy-strength.toml", RULES)
    block = revhyper.generate(tom, RULES)
    canonical = revhyper.block_to_dict(block)
    doubles = [e for w in canonical["weeks"] for s in w["sessions"] for e in s["exercises"] if "reps_range" in e]
    assert doubles, "the strength programme progresses by a range of repetitions"
    both_ways(block)


@pytest.mark.parametrize("change, message", [
    (lambda c: c.update(format="revhyper.block/1"), "format: expected \"revhyper.block.compact/1\""),
    (lambda c: c.pop("cues"), "cues: expected a list of text"),
    (lambda c: c["exercises"].update(fields=["variant"]), "exercises.fields: expected"),
    (lambda c: c["exercises"]["rows"][0].__setitem__(8, [99]), "exercises.rows.0.8.0: expected a position in a table"),
    (lambda c: c["weeks"][1]["sessions"][2].__setitem__(1, 99), "weeks.1.sessions.2.1: expected a position"),
    (lambda c: c["weeks"][0].__setitem__("phase", True), "weeks.0.phase: expected a position"),
    (lambda c: c["weeks"][0]["sessions"].append([]), "weeks.0.sessions.3: expected [date, exercise, ...]"),
])
def test_what_is_not_a_compact_block_is_an_error_naming_the_key(change, message):
    block = revhyper.generate(revhyper.load_profile(EXAMPLES / "profiles" / "chronic-rehab.toml", RULES), RULES)
    compact = json.loads(dumps(revhyper.block_to_compact(block)))
    broken = copy.deepcopy(compact)
    change(broken)
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace(".", r"\.")):
        revhyper.expand_compact(broken)
    assert revhyper.expand_compact(compact) == revhyper.block_to_dict(block)  # not changed by the failed attempts


# -- json_bytes: orjson's speed, the json module's bytes ----------------------------------------------------

def plain(data) -> bytes:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode("utf-8")


def indented(data) -> bytes:
    return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False).encode("utf-8")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(st.characters(blacklist_categories=["Cs"])),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=20)


@settings(max_examples=400, deadline=None)
@given(json_values)
def test_the_fast_encoder_writes_the_bytes_of_the_json_module(data):
    assert dumps(data) == plain(data)
    assert dumps_indented(data) == indented(data)


@pytest.mark.parametrize("value", [1e-5, 9.99e-5, 1e-4, 2.5e-7, -3e-9, 5e-324, 1e16, 1.5e300, 2**64, -(2**70), 0.1,
                                   100.0, -0.0, 123456.789])
def test_floats_and_integers_where_orjson_and_json_disagree_are_written_as_json_does(value):
    for data in (value, [value], {"load_kg": value, "note": "0.0000 e-"},
                 {"load_kg": value, "variant": "glute-ham raise", "cue": "one-legged"}):  # text's e- after the number
        assert dumps(data) == plain(data)
        assert dumps_indented(data) == indented(data)


def test_what_json_cannot_write_is_still_an_error():
    with pytest.raises(TypeError):
        dumps({"date": dt.date(2026, 12, 1)})  # a date that skipped isoformat: a bug, not silently text
    with pytest.raises(UnicodeEncodeError):
        dumps({"id": "ab\ud800"})
    assert dumps({1: "a", "b": (1, 2)}) == plain({1: "a", "b": (1, 2)})


def test_load_block_reads_a_compact_block_as_its_canonical_form(tmp_path):
    block = revhyper.generate(revhyper.load_profile(EXAMPLES / "profiles" / "chronic-rehab.toml", RULES), RULES)
    compact = tmp_path / "line-block.json"
    compact.write_bytes(dumps(revhyper.block_to_compact(block)))
    assert revhyper.block_to_json(revhyper.load_block(compact)) == revhyper.block_to_json(block)
    broken = revhyper.block_to_compact(block)
    broken["weeks"][0]["sessions"][0][1] = 40
    compact.write_bytes(dumps(broken))
    with pytest.raises(revhyper.BlockError) as caught:
        revhyper.load_block(compact)
    assert ":1:" in str(caught.value) and "weeks[0].sessions[0][1]" in str(caught.value) and "expected a position in a table of 12" in str(caught.value)
