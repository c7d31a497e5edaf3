"""The template adapter keeps revhyper's exporter contract and appears once installed."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from revhyper.testing import CONTRACT, contract_blocks, run_check
from revhyper.testing_push import FakeAPI, block_dicts, run_push, write_block
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


class FakeLog:
    """The platform's API as the test needs it: answer(method, path, query, body) -> (status, JSON)."""

    def __init__(self):
        self.logs = []

    def answer(self, method, path, query, body):
        if method == "GET":
            return 200, self.logs
        self.logs.append({"id": len(self.logs) + 1, **body})
        return 201, self.logs[-1]


def test_push_posts_every_set_once_even_when_run_twice(tmp_path):
    platform, block = FakeLog(), block_dicts()["generated"]
    path = str(write_block(block, tmp_path))
    with FakeAPI(platform.answer, auth=("Authorization", "Bearer s3cret")) as api:  # 429 once, then answers
        argv = ["workout-log", path, "--url", api.url, "--token-env", "LOG_TOKEN"]
        first = run_push(argv, {"LOG_TOKEN": "s3cret"})
        second = run_push(argv, {"LOG_TOKEN": "s3cret"})
    assert first[0] == 0 and second[0] == 0 and "already pushed" in second[1]
    [log] = platform.logs
    assert len(log["sets"]) == sum(e["sets"] for w in block["weeks"] for s in w["sessions"] for e in s["exercises"])
    assert "s3cret" not in first[1] + first[2] + second[1] + second[2]
