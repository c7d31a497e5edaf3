"""POST /v1/progress (docs/service.md): a profile, a block and a training log in one JSON body, the adapted block out,
byte for byte what `revhyper progress` writes; each wrong input a 422 naming its key in the body, with the
command line's message."""

from __future__ import annotations

import base64
import json
import tomllib

import pytest

pytest.importorskip("starlette")
pytest.importorskip("httpx")

from starlette.testclient import TestClient  # noqa: E402

from revhyper import cli  # noqa: E402
from revhyper.errors import Problem  # noqa: E402
from revhyper.service.app import create_app  # noqa: E402
from revhyper.service.config import build_config  # noqa: E402

from helpers import EXAMPLES  # noqa: E402

PROFILE = EXAMPLES / "profiles" / "healthy-strength.toml"
LOGS = EXAMPLES / "logs"
CLINIC = EXAMPLES / "rulesets" / "clinic-north.toml"
JSON = {"content-type": "application/json"}
STATUS_EXIT = {"generated": 0, "needs_clearance": 3, "refused": 4}
CSV_HEADER = "date,variant,set,reps,load_kg,rpe,pain_during,pain_next_morning,note\n"


@pytest.fixture(scope="module")
def client():
    with TestClient(create_app(build_config())) as c:
        yield c


@pytest.fixture(scope="module")
def block_file(tmp_path_factory):
    """The block `revhyper generate` writes for the healthy-strength example (12 weeks from 2026-12-07)."""
    path = tmp_path_factory.mktemp("progress") / "block.json"
    assert cli.main(["generate", str(PROFILE), "-o", str(path)]) == 0
    return path


def profile_object(path=PROFILE) -> dict:
    return json.loads(json.dumps(tomllib.loads(path.read_text(encoding="utf-8")), default=str))  # dates as strings


def log_part(path, name: str | None = None, **extra) -> dict:
    data = path.read_bytes()
    content = {"base64": base64.b64encode(data).decode()} if path.suffix == ".fit" else {"text": data.decode("utf-8")}
    return {"name": str(path) if name is None else name, **content, **extra}


def request_body(block_file, log: dict, profile: dict | None = None, **extra) -> bytes:
    body = {"profile": profile_object() if profile is None else profile,
            "block": json.loads(block_file.read_bytes()), "log": log, **extra}
    return json.dumps(body, indent=1).encode()


def cli_output(capfdbinary, *args) -> tuple[int, bytes, bytes]:
    code = cli.main([str(a) for a in args])
    out, err = capfdbinary.readouterr()
    return code, out, err


def at(body: bytes, problem: dict) -> str:
    """The body's text where a problem says it is."""
    line = body.decode("utf-8").splitlines()[problem["line"] - 1]
    return line[problem["column"] - 1:]


# -- the same bytes as revhyper progress ---------------------------------------------------------------------------

@pytest.mark.parametrize("name, options", [
    ("four-weeks.csv", {}),                                   # revhyper's CSV: steps back in week 4
    ("week1.csv", {}),                                        # pain during 8 in week 1: needs a clinician (exit 3)
    ("hevy-export.csv", {"format": "hevy"}),                  # an app's export, its format named
    ("strong-export.csv", {"exercise_map": True}),            # with the exercise map
    ("garmin-strength.fit", {}),                              # a binary FIT file, as base64
])
def test_progress_gives_the_same_bytes_and_status_as_revhyper_progress(client, capfdbinary, block_file, name, options):
    path = LOGS / name
    args: list = ["progress", PROFILE, block_file, path]
    extra = {}
    if "format" in options:
        args += ["--log-format", options["format"]]
    if options.get("exercise_map"):
        args += ["--exercise-map", LOGS / "exercise-map.toml"]
        extra["exercise_map"] = tomllib.loads((LOGS / "exercise-map.toml").read_text(encoding="utf-8"))
    code, expected, err = cli_output(capfdbinary, *args)
    log = log_part(path, **({"format": options["format"]} if "format" in options else {}))
    response = client.post("/v1/progress", content=request_body(block_file, log, **extra), headers=JSON)
    assert response.status_code == 200, response.text
    assert response.content == expected
    assert response.headers["content-type"] == "application/json"
    status = json.loads(response.content)["status"]
    assert response.headers["x-revhyper-status"] == status and STATUS_EXIT[status] == code
    # the notes the command prints come as a header: the same words, a JSON array
    printed = [line.split(": ", 3)[-1] for line in err.decode().splitlines() if line.startswith("revhyper: note: ")]
    notes = json.loads(response.headers.get("x-revhyper-log-notes", "[]"))
    assert notes == printed and (name != "hevy-export.csv" or notes)
    assert json.loads(response.content)["progress"]["log"]["file"] == str(path)


