"""revhyper push wger against a fake wger on 127.0.0.1: every request body is validated against wger's routine
schema (tests/data, derived from wger's serializers: see tests/data/README.md). No real wger server is run."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest

from revhyper.testing_push import FakeAPI, block_dicts, run_push, schema_errors, write_block
from revhyper_wger import REVERSE_HYPER

OPENAPI = json.loads((Path(__file__).parent / "data" / "wger-openapi-routines.json").read_text())
TOKEN = "wger-secret-token-5f2c9a"
EXERCISE_ID = 9001  # this server's numeric id of the reverse hyperextension (not wger.de's)
CHILDREN = {"day": ("routine", "routine"), "slot": ("day", "day"), "slot-entry": ("slot", "slot"),
            "sets-config": ("slot_entry", "slot-entry"), "repetitions-config": ("slot_entry", "slot-entry"),
            "weight-config": ("slot_entry", "slot-entry"), "rest-config": ("slot_entry", "slot-entry")}


class FakeWger:
    """The part of wger's API the adapter uses, with the checks a real server makes on references."""

    def __init__(self, fail_on_post: int | None = None, echo_token: bool = False):
        self.objects: dict[str, dict[int, dict[str, Any]]] = {"routine": {}, **{k: {} for k in CHILDREN}}
        self.next_id = 100
        self.posts = 0
        self.fail_on_post, self.echo_token = fail_on_post, echo_token

    def answer(self, method: str, path: str, query: dict[str, list[str]], body: Any) -> tuple[int, Any]:
        match = re.fullmatch(r"/api/v2/([a-z-]+)/(?:(\d+)/)?", path)
        if not match:
            return 404, {"detail": "Not found."}
        kind, number = match.group(1), match.group(2)
        if method == "GET" and kind == "exerciseinfo":
            found = query.get("uuid") == [REVERSE_HYPER]
            return 200, {"count": int(found), "next": None, "previous": None,
                         "results": [{"id": EXERCISE_ID, "uuid": REVERSE_HYPER}] if found else []}
        if method == "GET" and kind == "routine":
            limit, offset = int(query["limit"][0]), int(query["offset"][0])
            rows = sorted(self.objects["routine"].values(), key=lambda r: r["id"])
            return 200, {"count": len(rows), "next": None if offset + limit >= len(rows) else "more", "previous": None,
                         "results": rows[offset:offset + limit]}
        if method == "POST":
            self.posts += 1
            if self.fail_on_post == self.posts:
                return 500, {"detail": f"server error (token {TOKEN})" if self.echo_token else "server error"}
            if kind in CHILDREN:
                field, parent = CHILDREN[kind]
                if body.get(field) not in self.objects[parent]:
                    return 400, {field: ["Invalid pk - object does not exist."]}
            if kind == "slot-entry" and body["exercise"] != EXERCISE_ID:
                return 400, {"exercise": ["Invalid pk - object does not exist."]}
            self.next_id += 1
            self.objects[kind][self.next_id] = {**body, "id": self.next_id}
            return 201, self.objects[kind][self.next_id]
        if method == "PATCH" and kind == "routine" and int(number) in self.objects["routine"]:
            self.objects["routine"][int(number)].update(body)
            return 200, self.objects["routine"][int(number)]
        if method == "DELETE" and kind == "routine" and int(number) in self.objects["routine"]:
            del self.objects["routine"][int(number)]  # wger cascades; the tests only count routines
            return 204, None
        return 405, {"detail": "Method not allowed."}

    def configs(self, kind: str, entry: int) -> dict[int, str]:
        return {c["iteration"]: c["value"] for c in self.objects[kind].values() if c["slot_entry"] == entry}


def _push(tmp_path, url, block=None, *extra):
    path = write_block(block or block_dicts()["generated"], tmp_path)
    return run_push(["wger", str(path), "--url", url, "--token-env", "WGER_TOKEN", *extra], {"WGER_TOKEN": TOKEN})


