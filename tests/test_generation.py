"""Periodization as a coach reads the block: weeks and sessions, dates, lighter weeks, loads within every limit
and on the equipment's steps, the frequency an experience level allows, phases shared out over short blocks,
and the same bytes for the same inputs, stamped with the generator and the rule set that made them."""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.metadata
import json
import os
import subprocess
import sys
import tomllib
from importlib import resources

import pytest

import revhyper
from revhyper.engine.periodization import allocate_weeks
from revhyper.rules.ruleset_loader import content_hash

from helpers import HEALTHY, ROOT, merge, cleared

GOALS = ("rehabilitation", "endurance", "strength", "general")
EXPERIENCES = ("novice", "intermediate", "advanced")


def first_exercises(block):
    """The exercise of each week (every session of a week prescribes the same one)."""
    return [week.sessions[0].exercises[0] for week in block.weeks]


def without(data: dict, section: str, key: str) -> dict:
    data = merge(data, {})
    del data[section][key]
    return data


def block_from(data: dict, rules=None):
    rules = rules or revhyper.default_ruleset()
    return revhyper.generate(revhyper.parse_profile(json.dumps(data), name="client.json", ruleset=rules, kind="json"),
                             rules)


# -- shape of the default block -----------------------------------------------------------------------------


def test_the_default_block_is_12_weeks_of_3_sessions_numbered_in_order(make_block):
    block = make_block()  # no training.weeks: the rule set's default_weeks
    assert block.status == "generated"
    assert block.plan.weeks == 12 and block.plan.days_per_week == 3
    assert [week.number for week in block.weeks] == list(range(1, 13))
    assert all([s.number for s in week.sessions] == [1, 2, 3] for week in block.weeks)
    assert [s.index for s in block.sessions()] == list(range(1, 37))
    assert all(len(s.exercises) == 1 and s.exercises[0].variant == "machine_reverse_hyper" for s in block.sessions())


def test_every_session_of_a_week_prescribes_the_same_exercise(make_block):
    for week in make_block().weeks:
        assert len({s.exercises for s in week.sessions}) == 1


def test_training_weeks_in_the_profile_replace_the_default(make_block):
    block = make_block(training={"weeks": 8})
    assert block.plan.weeks == 8 and len(block.weeks) == 8


# -- dates ----------------------------------------------------------------------------------------------------


def test_dates_follow_the_start_date_with_rest_days_between_sessions(make_block):
    block = make_block(training={"start_date": "2026-12-07"})  # a Monday
    dates = [s.date for s in block.sessions()]
    assert dates[:6] == [dt.date(2026, 12, d) for d in (7, 9, 11, 14, 16, 18)]  # Mon, Wed, Fri
    assert dates[-1] == dt.date(2027, 2, 26)  # the Friday of week 12, across the new year
    assert all((b - a).days >= 2 for a, b in zip(dates, dates[1:])), "three sessions a week never on consecutive days"
    for week in block.weeks:
        monday = dt.date(2026, 12, 7) + dt.timedelta(weeks=week.number - 1)
        assert week.sessions[0].date == monday
        assert all(monday <= s.date < monday + dt.timedelta(days=7) for s in week.sessions)


def test_a_start_date_mid_week_starts_that_day_and_crosses_a_leap_day(make_block):
    block = make_block(training={"start_date": "2028-02-23", "days_per_week": 2, "weeks": 2})  # a Wednesday
    dates = [s.date.isoformat() for s in block.sessions()]
    assert dates == ["2028-02-23", "2028-02-26", "2028-03-01", "2028-03-04"]


@pytest.mark.parametrize("days", [2, 3, 4])
def test_each_week_holds_exactly_the_sessions_asked_for_within_seven_days(make_block, days):
    block = make_block(training={"days_per_week": days})
    for week in block.weeks:
        span = week.sessions[-1].date - week.sessions[0].date
        assert len(week.sessions) == days and span.days < 7
    dates = [s.date for s in block.sessions()]
    assert dates == sorted(set(dates)), "one session a day, in order"


def test_without_a_start_date_sessions_have_no_dates(make_block, profile_data):
    block = block_from(without(profile_data(), "training", "start_date"))
    assert block.plan.start_date is None
    assert all(s.date is None for s in block.sessions())
    assert all(s["date"] is None for w in revhyper.block_to_dict(block)["weeks"] for s in w["sessions"])


# -- lighter (deload) weeks -------------------------------------------------------------------------------------


