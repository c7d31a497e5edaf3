"""A coach's mistakes in a profile file: every one reported, with file, line, column, key path and suggestion."""

from __future__ import annotations

import json

import pytest

import revhyper

from helpers import cleared
from revhyper.errors import ProfileError

BAD_TOML = """\
[person]
age = "41"

[pain]
curent = 3
duration_weeks = 20

[red_flag]
fever = true

[history]
conditions = ["spondylolistesis"]

[[history.surgeries]]
procedure = "microdiscetomy"
weeks_ago = -1

[training]
experience = "beginner"
goal = "rehabilitation"
days_per_week = 9
equipment = "bench"
"""


def errors_of(text, name="client.toml", kind=None):
    with pytest.raises(ProfileError) as info:
        revhyper.parse_profile(text, name=name, kind=kind)
    return [str(p) for p in info.value.problems]


def test_every_mistake_in_a_toml_profile_is_reported_at_once_with_its_place():
    assert errors_of(BAD_TOML) == [
        "client.toml:2:7: error: person.age: expected a whole number from 16 to 110, got text '41'",
        "client.toml:4:1: error: pain: missing required key 'current'",
        "client.toml:5:1: error: pain.curent: unknown key 'curent' in pain; expected one of current, duration_weeks, "
        "worst_last_week, radiating_below_knee, extension_aggravates (did you mean 'current'?)",
        "client.toml:8:1: error: red_flag: unknown key 'red_flag' in the top level; expected one of person, pain, "
        "training, red_flags, history, clearance (did you mean 'red_flags'?)",
        "client.toml:12:15: error: history.conditions[0]: 'spondylolistesis' is not in the rule set's conditions vocabulary "
        "(nonspecific_low_back_pain, disc_herniation, spondylolisthesis, spondylolysis, spinal_stenosis, osteopenia, "
        "osteoporosis, previous_vertebral_fracture, long_term_steroids, hypertension, uncontrolled_hypertension, hernia, "
        "immunosuppression, iv_drug_use, ankylosing_spondylitis, anticoagulants, hip_replacement) "
        "(did you mean 'spondylolisthesis'?)",
        "client.toml:15:13: error: history.surgeries[0].procedure: 'microdiscetomy' is not in the rule set's surgeries "
        "vocabulary (microdiscectomy, lumbar_fusion, laminectomy, lumbar_disc_replacement) (did you mean 'microdiscectomy'?)",
        "client.toml:16:13: error: history.surgeries[0].weeks_ago: expected a number from 0 to 5200, got -1",
        "client.toml:19:14: error: training.experience: 'beginner' is not one of novice, intermediate, advanced",
        "client.toml:21:17: error: training.days_per_week: expected a whole number from 1 to 7, got 9",
        "client.toml:22:13: error: training.equipment: expected a list, got text 'bench'",
    ]


def test_json_profiles_get_the_same_checks_with_json_positions():
    text = json.dumps({
        "person": {"age": 30},
        "pain": {"current": 11, "duration_weeks": 3},
        "training": {"experience": "novice", "goal": "strenght", "days_per_week": True},
    }, indent=2)
    assert errors_of(text, name="client.json") == [
        "client.json:6:16: error: pain.current: expected a number from 0 to 10, got 11",
        "client.json:11:13: error: training.goal: 'strenght' is not one of rehabilitation, endurance, strength, general "
        "(did you mean 'strength'?)",
        "client.json:12:22: error: training.days_per_week: expected a whole number from 1 to 7, got true",
    ]


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("client.toml", "[person\nage = 3", "client.toml:1:8: error: not valid TOML"),
        ("client.json", '{"person": {"age": 30,}}', "client.json:1:23: error: not valid JSON"),
        ("client.json", '{"person": {"age": NaN}}', "client.json: error: not valid JSON: NaN is not a number JSON allows"),
        ("client.toml", b"\xff\xfe[person]", "client.toml:1: error: the file is not UTF-8 text"),
        ("client.toml", "", "client.toml: error: missing required key 'person'"),
        ("client.json", "[]", "client.json:1:1: error: expected a profile (a table of sections), got a list"),
    ],
)
def test_unreadable_files_say_what_is_wrong_and_where(name, text, expected):
    assert errors_of(text, name=name)[0].startswith(expected)


def test_a_boolean_is_never_taken_as_a_number_nor_text_as_a_boolean(profile_data):
    data = profile_data(pain={"radiating_below_knee": "yes", "current": True})
    with pytest.raises(ProfileError) as info:
        revhyper.profile_from_data(data)
    messages = [p.message for p in info.value.problems]
    assert "expected true or false, got text 'yes'" in messages
    assert "expected a number from 0 to 10, got true" in messages


def test_dates_come_from_toml_dates_or_iso_text(profile_data):
    assert revhyper.profile_from_data(profile_data(training={"start_date": "2026-12-07"})).training.start_date.isoformat() == "2026-12-07"
    with pytest.raises(ProfileError, match="expected a date like 2026-12-01, got text '07/12/2026'"):
        revhyper.profile_from_data(profile_data(training={"start_date": "07/12/2026"}))


def test_restrictions_must_be_words_the_rule_set_defines(profile_data):
    with pytest.raises(ProfileError) as info:
        revhyper.profile_from_data(profile_data(clearance=cleared(restrictions=["no_hyperextention"])))
    assert info.value.problems[0].suggestion == "no_hyperextension"