def _value_in_week(configs: dict[int, str], week: int) -> float | None:
    """wger's walk (slot_entry.py): the last replace config at or before the iteration sets the value."""
    at = [i for i in configs if i <= week]
    return float(configs[max(at)]) if at else None


def test_push_creates_a_routine_whose_weeks_are_the_blocks_weeks(tmp_path):
    wger = FakeWger()
    block = block_dicts()["generated"]
    with FakeAPI(wger.answer, auth=("Authorization", f"Token {TOKEN}")) as api:
        code, out, err = _push(tmp_path, api.url, block)
    assert code == 0, err
    assert "pushed to wger" in out and "routine 101" in out
    assert api.calls[0].status == 429 and api.calls[1].path == api.calls[0].path  # throttled once, then retried
    for call in api.answered():
        assert schema_errors(OPENAPI, call.method, call.path, call.body) == [], (call.path, call.body)
    [routine] = wger.objects["routine"].values()
    assert routine["start"] == block["weeks"][0]["sessions"][0]["date"]
    days = sorted(wger.objects["day"].values(), key=lambda d: d["order"])
    assert len(days) == 7 and [d["is_rest"] for d in days] == [False, True, False, True, False, True, True]
    entries = list(wger.objects["slot-entry"].values())
    assert len(entries) == 3 and {e["exercise"] for e in entries} == {EXERCISE_ID}  # looked up by uuid
    first_day_entry = next(e for e in entries if wger.objects["slot"][e["slot"]]["day"] == days[0]["id"])
    for week in block["weeks"]:
        exercise = week["sessions"][0]["exercises"][0]
        n = week["number"]
        assert _value_in_week(wger.configs("sets-config", first_day_entry["id"]), n) == exercise["sets"]
        assert _value_in_week(wger.configs("repetitions-config", first_day_entry["id"]), n) == exercise["reps"]
        assert _value_in_week(wger.configs("weight-config", first_day_entry["id"]), n) == exercise["load_kg"]
        assert _value_in_week(wger.configs("rest-config", first_day_entry["id"]), n) == exercise["rest_seconds"]
    assert "revhyper-push:" in routine["description"] and "incomplete" not in routine["description"]
    assert "Tempo " in first_day_entry["comment"] and len(first_day_entry["comment"]) <= 100
    assert block["weeks"][0]["sessions"][0]["exercises"][0]["cues"][0] in days[0]["description"]


def test_a_second_push_of_the_same_block_creates_nothing(tmp_path):
    wger = FakeWger()
    with FakeAPI(wger.answer, auth=("Authorization", f"Token {TOKEN}")) as api:
        assert _push(tmp_path, api.url)[0] == 0
        posts = wger.posts
        code, out, _ = _push(tmp_path, api.url)
    assert code == 0 and "already pushed: routine 101" in out
    assert wger.posts == posts and len(wger.objects["routine"]) == 1


def test_an_interrupted_push_is_replaced_not_doubled(tmp_path):
    wger = FakeWger(fail_on_post=6)
    with FakeAPI(wger.answer, auth=("Authorization", f"Token {TOKEN}")) as api:
        code, _, err = _push(tmp_path, api.url)
        assert code == 5 and "HTTP 500" in err
        [left] = wger.objects["routine"].values()
        assert "incomplete" in left["description"]
        code, _, err = _push(tmp_path, api.url)
    assert code == 0, err
    assert f"deleted routine {left['id']}" in err
    [routine] = wger.objects["routine"].values()
    assert routine["id"] != left["id"] and "incomplete" not in routine["description"]


def test_dry_run_prints_every_request_with_the_token_redacted_and_sends_nothing(tmp_path):
    wger = FakeWger()
    with FakeAPI(wger.answer, auth=("Authorization", f"Token {TOKEN}")) as api:
        code, out, err = _push(tmp_path, api.url, None, "--dry-run")
    assert code == 0 and api.calls == []
    assert TOKEN not in out + err
    assert "Authorization: ***" in out
    assert out.count("POST ") == 1 + 7 + 3 + 3 + len(re.findall(r"POST \S+/(?:sets|repetitions|weight|rest)-config/", out))
    assert f"GET {api.url}/api/v2/exerciseinfo/?uuid={REVERSE_HYPER}" in out
    assert '"exercise": "<exercise 682ea312' in out