def test_progress_format_query_gives_the_clis_bytes_in_that_format(client, capfdbinary, block_file):
    path = LOGS / "four-weeks.csv"
    _, expected, _ = cli_output(capfdbinary, "progress", PROFILE, block_file, path, "--format", "text")
    response = client.post("/v1/progress?format=text", content=request_body(block_file, log_part(path)), headers=JSON)
    assert response.status_code == 200 and response.content == expected
    assert response.headers["content-type"].startswith("text/plain")
    by_accept = client.post("/v1/progress", content=request_body(block_file, log_part(path)),
                            headers={**JSON, "accept": "text/csv"})
    assert by_accept.headers["content-type"].startswith("text/csv")


def test_a_log_without_a_name_is_recorded_as_log(client, block_file):
    log = {"text": (LOGS / "four-weeks.csv").read_text(encoding="utf-8")}
    response = client.post("/v1/progress", content=request_body(block_file, log), headers=JSON)
    assert response.status_code == 200 and json.loads(response.content)["progress"]["log"]["file"] == "<log>"


# -- errors: the command line's messages, placed in the body -----------------------------------------------------

def test_a_bad_log_line_is_422_with_the_clis_problems(client, capfdbinary, block_file, tmp_path):
    path = tmp_path / "done.csv"
    path.write_text(CSV_HEADER + "2026-12-07,machine_reverse_hyperextension,1,12,25,7,2,0,\n", encoding="utf-8")
    code, _, err = cli_output(capfdbinary, "progress", PROFILE, block_file, path)
    assert code == 2
    response = client.post("/v1/progress", content=request_body(block_file, log_part(path)), headers=JSON)
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "bad_log"
    assert [str(Problem(**p)) for p in body["problems"]] == err.decode().splitlines()
    assert body["problems"][0]["path"] == "variant" and body["problems"][0]["suggestion"] == "machine_reverse_hyper"


def test_an_unknown_log_format_is_422_at_log_format_with_did_you_mean(client, capfdbinary, block_file):
    path = LOGS / "strong-export.csv"
    code, _, err = cli_output(capfdbinary, "progress", PROFILE, block_file, path, "--log-format", "strnog")
    assert code == 2
    body = request_body(block_file, log_part(path, format="strnog"))
    response = client.post("/v1/progress", content=body, headers=JSON)
    assert response.status_code == 422
    problem = response.json()["problems"][0]
    assert response.json()["error"] == "bad_log"
    assert problem["path"] == "log.format" and problem["suggestion"] == "strong"
    assert problem["message"] in err.decode()
    assert at(body, problem).startswith('"strnog"')


def test_a_block_of_another_rule_set_is_422_at_block_ruleset_id(capfdbinary, block_file):
    path = LOGS / "four-weeks.csv"
    code, _, err = cli_output(capfdbinary, "progress", PROFILE, block_file, path, "--rules", CLINIC)
    assert code == 2
    body = request_body(block_file, log_part(path))
    with TestClient(create_app(build_config([str(CLINIC), "default"]))) as clinic:
        response = clinic.post("/v1/progress", content=body, headers=JSON)
        assert clinic.post("/v1/progress?ruleset=revhyper-default", content=body, headers=JSON).status_code == 200
    assert response.status_code == 422 and response.json()["error"] == "bad_block"
    problem = response.json()["problems"][0]
    assert problem["path"] == "block.ruleset.id" and problem["message"] in err.decode()
    assert "'revhyper-default', not 'clinic-north'" in problem["message"]
    assert "--rules" not in problem["message"]  # the same words over HTTP (?ruleset=) and on the command line
    assert at(body, problem).startswith('"revhyper-default"')