@pytest.mark.parametrize("goal", GOALS)
def test_every_fourth_week_is_lighter_with_half_the_sets_and_nothing_harder_than_the_week_before(make_block, goal):
    block = make_block(training={"goal": goal, "experience": "advanced"})
    assert [w.number for w in block.weeks if w.deload] == [4, 8, 12]
    exercises = first_exercises(block)
    for week in block.weeks:
        if not week.deload:
            continue
        before, lighter = exercises[week.number - 2], exercises[week.number - 1]
        assert lighter.sets == max(1, before.sets // 2) and lighter.sets < before.sets
        assert lighter.reps <= before.reps and lighter.rom_percent <= before.rom_percent
        assert (lighter.load_kg or 0) <= (before.load_kg or 0)
        assert "Lighter week: fewer sets, same careful technique." in lighter.cues
        # it does not advance the progressions: the numbers of the phase's last training week (docs/rulesets.md)
        same_phase = [e for w, e in zip(block.weeks, exercises) if w.phase == week.phase and w.number < week.number]
        if same_phase:
            last = same_phase[-1]
            assert (lighter.reps, lighter.load_kg, lighter.rom_percent) == (last.reps, last.load_kg, last.rom_percent)
    assert not any("Lighter week" in cue for w, e in zip(block.weeks, exercises) if not w.deload for cue in e.cues)


@pytest.mark.parametrize("goal", GOALS)
@pytest.mark.parametrize("weeks", range(1, 17))
def test_a_lighter_week_always_has_fewer_sets_than_the_week_before(make_block, goal, weeks):
    block = make_block(training={"goal": goal, "weeks": weeks})
    exercises = first_exercises(block)
    for week, e in zip(block.weeks, exercises):
        assert week.deload == (week.number % 4 == 0)
        if week.deload:
            assert e.sets < exercises[week.number - 2].sets


def test_training_resumes_after_a_lighter_week(make_block):
    exercises = first_exercises(make_block(training={"goal": "strength"}))
    # week 5 starts the build phase at 3 sets, back up from the lighter week 4 (1 set)
    assert (exercises[3].sets, exercises[4].sets, exercises[5].sets) == (1, 3, 4)


# -- loads ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("experience", EXPERIENCES)
@pytest.mark.parametrize("goal", GOALS)
@pytest.mark.parametrize(("working", "increment"), [(40, 2.5), (33.3, 1.25), (63.5, 0.5), (101.7, 0.125), (27, 1.134),
                                                    (17, 5)])
def test_loads_stay_within_the_experience_limit_and_are_multiples_of_the_load_step(make_block, default_rules, experience,
                                                                                goal, working, increment):
    block = make_block(training={"experience": experience, "goal": goal, "working_load_kg": working,
                                 "load_increment_kg": increment})
    limit = default_rules.experience[experience].max_load_percent
    assert block.plan.load_increment_kg == increment
    for e in first_exercises(block):
        if e.load_kg is None:
            assert e.load_percent is None
            continue
        assert e.load_percent <= limit
        assert e.load_kg <= working * e.load_percent / 100 + 1e-9, "loads are rounded down, never up"
        steps = e.load_kg / increment
        assert abs(steps - round(steps)) < 1e-6 and round(steps) >= 1, (e.load_kg, increment)


def test_the_experience_limit_is_what_stops_a_novices_load(make_block):
    novice = {e.load_percent for e in first_exercises(make_block(training={"experience": "novice"}))}
    advanced = {e.load_percent for e in first_exercises(make_block(training={"experience": "advanced"}))}
    # double progression: the strength phase's load rises to 82.5 % once its repetitions reach the top of the range
    assert max(novice) == 80 and max(advanced) == 82.5


@pytest.mark.parametrize(("changes", "limit"), [
    ({"pain": {"current": 5}}, 50),  # moderate_pain
    ({"history": {"conditions": ["osteoporosis"]}}, 60),
    ({"pain": {"current": 5}, "history": {"conditions": ["osteoporosis"]}}, 50),  # the strictest of the two
    ({"clearance": cleared(by="A. Physio", restrictions=["light_load"])}, 50),
])
def test_loads_never_exceed_a_cap_and_the_cap_binds(make_block, changes, limit):
    block = make_block(training={"experience": "advanced"}, **changes)
    loads = [e for e in first_exercises(block) if e.load_kg is not None]
    assert loads and max(e.load_percent for e in loads) == limit
    assert all(e.load_kg <= 40 * limit / 100 for e in loads)


@pytest.mark.parametrize("goal", GOALS)
def test_load_rises_a_few_percent_at_a_time_and_never_falls_between_training_weeks(make_block, goal):
    block = make_block(training={"goal": goal, "experience": "advanced", "working_load_kg": 60, "load_increment_kg": 0.5})
    percents = [e.load_percent for w, e in zip(block.weeks, first_exercises(block)) if not w.deload and e.load_percent]
    assert percents, "every default program reaches loaded work"
    for before, after in zip(percents, percents[1:]):
        assert before <= after <= before * 1.10 + 1e-9, f"{before} -> {after} %: ACSM 2009 advises 2-10 % steps"


def test_rehabilitation_starts_from_bodyweight_and_loads_only_in_its_last_phase(make_block):
    block = make_block(training={"goal": "rehabilitation"})
    phases_with_load = {w.phase for w, e in zip(block.weeks, first_exercises(block)) if e.load_kg is not None}
    assert first_exercises(block)[0].load_kg is None
    assert phases_with_load == {"light_strength"}


@pytest.mark.parametrize("goal", GOALS)
def test_the_range_of_motion_never_shrinks_between_training_weeks(make_block, goal):
    block = make_block(training={"goal": goal})
    roms = [e.rom_percent for w, e in zip(block.weeks, first_exercises(block)) if not w.deload]
    assert roms == sorted(roms) and roms[0] < roms[-1]


def test_no_working_load_means_bodyweight_and_a_note_saying_what_to_measure(profile_data):
    block = block_from(without(profile_data(), "training", "working_load_kg"))
    assert block.status == "generated"
    assert all(e.load_kg is None and e.load_percent is None for s in block.sessions() for e in s.exercises)
    assert any("no working load was given" in note and "training.working_load_kg" in note for note in block.adjustments)


def test_sets_stay_within_the_experience_limit(make_block, default_rules):
    for experience in EXPERIENCES:
        block = make_block(training={"experience": experience, "goal": "strength"})
        sets = [e.sets for e in first_exercises(block)]
        assert max(sets) == min(default_rules.experience[experience].max_sets, 4)  # 4: the strength program's most


# -- sessions a week -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("asked", "given"), [(1, 2), (2, 2), (3, 3), (4, 3), (5, 3), (7, 3)])
def test_a_novice_trains_two_or_three_days_a_week_and_is_told_why(make_block, asked, given):
    block = make_block(training={"experience": "novice", "days_per_week": asked})
    assert block.plan.days_per_week == given
    assert all(len(week.sessions) == given for week in block.weeks)
    note = f"Sessions a week: {given}, not {asked}: novice lifters train 2-3 days a week in this rule set."
    assert (note in block.adjustments) == (asked != given)
    if asked == given:
        assert not any(a.startswith("Sessions a week") for a in block.adjustments)


@pytest.mark.parametrize(("experience", "asked", "given"), [("intermediate", 5, 4), ("advanced", 5, 5),
                                                            ("advanced", 6, 5), ("intermediate", 1, 2)])
def test_other_levels_are_clamped_to_their_own_range(make_block, experience, asked, given):
    block = make_block(training={"experience": experience, "days_per_week": asked})
    assert block.plan.days_per_week == given and len(block.weeks[0].sessions) == given
    assert any(a.startswith(f"Sessions a week: {given}, not {asked}") for a in block.adjustments) == (asked != given)


# -- phases in blocks shorter or longer than the program -----------------------------------------------------------


@pytest.mark.parametrize("goal", GOALS)
def test_six_weeks_share_the_phases_in_proportion(make_block, default_rules, goal):
    program = default_rules.programs[goal]
    block = make_block(training={"goal": goal, "weeks": 6})
    phase_ids = [w.phase for w in block.weeks]
    got = [phase_ids.count(p.id) for p in program.phases]
    assert sum(got) == 6 and all(n >= 1 for n in got)
    assert phase_ids == [p.id for p, n in zip(program.phases, got) for _ in range(n)], "phases in order, each in one run"
    total = sum(p.weeks for p in program.phases)
    for phase, n in zip(program.phases, got):
        assert abs(n - phase.weeks * 6 / total) < 1, (phase.id, n)
    assert [w.number for w in block.weeks if w.deload] == [4]


def test_six_weeks_of_strength_are_two_weeks_of_each_phase(make_block):
    block = make_block(training={"goal": "strength", "weeks": 6})
    assert [w.phase for w in block.weeks] == ["base", "base", "build", "build", "strength", "strength"]


@pytest.mark.parametrize(("shares", "total", "expected"), [
    ([4, 4, 4], 12, [4, 4, 4]), ([4, 4, 4], 6, [2, 2, 2]), ([4, 4, 4], 8, [3, 3, 2]), ([2, 5, 5], 6, [1, 3, 2]),
    ([2, 5, 5], 12, [2, 5, 5]), ([2, 5, 5], 24, [4, 10, 10]), ([4, 4, 4], 2, [1, 1, 0]), ([4, 4, 4], 52, [18, 17, 17]),
])
def test_weeks_are_allocated_by_largest_remainder(shares, total, expected):
    assert allocate_weeks(shares, total) == expected


def test_a_year_long_block_keeps_every_number_within_its_limits(make_block):
    block = make_block(training={"weeks": 52, "experience": "advanced"})
    assert len(block.weeks) == 52 and sum(w.deload for w in block.weeks) == 13
    exercises = first_exercises(block)
    assert max(e.load_percent for e in exercises) == 90 and max(e.rom_percent for e in exercises) == 110
    assert min(e.reps for e in exercises) == 6  # the strength phase's double progression: 6-8 repetitions


# -- same inputs, same bytes; the stamp -------------------------------------------------------------------------------


def test_the_same_inputs_give_the_same_bytes(profile_data):
    data = profile_data(history={"conditions": ["hernia", "osteoporosis"]}, person={"pregnant": True},
                        clearance=cleared(role="obstetric_provider", by="A. Midwife", restrictions=["no_prone", "light_load"]))
    first = revhyper.block_to_json(block_from(data))
    assert revhyper.block_to_json(block_from(json.loads(json.dumps(data)))) == first
    assert first.endswith(b"\n") and json.loads(first)["status"] == "generated"


def test_the_same_client_in_toml_and_json_gives_the_same_bytes(tmp_path):
    toml_path = ROOT / "examples" / "profiles" / "chronic-rehab.toml"
    data = tomllib.loads(toml_path.read_text())
    data["training"]["start_date"] = data["training"]["start_date"].isoformat()
    json_path = tmp_path / "chronic-rehab.json"
    json_path.write_text(json.dumps(data))
    from_toml = revhyper.block_to_json(revhyper.generate(revhyper.load_profile(toml_path)))
    assert revhyper.block_to_json(revhyper.generate(revhyper.load_profile(json_path))) == from_toml


def test_the_same_bytes_whatever_the_hash_seed(tmp_path, profile_data):
    profile = tmp_path / "client.json"
    profile.write_text(json.dumps(profile_data(
        person={"pregnant": True}, pain={"current": 5, "extension_aggravates": True},
        history={"conditions": ["osteoporosis", "hernia", "hypertension", "spinal_stenosis"]},
        clearance=cleared(by="A. Physio", restrictions=["no_prone", "two_sessions_a_week", "light_load"]))))
    outputs = set()
    for seed in ("0", "1", "4242", "random"):
        out = tmp_path / f"block-{seed}.json"
        env = {**os.environ, "PYTHONHASHSEED": seed}
        result = subprocess.run([sys.executable, "-m", "revhyper", "generate", str(profile), "-o", str(out)],
                                capture_output=True, env=env, timeout=60)
        assert result.returncode == 0, result.stderr
        outputs.add(out.read_bytes())
    assert len(outputs) == 1
    assert json.loads(outputs.pop())["caps"]["avoid_tags"]["value"] == ["presses_abdomen", "prone", "unstable"]


def test_the_block_records_the_generator_and_the_rule_set_that_made_it(make_block):
    data = revhyper.block_to_dict(make_block())
    assert data["format"] == "revhyper.block/1"
    assert data["generator"] == {"name": "revhyper", "version": revhyper.__version__}
    assert revhyper.__version__ == importlib.metadata.version("revhyper")
    shipped = tomllib.loads((ROOT / "rulesets" / "default.toml").read_text(encoding="utf-8"))
    assert data["ruleset"] == {"id": shipped["id"], "version": shipped["version"], "sha256": content_hash(shipped)}
    assert len(data["ruleset"]["sha256"]) == 64 and int(data["ruleset"]["sha256"], 16) >= 0


def test_the_rule_set_hash_follows_its_content_not_its_layout(tmp_path, make_profile):
    text = (ROOT / "rulesets" / "default.toml").read_text(encoding="utf-8")
    default = revhyper.default_ruleset()
    commented = tmp_path / "commented.toml"
    commented.write_text("# a clinic's copy, comments added\n\n" + text.replace("\n\n", "\n\n# reviewed by the clinic\n\n"))
    assert revhyper.load_ruleset(commented).sha256 == default.sha256
    changed = tmp_path / "changed.toml"
    changed.write_text(text.replace("high_pain = 7 ", "high_pain = 8 ").replace('version = "2.0.0"', 'version = "2.0.1"'))
    stricter = revhyper.load_ruleset(changed)
    assert stricter.sha256 != default.sha256
    block = revhyper.generate(make_profile(rules=stricter), stricter)
    assert (block.ruleset.version, block.ruleset.sha256) == ("2.0.1", stricter.sha256)


def test_the_embedded_default_is_the_shipped_file_byte_for_byte():
    embedded = resources.files("revhyper").joinpath("rulesets/default.toml").read_bytes()
    shipped = (ROOT / "rulesets" / "default.toml").read_bytes()
    assert hashlib.sha256(embedded).hexdigest() == hashlib.sha256(shipped).hexdigest()
    assert embedded == shipped
