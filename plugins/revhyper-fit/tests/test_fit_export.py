"""FIT workouts decoded with Garmin's own SDK (garmin-fit-sdk) match the block, step by step."""

from __future__ import annotations

import copy
import datetime as dt
import importlib.metadata
import io
import json
import subprocess
import sys
import zipfile

import pytest
from garmin_fit_sdk import Decoder, Profile, Stream

import revhyper
from revhyper.testing import CONTRACT, contract_blocks, run_check
from revhyper.export_time import UNDATED
from revhyper_fit import FIT, FIT_ZIP, export_session


@pytest.fixture(autouse=True)
def _no_caller_time(monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)

LOADED = {
    "person": {"id": "fit-client", "age": 40},
    "pain": {"current": 1, "duration_weeks": 30},
    "training": {"experience": "intermediate", "goal": "strength", "days_per_week": 3, "start_date": "2026-12-07",
                 "equipment": ["reverse_hyper_machine"], "working_load_kg": 41, "load_increment_kg": 1.25},
}

# What a watch should show for each variant of the default rule set, in the words of Garmin's FIT profile
# (written out here rather than taken from the plugin, so a wrong number in the plugin fails).
GARMIN = {
    "machine_reverse_hyper": ("leg_raise", "reverse_leg_raise"),
    "ghd_reverse_hyper": ("leg_raise", "reverse_leg_raise"),
    "bench_reverse_hyper": ("leg_raise", "reverse_leg_raise"),
    "ball_reverse_hyper": ("leg_raise", "reverse_leg_raise_on_swiss_ball"),
    "prone_hip_extension": ("hip_raise", "reverse_hip_raise"),
    "quadruped_hip_extension": ("hip_stability", "quadruped_hip_extension"),
}


def block_for(data):
    rules = revhyper.default_ruleset()
    return revhyper.generate(revhyper.profile_from_data(data, ruleset=rules), rules)


def with_training(**changes):
    data = copy.deepcopy(LOADED)
    data["training"].update(changes)
    return data


def decode(data: bytes) -> dict:
    assert Decoder(Stream.from_byte_array(bytearray(data))).is_fit(), "not a FIT file"
    assert Decoder(Stream.from_byte_array(bytearray(data))).check_integrity(), "FIT CRC or header broken"
    messages, errors = Decoder(Stream.from_byte_array(bytearray(data))).read()
    assert errors == []
    return messages


def garmin_name(category: str, number: int) -> str:
    """The exercise name Garmin's profile gives ``number`` in ``category`` (the decoder leaves it a number)."""
    names = Profile["types"][f"{category}_exercise_name"]
    return names[number] if number in names else names[str(number)]  # older SDKs key by str


def expected_steps(exercise):
    """Each set as a step counted in repetitions, a timed rest between sets, none after the last."""
    category, name = GARMIN[exercise.variant]
    loaded = exercise.load_kg is not None
    active = ("active", "reps", exercise.reps, "open", category, f"weighted_{name}" if loaded else name,
              exercise.load_kg, "kilogram" if loaded else None, exercise.name)
    rest = ("rest", "time", exercise.rest_seconds * 1000, float(exercise.rest_seconds), "open", None, None, None,
            None)
    steps = []
    for number in range(exercise.sets):
        steps.append(active)
        if number < exercise.sets - 1:
            steps.append(rest)
    return steps


def decoded_steps(messages):
    out = []
    for step in messages["workout_step_mesgs"]:
        if step["intensity"] == "active":
            out.append(("active", step["duration_type"], step["duration_reps"], step["target_type"],
                        step["exercise_category"],
                        garmin_name(step["exercise_category"], step["exercise_name"]), step.get("exercise_weight"),
                        step.get("weight_display_unit"), step["wkt_step_name"]))
        else:
            out.append(("rest", step["duration_type"], step["duration_value"], step["duration_time"],
                        step["target_type"], step.get("exercise_category"), step.get("exercise_weight"), step.get("weight_display_unit"),
                        step.get("wkt_step_name")))
    return out