def test_a_block_for_another_person_is_422_at_block_person_id(client, block_file):
    block = json.loads(block_file.read_bytes())
    body = json.dumps({"profile": profile_object(), "block": {**block, "person_id": "someone-else"},
                       "log": log_part(LOGS / "four-weeks.csv")}).encode()
    response = client.post("/v1/progress", content=body, headers=JSON)
    assert response.status_code == 422
    problem = response.json()["problems"][0]
    assert problem["path"] == "block.person_id" and problem["message"] == \
        "the block is for 'someone-else', the profile for 'tom-32'"


@pytest.mark.parametrize("indent", [1, None])  # on its own lines, or all on the body's first line
def test_a_bad_profile_is_422_with_its_key_path_and_place_in_the_body(client, block_file, indent):
    profile = profile_object()
    profile["pain"]["curent"] = 1
    body = json.dumps({"log": log_part(LOGS / "four-weeks.csv"), "block": json.loads(block_file.read_bytes()),
                       "profile": profile}, indent=indent).encode()
    response = client.post("/v1/progress", content=body, headers=JSON)
    assert response.status_code == 422 and response.json()["error"] == "bad_profile"
    problem = response.json()["problems"][0]
    assert problem["path"] == "profile.pain.curent" and problem["suggestion"] == "current"
    assert problem["file"] == "<body>" and at(body, problem).startswith('"curent"')


def test_a_bad_block_is_422_with_its_key_path(client, block_file):
    block = json.loads(block_file.read_bytes())
    block["weeks"] = "soon"
    body = json.dumps({"profile": profile_object(), "block": block, "log": log_part(LOGS / "four-weeks.csv")},
                      indent=1).encode()
    response = client.post("/v1/progress", content=body, headers=JSON)
    assert response.status_code == 422 and response.json()["error"] == "bad_block"
    problem = response.json()["problems"][0]
    assert problem["path"] == "block.weeks" and at(body, problem).startswith('"soon"')


def test_a_bad_exercise_map_is_422_at_its_key(client, block_file):
    body = request_body(block_file, log_part(LOGS / "strong-export.csv"),
                        exercise_map={"exercise_names": {"Reverse Hyper (Rogue)": "machine_reverse_hyperr"}})
    response = client.post("/v1/progress", content=body, headers=JSON)
    assert response.status_code == 422 and response.json()["error"] == "bad_log"
    problem = response.json()["problems"][0]
    assert problem["path"] == "exercise_map.exercise_names.Reverse Hyper (Rogue)"
    assert problem["suggestion"] == "machine_reverse_hyper" and at(body, problem).startswith('"machine_reverse_hyperr"')


def test_missing_and_unknown_keys_and_wrong_types_are_422_all_at_once(client):
    body = json.dumps({"profile": [], "blok": {}, "log": {"txt": "", "name": 3}}, indent=1).encode()
    response = client.post("/v1/progress", content=body, headers=JSON)
    assert response.status_code == 422 and response.json()["error"] == "bad_body"
    by_path = {p["path"]: p for p in response.json()["problems"]}
    assert set(by_path) == {"block", "blok", "profile", "log", "log.txt", "log.name"}
    assert by_path["blok"]["suggestion"] == "block" and by_path["log.txt"]["suggestion"] == "text"
    assert "'block' is missing" in by_path["block"]["message"]
    assert "not an array" in by_path["profile"]["message"] and "not a number" in by_path["log.name"]["message"]