def test_the_token_never_appears_even_when_the_server_echoes_it(tmp_path):
    wger = FakeWger(fail_on_post=1, echo_token=True)
    with FakeAPI(wger.answer, auth=("Authorization", f"Token {TOKEN}")) as api:
        code, out, err = _push(tmp_path, api.url)
    assert code == 5
    assert TOKEN not in out + err and "token ***" in err


def test_a_variant_wger_does_not_have_is_bad_input(tmp_path):
    block = copy.deepcopy(block_dicts()["generated"])
    for week in block["weeks"]:
        for session in week["sessions"]:
            session["exercises"][0]["variant"] = "quadruped_hip_extension"
    with FakeAPI(FakeWger().answer, auth=("Authorization", f"Token {TOKEN}")) as api:
        code, _, err = _push(tmp_path, api.url, block)
    assert code == 2 and "wger has no exercise for 'quadruped_hip_extension'" in err


def test_an_undated_block_is_bad_input(tmp_path):
    with FakeAPI(FakeWger().answer, auth=("Authorization", f"Token {TOKEN}")) as api:
        code, _, err = _push(tmp_path, api.url, block_dicts()["generated_undated"])
    assert code == 2 and "training.start_date" in err


def test_what_was_shortened_is_said(tmp_path):
    block = copy.deepcopy(block_dicts()["generated"])
    for week in block["weeks"]:
        for session in week["sessions"]:
            session["exercises"][0]["tempo"] = f"{week['number']}-1-2-0"  # a tempo per week: a long comment
    with FakeAPI(FakeWger().answer, auth=("Authorization", f"Token {TOKEN}")) as api:
        code, _, err = _push(tmp_path, api.url, block)
    assert code == 0, err
    assert re.search(r"note: Session 1: wger's slot entry comment holds 100 characters; shortened \d+ to \d+ \(the full text", err)


@pytest.mark.parametrize("name", ["generated", "generated_bodyweight"])
def test_every_request_body_fits_wgers_schema(tmp_path, name):
    wger = FakeWger()
    with FakeAPI(wger.answer, auth=("Authorization", f"Token {TOKEN}"), throttle=0) as api:
        assert _push(tmp_path, api.url, block_dicts()[name])[0] == 0
    assert all(c.status < 300 for c in api.calls)
    assert not [(c.path, e) for c in api.calls for e in schema_errors(OPENAPI, c.method, c.path, c.body)]


def test_the_schema_catches_a_wrong_body():
    assert schema_errors(OPENAPI, "POST", "/api/v2/slot-entry/", {"slot": 1, "exercise": 2, "comment": "x" * 101})
    assert schema_errors(OPENAPI, "POST", "/api/v2/sets-config/", {"slot_entry": 1, "iteration": 1, "value": "3",
                                                                  "operation": "replace"})


def test_the_installed_command_pushes_in_its_own_process(tmp_path):
    import os
    import subprocess
    import sys

    wger = FakeWger()
    path = write_block(block_dicts()["generated_bodyweight"], tmp_path)
    with FakeAPI(wger.answer, auth=("Authorization", f"Token {TOKEN}")) as api:
        done = subprocess.run([sys.executable, "-m", "revhyper", "push", "wger", str(path), "--url", api.url,
                               "--token-env", "WGER_TOKEN"], capture_output=True, text=True,
                              env={**os.environ, "WGER_TOKEN": TOKEN}, timeout=120)
    assert done.returncode == 0, done.stderr
    assert TOKEN not in done.stdout + done.stderr and len(wger.objects["routine"]) == 1
    assert not wger.objects["weight-config"]  # a bodyweight block: no weight configs