@pytest.mark.parametrize("check", CONTRACT, ids=lambda c: c.__name__)
@pytest.mark.parametrize("exporter", [FIT, FIT_ZIP], ids=["fit", "fit-zip"])
def test_contract(check, exporter):
    run_check(check, exporter)


def test_every_session_of_a_loaded_block_decodes_to_its_sets_reps_weight_and_rest():
    block = block_for(LOADED)
    assert len(block.sessions()) == 36
    for week in block.weeks:
        for session in week.sessions:
            messages = decode(export_session(block, week, session))
            (exercise,) = session.exercises
            assert exercise.load_kg is not None
            steps = decoded_steps(messages)
            assert steps == expected_steps(exercise), f"week {week.number} session {session.number}"
            assert [s["message_index"] for s in messages["workout_step_mesgs"]] == list(range(len(steps)))
            (workout,) = messages["workout_mesgs"]
            assert workout["wkt_name"] == f"RH W{week.number} S{session.number} {session.date:%m-%d}"[:15]
            assert (workout["sport"], workout["sub_sport"]) == ("training", "strength_training")
            assert workout["num_valid_steps"] == len(steps) == 2 * exercise.sets - 1
            (title,) = messages["exercise_title_mesgs"]
            assert (title["exercise_category"], garmin_name(title["exercise_category"], title["exercise_name"]),
                    title["wkt_step_name"]) == ("leg_raise", "weighted_reverse_leg_raise",
                                                "Reverse hyperextension (machine)")
            (file_id,) = messages["file_id_mesgs"]
            assert (file_id["type"], file_id["manufacturer"]) == ("workout", "development")
            assert file_id["time_created"] == UNDATED  # no SOURCE_DATE_EPOCH given


def test_the_fit_format_is_the_first_session_and_deload_weeks_have_fewer_sets():
    block = block_for(LOADED)
    messages = decode(FIT.export(block))
    assert messages["workout_mesgs"][0]["wkt_name"] == "RH W1 S1 12-07"
    assert decoded_steps(messages) == expected_steps(block.weeks[0].sessions[0].exercises[0])
    deload = next(w for w in block.weeks if w.deload)
    before = block.weeks[deload.number - 2]
    sets = {w.number: decode(export_session(block, w, w.sessions[0]))["workout_mesgs"][0]["num_valid_steps"]
            for w in (before, deload)}
    assert sets[deload.number] < sets[before.number]


def test_the_zip_holds_one_workout_per_session_labelled_with_its_week_session_and_date():
    block = block_for(LOADED)
    archive = zipfile.ZipFile(io.BytesIO(FIT_ZIP.export(block)))
    assert archive.testzip() is None
    assert archive.namelist()[:4] == ["W01-S1-2026-12-07.fit", "W01-S2-2026-12-09.fit", "W01-S3-2026-12-11.fit",
                                      "W02-S1-2026-12-14.fit"]
    infos = archive.infolist()
    assert len(infos) == len(block.sessions()) == 36
    assert infos[1].comment.decode() == "week 1 of 12, session 2 of 3, 2026-12-09: Base"
    serials = set()
    pairs = [(w, s) for w in block.weeks for s in w.sessions]
    for info, (week, session) in zip(infos, pairs):
        assert info.filename == f"W{week.number:02d}-S{session.number}-{session.date.isoformat()}.fit"
        data = archive.read(info)
        assert data == export_session(block, week, session)
        messages = decode(data)
        assert decoded_steps(messages) == expected_steps(session.exercises[0])
        assert messages["workout_mesgs"][0]["wkt_name"].endswith(session.date.strftime("%m-%d"))
        serials.add(messages["file_id_mesgs"][0]["serial_number"])
    assert len(serials) == 36, "each session's file has its own serial number"


def test_an_undated_zip_names_week_and_session():
    undated = contract_blocks()["generated_undated"]
    names = zipfile.ZipFile(io.BytesIO(FIT_ZIP.export(undated))).namelist()
    assert names[:2] == ["W01-S1.fit", "W01-S2.fit"]


