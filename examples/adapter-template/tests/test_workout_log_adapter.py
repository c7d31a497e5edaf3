"""The template adapter keeps revhyper's exporter contract and appears once installed."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from revhyper.testing import CONTRACT, contract_blocks, run_check
from revhyper_workout_log import WORKOUT_LOG


@pytest.mark.parametrize("check", CONTRACT, ids=lambda c: c.__name__)
def test_contract(check):
    run_check(check, WORKOUT_LOG)


def test_one_line_per_set_with_the_blocks_numbers():
    block = contract_blocks()["generated"]
    lines = [json.loads(line) for line in WORKOUT_LOG.export(block).decode().splitlines()]
    assert len(lines) == sum(e.sets for s in block.sessions() for e in s.exercises)
    first = block.weeks[0].sessions[0].exercises[0]
    assert lines[0]["reps"] == first.reps and lines[0]["weight_kg"] == first.load_kg


def test_the_installed_format_is_listed_by_revhyper_formats():
    result = subprocess.run([sys.executable, "-m", "revhyper", "formats", "--format", "json"], capture_output=True,
                            text=True, check=True)
    listed = {f["name"]: f for f in json.loads(result.stdout)["formats"]}
    assert listed["workout-log"]["provider"] == "revhyper-workout-log"


SAMPLE = (b'{"date": "2026-12-07", "exercise": "Reverse hyperextension (machine)", "set": 1, "reps_done": 12, "weight_kg": 20}\n'
          b'{"date": "2026-12-07", "exercise": "Reverse hyperextension (machine)", "set": 2, "reps_done": 11, "weight_kg": 20}\n'
          b'{"date": "2026-12-07", "exercise": "Plank", "set": 1, "reps_done": 1}\n')


def test_log_reader_keeps_the_contract():
    from revhyper.testing import check_log_reader
    from revhyper_workout_log.log_reader import WORKOUT_LOG_READER

    check_log_reader(WORKOUT_LOG_READER, SAMPLE, sets=2)


def test_log_reader_is_found_by_revhyper_and_maps_names(tmp_path):
    import revhyper
    from revhyper import plugins

    path = tmp_path / "done.jsonl"
    path.write_bytes(SAMPLE)
    plugins.reset()
    try:
        log = revhyper.load_log(path, format="workout-log")
    finally:
        plugins.reset()
    assert [(e.variant, e.set, e.reps, e.load_kg) for e in log] == [("machine_reverse_hyper", 1, 12, 20),
                                                                    ("machine_reverse_hyper", 2, 11, 20)]
    assert "'Plank' (1)" in log.skipped[0]
