"""FIT workouts decoded with Garmin's own SDK match the block, step by step."""

from __future__ import annotations

import importlib.metadata
import io
import json
import subprocess
import sys
import zipfile

import pytest
from garmin_fit_sdk import Decoder, Stream

import revhyper
from revhyper.testing import CONTRACT, contract_blocks, run_check
from revhyper_fit import EXERCISES, FIT, FIT_ZIP, export_session

LOADED = {
    "person": {"id": "fit-client", "age": 40},
    "pain": {"current": 1, "duration_weeks": 30},
    "training": {"experience": "intermediate", "goal": "strength", "days_per_week": 3, "start_date": "2026-12-07",
                 "equipment": ["reverse_hyper_machine"], "working_load_kg": 41, "load_increment_kg": 1.25},
}


def block_for(data):
    rules = revhyper.default_ruleset()
    return revhyper.generate(revhyper.profile_from_data(data, ruleset=rules), rules)


def decode(data: bytes) -> dict:
    assert Decoder(Stream.from_byte_array(bytearray(data))).check_integrity(), "FIT CRC or header broken"
    messages, errors = Decoder(Stream.from_byte_array(bytearray(data))).read()
    assert errors == []
    return messages


def expected_steps(exercise):
    category, plain, weighted = EXERCISES[exercise.variant]
    steps = []
    for number in range(exercise.sets):
        steps.append(("active", "reps", exercise.reps, category, weighted if exercise.load_kg is not None else plain,
                      exercise.load_kg))
        if number < exercise.sets - 1:
            steps.append(("rest", "time", exercise.rest_seconds, None, None, None))
    return steps


def decoded_steps(messages):
    out = []
    for step in messages["workout_step_mesgs"]:
        if step["intensity"] == "active":
            out.append(("active", step["duration_type"], step["duration_reps"], step["exercise_category"],
                        step["exercise_name"], step.get("exercise_weight")))
        else:
            out.append(("rest", step["duration_type"], step["duration_time"], None, None, None))
    return out


@pytest.mark.parametrize("check", CONTRACT, ids=lambda c: c.__name__)
@pytest.mark.parametrize("exporter", [FIT, FIT_ZIP], ids=["fit", "fit-zip"])
def test_contract(check, exporter):
    run_check(check, exporter)


def test_every_step_of_every_week_matches_the_block():
    block = block_for(LOADED)
    archive = zipfile.ZipFile(io.BytesIO(FIT_ZIP.export(block)))
    assert archive.namelist() == [f"RH-W{w.number:02d}.fit" for w in block.weeks]
    for week in block.weeks:
        messages = decode(archive.read(f"RH-W{week.number:02d}.fit"))
        exercise = week.sessions[0].exercises[0]
        assert decoded_steps(messages) == expected_steps(exercise)
        workout = messages["workout_mesgs"][0]
        assert (workout["sport"], workout["sub_sport"], workout["wkt_name"]) == ("training", "strength_training", f"RH W{week.number} S1")
        assert workout["num_valid_steps"] == 2 * exercise.sets - 1
        assert messages["exercise_title_mesgs"][0]["wkt_step_name"] == exercise.name
        assert messages["file_id_mesgs"][0]["type"] == "workout"
        assert messages["file_id_mesgs"][0]["time_created"].date() == week.sessions[0].date


def test_a_single_session_file_for_any_session():
    block = block_for(LOADED)
    week = block.weeks[6]
    messages = decode(export_session(block, week, week.sessions[2]))
    assert messages["workout_mesgs"][0]["wkt_name"] == "RH W7 S3"
    assert messages["file_id_mesgs"][0]["time_created"].date() == week.sessions[2].date
    assert decode(FIT.export(block))["workout_mesgs"][0]["wkt_name"] == "RH W1 S1"


def test_bodyweight_blocks_carry_no_weight_and_other_variants_map_to_their_exercise():
    block = contract_blocks()["generated_bodyweight"]
    messages = decode(FIT.export(block))
    assert all("exercise_weight" not in s for s in messages["workout_step_mesgs"])
    assert decoded_steps(messages) == expected_steps(block.weeks[0].sessions[0].exercises[0])
    pregnant = block_for({**LOADED, "person": {"age": 30, "pregnant": True}, "clearance": {"cleared": True}})
    assert decode(FIT.export(pregnant))["exercise_title_mesgs"][0]["exercise_category"] == "hip_stability"


def test_same_block_same_bytes_and_dates_not_the_clock():
    assert FIT_ZIP.export(block_for(LOADED)) == FIT_ZIP.export(block_for(LOADED))
    undated = contract_blocks()["generated_undated"]
    assert decode(FIT.export(undated))["file_id_mesgs"][0]["time_created"].year == 1989


def test_refused_and_uncleared_blocks_have_no_workout(tmp_path):
    profile = tmp_path / "p.json"
    profile.write_text(json.dumps({**LOADED, "red_flags": {"fever": True}}))
    out = tmp_path / "w.fit"
    result = subprocess.run([sys.executable, "-m", "revhyper", "generate", str(profile), "-f", "fit", "-o", str(out)],
                            capture_output=True, text=True)
    assert result.returncode == 5 and "the fit exporter (from revhyper-fit) has nothing to write for a refused block" in result.stderr
    assert not out.exists()


def test_installed_entry_point_and_formats_listing():
    names = {ep.name: ep.value for ep in importlib.metadata.entry_points(group="revhyper")}
    assert names["fit"] == "revhyper_fit"
    listed = json.loads(subprocess.run([sys.executable, "-m", "revhyper", "formats", "-f", "json"], capture_output=True,
                                       text=True, check=True).stdout)
    providers = {f["name"]: f["provider"] for f in listed["formats"]}
    assert providers["fit"] == providers["fit-zip"] == "revhyper-fit"
