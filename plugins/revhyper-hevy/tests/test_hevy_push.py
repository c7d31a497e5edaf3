"""revhyper push hevy against a fake Hevy API on 127.0.0.1; every request body is validated against the schema
written from Hevy's published docs (tests/data/README.md). No Hevy server is contacted."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from revhyper.testing_push import FakeAPI, block_dicts, run_push, schema_errors, write_block

OPENAPI = json.loads((Path(__file__).parent / "data" / "hevy-openapi-v1.json").read_text())
KEY = "3f0c1a9e-2b7d-4c55-9a61-7e2f0d4b8c11"
TEMPLATES = [{"id": f"T{n:04d}", "title": f"Exercise {n}"} for n in range(230)] + [
    {"id": "2A7F11C3", "title": "Reverse Hyperextension"}]  # on the third page of 100


class FakeHevy:
    def __init__(self, fail_on_post: int | None = None):
        self.folders: list[dict[str, Any]] = []
        self.routines: list[dict[str, Any]] = []
        self.posts = 0
        self.fail_on_post = fail_on_post

    def _page(self, items: list[Any], query: dict[str, list[str]], key: str, most: int) -> tuple[int, Any]:
        page, size = int(query["page"][0]), int(query["pageSize"][0])
        if page < 1 or size > most:
            return 400, {"error": "Invalid page size"}
        count = max(1, -(-len(items) // size))
        return 200, {"page": page, "page_count": count, key: items[(page - 1) * size: page * size]}

    def answer(self, method: str, path: str, query: dict[str, list[str]], body: Any) -> tuple[int, Any]:
        if method == "GET" and path == "/v1/exercise_templates":
            return self._page(TEMPLATES, query, "exercise_templates", 100)
        if method == "GET" and path == "/v1/routine_folders":
            return self._page(self.folders, query, "routine_folders", 10)
        if method == "GET" and path == "/v1/routines":
            return self._page(self.routines, query, "routines", 10)
        if method == "POST":
            self.posts += 1
            if self.posts == self.fail_on_post:
                return 502, {"error": "bad gateway"}
        if method == "POST" and path == "/v1/routine_folders":
            folder = {"id": 40 + len(self.folders), "index": len(self.folders), **body["routine_folder"]}
            self.folders.append(folder)
            return 201, {"routine_folder": folder}
        if method == "POST" and path == "/v1/routines":
            routine = body["routine"]
            if routine["folder_id"] not in {f["id"] for f in self.folders}:
                return 400, {"error": "folder not found"}
            if any(e["exercise_template_id"] not in {t["id"] for t in TEMPLATES} for e in routine["exercises"]):
                return 400, {"error": "exercise template not found"}
            stored = {"id": f"r-{len(self.routines)}", **routine}
            self.routines.append(stored)
            return 201, {"routine": [stored]}
        return 404, {"error": "not found"}


def _push(tmp_path, url, block=None, *extra):
    path = write_block(block or block_dicts()["generated"], tmp_path)
    return run_push(["hevy", str(path), "--url", url, "--token-env", "HEVY_API_KEY", *extra], {"HEVY_API_KEY": KEY})


def test_one_routine_per_week_in_a_folder_with_the_blocks_sets(tmp_path):
    hevy = FakeHevy()
    block = block_dicts()["generated"]
    with FakeAPI(hevy.answer, auth=("api-key", KEY)) as api:
        code, out, err = _push(tmp_path, api.url, block)
    assert code == 0, err
    assert api.calls[0].status == 429 and api.calls[1].status == 200  # throttled once, retried
    assert not [(c.path, e) for c in api.answered() for e in schema_errors(OPENAPI, c.method, c.path, c.body)]
    [folder] = hevy.folders
    assert len(hevy.routines) == len(block["weeks"]) and all(r["folder_id"] == folder["id"] for r in hevy.routines)
    for week, routine in zip(block["weeks"], hevy.routines):
        exercise = week["sessions"][0]["exercises"][0]
        [pushed] = routine["exercises"]
        assert routine["title"].startswith(f"Week {week['number']} \u00b7 {week['phase']['name']}")
        assert pushed["exercise_template_id"] == "2A7F11C3"  # found by title on the third page
        assert pushed["rest_seconds"] == exercise["rest_seconds"]
        assert pushed["sets"] == [{"type": "normal", "weight_kg": exercise["load_kg"], "reps": exercise["reps"]}] * exercise["sets"]
        assert exercise["tempo"] in pushed["notes"] and exercise["cues"][0] in pushed["notes"]
    assert "pushed to hevy" in out and f"{len(block['weeks'])} routines" in out


def test_a_second_push_creates_nothing_and_an_interrupted_one_is_finished(tmp_path):
    hevy = FakeHevy(fail_on_post=4)  # the folder and two routines, then a 502
    with FakeAPI(hevy.answer, auth=("api-key", KEY)) as api:
        code, _, err = _push(tmp_path, api.url)
        assert code == 5 and "HTTP 502" in err and len(hevy.routines) == 2
        code, out, err = _push(tmp_path, api.url)
        assert code == 0, err
        weeks = len(block_dicts()["generated"]["weeks"])
        assert len(hevy.folders) == 1 and len(hevy.routines) == weeks
        assert len({r["title"] for r in hevy.routines}) == weeks
        posts = hevy.posts
        code, out, _ = _push(tmp_path, api.url)
    assert code == 0 and "already pushed: folder 40" in out and hevy.posts == posts


def test_dry_run_shows_the_api_key_header_redacted_and_sends_nothing(tmp_path):
    hevy = FakeHevy()
    with FakeAPI(hevy.answer, auth=("api-key", KEY)) as api:
        code, out, err = _push(tmp_path, api.url, None, "--dry-run")
    assert code == 0 and api.calls == []
    assert KEY not in out + err and "api-key: ***" in out
    assert out.count("POST ") == 1 + len(block_dicts()["generated"]["weeks"])
    assert '"exercise_template_id": "<template \'Reverse Hyperextension\'.id>"' in out


def test_a_wrong_key_is_refused_by_the_server_and_not_printed(tmp_path):
    with FakeAPI(FakeHevy().answer, auth=("api-key", "another-key")) as api:
        code, out, err = _push(tmp_path, api.url)
    assert code == 5 and "HTTP 401" in err and KEY not in out + err


def test_a_bodyweight_block_sends_no_weight(tmp_path):
    hevy = FakeHevy()
    with FakeAPI(hevy.answer, auth=("api-key", KEY), throttle=0) as api:
        assert _push(tmp_path, api.url, block_dicts()["generated_bodyweight"])[0] == 0
    assert not [e for c in api.calls for e in schema_errors(OPENAPI, c.method, c.path, c.body)]
    assert {s["weight_kg"] for r in hevy.routines for e in r["exercises"] for s in e["sets"]} == {None}


def test_dry_run_output_escapes_control_characters_from_the_rule_set(tmp_path):
    block = block_dicts()["generated"]
    block["weeks"][0]["phase"]["name"] = "Activation\x1b[2J"
    code, out, _ = _push(tmp_path, "https://api.hevyapp.com", block, "--dry-run")
    assert code == 0 and "\x1b" not in out and "Activation\\x1b[2J" in out
