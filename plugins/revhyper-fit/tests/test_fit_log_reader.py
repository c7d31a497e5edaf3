"""FIT activity files written with Garmin's Encoder, read back through the log reader (Garmin's Decoder)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from garmin_fit_sdk import Encoder, Profile

import revhyper
from revhyper import plugins
from revhyper.testing import check_log_reader
from revhyper_fit.log_reader import fit_log_reader

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "logs" / "garmin-strength.fit"
START = dt.datetime(2026, 12, 7, 22, 30, tzinfo=dt.timezone.utc)


def activity(sets, local_offset_hours=None) -> bytes:
    """An activity file as a watch writes it: file_id, one set message per set or rest, an activity message."""
    numbers = Profile["mesg_num"]
    encoder = Encoder()
    encoder.write_mesg({"mesg_num": numbers["FILE_ID"], "type": "activity", "manufacturer": "garmin", "product": 3589,
                        "serial_number": 3344556677, "time_created": START})
    at = START
    for index, (kind, reps, weight, category, name) in enumerate(sets):
        message = {"mesg_num": numbers["SET"], "message_index": index, "start_time": at, "set_type": kind,
                   "timestamp": at + dt.timedelta(seconds=45), "duration": 45.0}
        if kind == "active":
            names = Profile["types"][f"{category}_exercise_name"]
            number = next(int(k) for k, v in names.items() if v == name)
            message.update(category=[category], category_subtype=[number])
            if reps is not None:
                message.update(repetitions=reps)
            if weight is not None:
                message.update(weight=weight, weight_display_unit="kilogram")
        encoder.write_mesg(message)
        at += dt.timedelta(seconds=120)
    if local_offset_hours is not None:
        local = at + dt.timedelta(hours=local_offset_hours) - dt.datetime(1989, 12, 31, tzinfo=dt.timezone.utc)
        encoder.write_mesg({"mesg_num": numbers["ACTIVITY"], "timestamp": at, "num_sessions": 1, "type": "manual",
                            "event": "activity", "event_type": "stop", "local_timestamp": int(local.total_seconds())})
    return bytes(encoder.close())


SETS = [
    ("active", 12, 20.0, "hyperextension", "weighted_bent_knee_reverse_hyperextension"),
    ("rest", None, None, None, None),
    ("active", 10, 20.0, "hyperextension", "weighted_bent_knee_reverse_hyperextension"),
    ("rest", None, None, None, None),
    ("active", 15, None, "hip_stability", "quadruped_hip_extension"),
    ("active", 8, 60.0, "deadlift", "barbell_deadlift"),
]


def read(data: bytes, **kw):
    plugins.reset()
    try:
        return revhyper.parse_log(data, name="activity.fit", **kw)
    finally:
        plugins.reset()


def test_sets_decoded_by_the_sdk_become_log_entries():
    log = read(activity(SETS))
    assert log.reader == "fit"  # sniffed: the core does not know FIT, the plugin's reader recognised it
    assert [(e.variant, e.set, e.reps, e.load_kg) for e in log] == [
        ("machine_reverse_hyper", 1, 12, 20.0), ("machine_reverse_hyper", 2, 10, 20.0),
        ("quadruped_hip_extension", 1, 15, None)]
    assert log.skipped == ("skipped 1 set of 1 exercise the exercise map does not name: 'deadlift/barbell_deadlift' (1)",)


def test_the_date_is_the_watch_s_local_date():
    assert read(activity(SETS[:1])).dates == (dt.date(2026, 12, 7),)  # 22:30 UTC
    assert read(activity(SETS[:1], local_offset_hours=3)).dates == (dt.date(2026, 12, 8),)  # 01:30 at UTC+3


def test_an_exercise_map_names_other_garmin_exercises(tmp_path):
    mapping = tmp_path / "map.toml"
    mapping.write_text('[exercise_names]\n"deadlift/barbell_deadlift" = "ghd_reverse_hyper"\n')
    log = read(activity(SETS), exercise_map=mapping)
    assert [e.variant for e in log].count("ghd_reverse_hyper") == 1


def test_a_set_without_repetitions_is_named_by_its_message():
    sets = [("active", 12, 20.0, "hyperextension", "weighted_bent_knee_reverse_hyperextension"),
            ("active", None, 20.0, "hyperextension", "weighted_bent_knee_reverse_hyperextension")]
    with pytest.raises(revhyper.LogError) as info:
        read(activity(sets))
    assert [str(p) for p in info.value.problems] == [
        "activity.fit: error: set_mesgs[1].reps: the repetitions done are missing"]
    assert read(activity(sets[:1])).entries[0].where == "activity.fit set_mesgs[0]"


def test_a_damaged_file_is_bad_input():
    data = bytearray(activity(SETS))
    data[40] ^= 0xFF
    with pytest.raises(revhyper.LogError, match="damaged"):
        read(bytes(data), format="fit")


def test_contract_and_the_example_file():
    check_log_reader(fit_log_reader(), EXAMPLE.read_bytes(), sets=2)
    assert EXAMPLE.read_bytes()[8:12] == b".FIT"