@pytest.mark.parametrize("content, message", [
    (b"[1]", "a progress request is a JSON object"),
    (b'{"profile": {}, "profile": {}}', "written twice"),
    (b'{"profile": {},}', "not valid JSON"),
])
def test_a_body_that_is_not_a_progress_request_is_422(client, content, message):
    response = client.post("/v1/progress", content=content, headers=JSON)
    assert response.status_code == 422 and response.json()["error"] == "bad_body"
    assert message in response.json()["problems"][0]["message"]


def test_bad_base64_and_both_text_and_base64_are_422(client, block_file):
    for log, words in (({"base64": "not base64!"}, "not valid base64"), ({"text": "", "base64": ""}, "one of the two")):
        response = client.post("/v1/progress", content=request_body(block_file, log), headers=JSON)
        assert response.status_code == 422 and words in response.json()["problems"][0]["message"]


def test_progress_takes_json_only_and_its_own_size_limit(client):
    toml = client.post("/v1/progress", content=b"x = 1", headers={"content-type": "application/toml"})
    assert toml.status_code == 415 and toml.json()["error"] == "unsupported_media_type"
    big = client.post("/v1/progress", content=b" " * 4_000_001, headers=JSON)
    assert big.status_code == 413 and "4,000,000" in big.json()["message"]


def test_progress_query_parameters_are_checked_as_for_blocks(client, block_file):
    body = request_body(block_file, log_part(LOGS / "four-weeks.csv"))
    unknown = client.post("/v1/progress?ruleset=revhyper-defualt", content=body, headers=JSON)
    assert unknown.status_code == 400 and unknown.json()["problems"][0]["suggestion"] == "revhyper-default"
    assert client.post("/v1/progress?format=csvv", content=body, headers=JSON).json()["problems"][0]["suggestion"] == "csv"
    assert client.post("/v1/progress", content=body, headers={**JSON, "accept": "image/png"}).status_code == 406


# -- the OpenAPI document -------------------------------------------------------------------------------------------

def test_openapi_lists_every_route_but_the_page(client):
    app = create_app(build_config())
    document = client.get("/openapi.json").json()
    for route in app.routes:
        if route.path != "/":
            for method in route.methods - {"HEAD"}:
                assert method.lower() in document["paths"].get(route.path, {}), f"{method} {route.path}"


def test_openapi_progress_request_schema_accepts_a_request_and_its_answer_is_a_block(client, block_file):
    import jsonschema
    from referencing import Registry
    from referencing.jsonschema import DRAFT202012

    document = client.get("/openapi.json").json()
    registry = Registry().with_resource("urn:openapi", DRAFT202012.create_resource(document))

    def validator(name):
        return jsonschema.Draft202012Validator({"$ref": f"urn:openapi#/components/schemas/{name}"}, registry=registry)

    body = request_body(block_file, log_part(LOGS / "garmin-strength.fit", format="fit"),
                        exercise_map={"weight_unit": "kg", "exercise_names": {"Back extension": "machine_reverse_hyper"}})
    validator("ProgressRequest").validate(json.loads(body))
    assert not validator("ProgressRequest").is_valid({"profile": {}, "block": {}, "log": {"name": "x"}})
    response = client.post("/v1/progress", content=body, headers=JSON)
    assert response.status_code == 200, response.text
    validator("Block").validate(json.loads(response.content))


def test_progress_past_the_time_limit_is_504(block_file):
    with TestClient(create_app(build_config(time_limit=1e-9))) as c:
        response = c.post("/v1/progress", content=request_body(block_file, log_part(LOGS / "four-weeks.csv")),
                          headers=JSON)
    assert response.status_code == 504 and response.json()["error"] == "time_limit"


def test_log_notes_are_one_ascii_header_whatever_the_log_holds():
    from revhyper.service.routes import log_notes_header

    header = log_notes_header(("exercise 'Rückenstrecker\r\nX-Evil: 1' is not in the map",))
    value = header["X-Revhyper-Log-Notes"]
    assert value.isascii() and "\r" not in value and "\n" not in value
    assert json.loads(value) == ["exercise 'Rückenstrecker\r\nX-Evil: 1' is not in the map"]
    assert log_notes_header(()) == {}