@pytest.mark.parametrize(("equipment", "variant"), [
    (["reverse_hyper_machine"], "machine_reverse_hyper"),  # a machine but no working load: bodyweight
    (["glute_ham_developer"], "ghd_reverse_hyper"),
    (["bench"], "bench_reverse_hyper"),
    (["stability_ball"], "ball_reverse_hyper"),
    ([], "prone_hip_extension"),
])
def test_bodyweight_blocks_carry_no_weight_and_each_variant_is_its_garmin_exercise(equipment, variant):
    data = with_training(equipment=equipment, goal="general", days_per_week=2, weeks=4)
    del data["training"]["working_load_kg"]
    block = block_for(data)
    assert block.plan.variant == variant
    for week in block.weeks:
        messages = decode(export_session(block, week, week.sessions[0]))
        steps = messages["workout_step_mesgs"]
        assert all("exercise_weight" not in s and "weight_display_unit" not in s for s in steps)
        assert decoded_steps(messages) == expected_steps(week.sessions[0].exercises[0])
        title = messages["exercise_title_mesgs"][0]
        assert garmin_name(title["exercise_category"], title["exercise_name"]) == GARMIN[variant][1]
        assert title["wkt_step_name"] == week.sessions[0].exercises[0].name


def test_a_pregnant_client_gets_the_quadruped_exercise():
    pregnant = {"age": 30, "sex": "female", "pregnant": True}
    block = block_for({**LOADED, "person": pregnant, "clearance": [{"rules": ["pregnancy"], "role": "obstetric_provider",
                                                                     "date": "2026-11-30"}]})
    messages = decode(FIT.export(block))
    assert decoded_steps(messages) == expected_steps(block.weeks[0].sessions[0].exercises[0])
    assert messages["workout_step_mesgs"][0]["exercise_category"] == "hip_stability"


def test_same_block_same_bytes_and_dates_not_the_clock():
    assert FIT.export(block_for(LOADED)) == FIT.export(block_for(LOADED))
    assert FIT_ZIP.export(block_for(LOADED)) == FIT_ZIP.export(block_for(LOADED))
    undated = contract_blocks()["generated_undated"]
    created = decode(FIT.export(undated))["file_id_mesgs"][0]["time_created"]
    assert created == UNDATED and (created - dt.datetime(1989, 12, 31, tzinfo=dt.timezone.utc)).total_seconds() \
        >= 0x10000000, "a calendar time, not seconds since power-on"


def serial(block) -> int:
    return decode(FIT.export(block))["file_id_mesgs"][0]["serial_number"]


def test_serial_numbers_differ_for_anonymous_clients_next_blocks_and_new_loads():
    anonymous = {**LOADED, "person": {"age": 40}}
    blocks = [block_for(LOADED), block_for({**LOADED, "person": {"id": "another-client", "age": 40}}),
              block_for(anonymous), block_for({**anonymous, "training": {**LOADED["training"], "working_load_kg": 50}}),
              block_for(with_training(start_date="2027-03-01")), block_for(with_training(working_load_kg=45))]
    assert len({serial(b) for b in blocks}) == len(blocks)
    assert serial(block_for(LOADED)) == serial(block_for(LOADED))


def test_time_created_is_the_callers_source_date_epoch(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1796428800")  # 2026-12-05T00:00:00Z
    created = decode(FIT.export(block_for(LOADED)))["file_id_mesgs"][0]["time_created"]
    assert created == dt.datetime(2026, 12, 5, tzinfo=dt.timezone.utc)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "86400")  # 1970: FIT would read it as seconds since power-on
    assert decode(FIT.export(block_for(LOADED)))["file_id_mesgs"][0]["time_created"] == UNDATED
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    with pytest.raises(ValueError, match="SOURCE_DATE_EPOCH must be whole seconds since 1970-01-01 UTC"):
        FIT.export(block_for(LOADED))