def test_a_huge_profile_is_refused_without_reading_it_all(tmp_path):
    path = tmp_path / "huge.toml"
    path.write_bytes(b"# " + b"x" * 2_000_000)
    with pytest.raises(ProfileError, match="larger than 1,000,000 bytes"):
        revhyper.load_profile(path)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[person]\nage = " + "9" * 40 + "\n", "client.toml:2:7: error: person.age: expected a whole number from 16 to 110, "
                                               "got a number with 40 digits"),
        ("[person]\nage = " + "9" * 5000 + "\n", "client.toml: error: not valid TOML: Exceeds the limit (4300 digits)"),
    ],
)
def test_absurdly_large_numbers_are_errors_not_crashes(text, expected):
    """Found by scripts/fuzz.py: huge integers once crashed the range message."""
    assert any(error.startswith(expected) for error in errors_of(text))


def test_a_start_date_far_in_the_future_is_an_error_not_a_crash(profile_data):
    """Found by the batch helper: 9999-12-30 overflowed the session dates."""
    with pytest.raises(ProfileError, match="expected a date between 1900 and 2200, got 9999-12-30"):
        revhyper.profile_from_data(profile_data(training={"start_date": "9999-12-30"}))


@pytest.mark.parametrize(("section", "key", "written", "meant"), [
    ("training", "goal", "rehab", "rehabilitation"),
    ("training", "experience", "inter", "intermediate"),
    ("history", "conditions", ["stenosis"], "spinal_stenosis"),
])
def test_an_abbreviation_of_exactly_one_name_is_suggested(profile_data, section, key, written, meant):
    data = profile_data()
    data.setdefault(section, {})[key] = written
    (message,) = errors_of(json.dumps(data), name="client.json")
    assert message.endswith(f"(did you mean '{meant}'?)"), message


def test_an_abbreviation_of_several_names_suggests_none():
    from revhyper.io.suggest import did_you_mean

    assert did_you_mean("spondyl", ["spondylolisthesis", "spondylolysis", "spinal_stenosis"]) is None


def test_a_block_may_not_start_before_its_clearance(profile_data):
    data = profile_data(person={"pregnant": True},
                        clearance=cleared("pregnancy", role="obstetric_provider", by="A. Midwife", date="2026-12-10"),
                        training={"start_date": "2026-12-07"})
    (message,) = errors_of(json.dumps(data), name="client.json")
    assert message.startswith("client.json:1:")
    assert message.split(": error: ")[1] == (
        "clearance[0].date: the clearance is dated 2026-12-10, after training.start_date 2026-12-07: the block may not "
        "start before it is cleared; start on or after the clearance date")
    data["clearance"][0]["date"] = "2026-12-07"  # cleared on the first day: fine
    profile = revhyper.parse_profile(json.dumps(data), name="client.json")
    assert revhyper.generate(profile).screening.clearance_given


SURGERY_TOML = """\
[person]
age = 41

[pain]
current = 2
duration_weeks = 20

[[history.surgeries]]
procedure = "microdiscectomy"
{surgery}

[[history.injections]]
{injection}

[training]
experience = "novice"
goal = "rehabilitation"
days_per_week = 3
{start}
"""


@pytest.mark.parametrize(("surgery", "injection", "start", "expected"), [
    ("date = 2026-12-08", "weeks_ago = 1", "start_date = 2026-12-07",
     ["client.toml:10:8: error: history.surgeries[0].date: 2026-12-08 is after training.start_date 2026-12-07: "
      "record only what happened before the block starts"]),
    ("date = 2026-08-31", "date = 2026-11-30", "",
     ["client.toml:10:8: error: history.surgeries[0].date: a dated event needs training.start_date: weeks since it are "
      "counted to each week's date; add start_date or give weeks_ago instead",
      "client.toml:13:8: error: history.injections[0].date: a dated event needs training.start_date: weeks since it are "
      "counted to each week's date; add start_date or give weeks_ago instead"]),
    ("date = 2026-08-31\nweeks_ago = 14", "weeks_ago = 1", "start_date = 2026-12-07",
     ["client.toml:11:13: error: history.surgeries[0].weeks_ago: give date or weeks_ago, not both: weeks_ago is "
      "counted back from training.start_date, so the two could disagree"]),
    ("", "", "start_date = 2026-12-07",
     ["client.toml:8:1: error: history.surgeries[0]: give the date it happened (date = 2026-08-31) or weeks_ago "
      "(weeks before training.start_date)",
      "client.toml:12:1: error: history.injections[0]: give the date it happened (date = 2026-08-31) or weeks_ago "
      "(weeks before training.start_date)"]),
    ("dat = 2026-08-31", "weeks_ago = 1", "start_date = 2026-12-07",
     ["client.toml:10:1: error: history.surgeries[0].dat: unknown key 'dat' in history.surgeries[0]; expected one of "
      "procedure, date, weeks_ago (did you mean 'date'?)"]),
])
def test_a_surgery_or_injection_gives_exactly_one_of_date_and_weeks_ago(surgery, injection, start, expected):
    assert errors_of(SURGERY_TOML.format(surgery=surgery, injection=injection, start=start)) == expected


def test_a_surgery_date_counts_weeks_to_each_week_of_the_block():
    from revhyper.engine.timeline import event_date, weeks_since

    profile = revhyper.parse_profile(SURGERY_TOML.format(surgery="date = 2026-08-31", injection="weeks_ago = 1.5",
                                                         start="start_date = 2026-12-07"))
    surgery, injection = profile.history.surgeries[0], profile.history.injections[0]
    start = profile.training.start_date
    assert weeks_since(surgery, start) == 14 and weeks_since(surgery, start, week=3) == 16
    assert weeks_since(injection, start) == 1.5 and weeks_since(injection, start, week=2) == 2.5
    assert event_date(surgery, start).isoformat() == "2026-08-31"
    assert event_date(injection, start).isoformat() == "2026-11-27"  # 10.5 days before the start
    assert event_date(injection, None) is None and weeks_since(injection, None, week=4) == 4.5