def test_an_independent_decoder_reads_the_same_workout():
    """fitdecode (not Garmin's SDK) checks the CRC and reads every message the SDK read."""
    import fitdecode

    block = block_for(LOADED)
    for week in block.weeks[:5]:
        session = week.sessions[-1]
        data = export_session(block, week, session)
        with fitdecode.FitReader(io.BytesIO(data), check_crc=fitdecode.CrcCheck.RAISE) as reader:
            frames = [(f.name, {x.name: x.value for x in f.fields}) for f in reader
                      if isinstance(f, fitdecode.FitDataMessage)]
        names = [name for name, _ in frames]
        assert names[:2] == ["file_id", "workout"] and names[-1] == "exercise_title"
        file_id, workout = frames[0][1], frames[1][1]
        assert (file_id["type"], file_id["manufacturer"], file_id["time_created"]) == (
            "workout", "development", UNDATED)
        assert file_id["serial_number"] == decode(data)["file_id_mesgs"][0]["serial_number"] != 0
        assert (workout["sport"], workout["sub_sport"]) == ("training", "strength_training")
        assert workout["wkt_name"] == f"RH W{week.number} S{session.number} {session.date:%m-%d}"
        exercise = session.exercises[0]
        steps = [fields for name, fields in frames if name == "workout_step"]
        assert workout["num_valid_steps"] == len(steps) == 2 * exercise.sets - 1
        active, rest = steps[0], steps[1 if exercise.sets > 1 else 0]
        assert (active["duration_type"], active["duration_reps"], active["target_type"], active["exercise_category"],
                garmin_name("leg_raise", active["exercise_name"]), active["exercise_weight"]) == (
            "reps", exercise.reps, "open", "leg_raise", "weighted_reverse_leg_raise", exercise.load_kg)
        if exercise.sets > 1:
            assert (rest["intensity"], rest["duration_type"], rest["duration_time"], rest["target_type"]) == (
                "rest", "time", float(exercise.rest_seconds), "open")


def test_export_session_refuses_a_block_without_sessions():
    block = contract_blocks()["refused"]
    assert block.weeks == ()
    with pytest.raises(ValueError, match="a refused block has no sessions to guide"):
        export_session(block, None, None)


@pytest.mark.parametrize(("changes", "status"), [
    ({"red_flags": {"fever": True}}, "refused"),
    ({"pain": {"current": 8, "duration_weeks": 3}}, "needs clearance"),
])
@pytest.mark.parametrize("format_name", ["fit", "fit-zip"])
def test_refused_and_uncleared_blocks_have_no_workout_and_leave_no_file(tmp_path, changes, status, format_name):
    profile = tmp_path / "p.json"
    profile.write_text(json.dumps({**LOADED, **changes}))
    out = tmp_path / "w.fit"
    result = subprocess.run([sys.executable, "-m", "revhyper", "generate", str(profile), "-f", format_name,
                             "-o", str(out)], capture_output=True, text=True)
    assert result.returncode == 5, result.stderr
    assert f"the {format_name} exporter (from revhyper-fit) has nothing to write for a {status} block" in result.stderr
    assert not out.exists()


def test_installed_entry_point_and_formats_listing(tmp_path):
    names = {ep.name: ep.value for ep in importlib.metadata.entry_points(group="revhyper")}
    assert names["fit"] == "revhyper_fit"
    listed = json.loads(subprocess.run([sys.executable, "-m", "revhyper", "formats", "-f", "json"], capture_output=True,
                                       text=True, check=True).stdout)
    formats = {f["name"]: f for f in listed["formats"]}
    assert formats["fit"]["provider"] == formats["fit-zip"]["provider"] == "revhyper-fit"
    profile = tmp_path / "p.json"
    profile.write_text(json.dumps(LOADED))
    out = tmp_path / "session.fit"
    result = subprocess.run([sys.executable, "-m", "revhyper", "generate", str(profile), "-f", "fit", "-o", str(out)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert out.read_bytes() == FIT.export(block_for(LOADED))
