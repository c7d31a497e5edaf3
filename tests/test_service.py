"""The HTTP service (revhyper serve, docs/service.md): every endpoint, good and bad input, through Starlette's
TestClient; one test runs the real `revhyper serve` process."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("starlette")
pytest.importorskip("httpx")

from starlette.testclient import TestClient  # noqa: E402

from revhyper import cli  # noqa: E402
from revhyper.errors import InputError  # noqa: E402
from revhyper.service.app import create_app  # noqa: E402
from revhyper.service.config import build_config  # noqa: E402

from helpers import EXAMPLES, HEALTHY, ROOT, merge  # noqa: E402

PROFILES = EXAMPLES / "profiles"
CLINIC = EXAMPLES / "rulesets" / "clinic-north.toml"
TOML = {"content-type": "application/toml"}
STATUS_EXIT = {"generated": 0, "needs_clearance": 3, "refused": 4}
REVHYPER = Path(sys.executable).with_name("revhyper")


@pytest.fixture(scope="module")
def client():
    with TestClient(create_app(build_config())) as c:
        yield c


@pytest.fixture(scope="module")
def clinic_client():
    with TestClient(create_app(build_config([str(CLINIC), "default"]))) as c:
        yield c


def cli_output(capfdbinary, *args) -> tuple[int, bytes, bytes]:
    code = cli.main([str(a) for a in args])
    out, err = capfdbinary.readouterr()
    return code, out, err


def post_toml(client, path: Path, url: str = "/v1/blocks", **headers):
    return client.post(url, content=path.read_bytes(), headers={**TOML, **headers})


# -- POST /v1/blocks ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["chronic-rehab.toml", "post-microdiscectomy-not-cleared.toml",
                                  "red-flag-cauda-equina.toml", "endurance-runner.json"])
def test_blocks_gives_the_same_bytes_and_status_as_revhyper_generate(client, capfdbinary, name):
    path = PROFILES / name
    code, expected, _ = cli_output(capfdbinary, "generate", path)
    kind = "application/json" if name.endswith(".json") else "application/toml"
    response = client.post("/v1/blocks", content=path.read_bytes(), headers={"content-type": kind})
    assert response.status_code == 200  # every status is a 200: the block says which
    assert response.content == expected
    assert response.headers["content-type"] == "application/json"
    status = json.loads(response.content)["status"]
    assert STATUS_EXIT[status] == code
    assert response.headers["x-revhyper-status"] == status
    assert len(response.headers["x-request-id"]) == 16


def test_blocks_json_and_toml_bodies_of_one_profile_give_one_block(client):
    import tomllib

    path = PROFILES / "post-microdiscectomy-graded.toml"
    as_json = json.dumps(tomllib.loads(path.read_text(encoding="utf-8")), default=str)  # TOML dates -> date strings
    from_toml = post_toml(client, path)
    from_json = client.post("/v1/blocks", content=as_json, headers={"content-type": "application/json"})
    assert from_toml.status_code == from_json.status_code == 200
    assert from_toml.content == from_json.content
    assert post_toml(client, path).content == from_toml.content  # same input, same bytes


@pytest.mark.parametrize("accept, format_name", [("text/html", "html"), ("text/markdown", "markdown"),
                                                 ("text/csv", "csv"), ("text/calendar", "ical")])
def test_the_accept_header_means_the_format_named_as_its_media_type(client, capfdbinary, accept, format_name):
    """text/html is the block's page, not the clearance request that shares its media type."""
    path = PROFILES / "chronic-rehab.toml"
    _, expected, _ = cli_output(capfdbinary, "generate", path, "--format", format_name)
    response = client.post("/v1/blocks", content=path.read_bytes(),
                           headers={"content-type": "application/toml", "accept": accept})
    assert response.status_code == 200 and response.content == expected


@pytest.mark.parametrize("format_name, media", [("csv", "text/csv; charset=utf-8"), ("text", "text/plain; charset=utf-8"),
                                                ("html", "text/html; charset=utf-8"), ("ical", "text/calendar")])
def test_blocks_format_query_gives_the_cli_bytes_and_the_formats_content_type(client, capfdbinary, format_name, media):
    path = PROFILES / "chronic-rehab.toml"
    _, expected, _ = cli_output(capfdbinary, "generate", path, "--format", format_name)
    response = post_toml(client, path, f"/v1/blocks?format={format_name}")
    assert response.status_code == 200
    assert response.headers["content-type"].replace(" ", "") == media.replace(" ", "")
    assert response.content == expected


def test_blocks_accept_header_picks_the_format(client):
    path = PROFILES / "chronic-rehab.toml"
    assert post_toml(client, path, accept="text/csv").headers["content-type"].startswith("text/csv")
    assert post_toml(client, path, accept="text/markdown;q=0.5, text/calendar").headers["content-type"] == "text/calendar"
    assert post_toml(client, path, accept="image/png, */*;q=0.1").headers["content-type"] == "application/json"
    assert post_toml(client, path, accept="text/*").headers["content-type"].startswith("text/plain")


def test_blocks_accept_header_no_format_allows_is_406(client):
    response = post_toml(client, PROFILES / "chronic-rehab.toml", accept="image/png")
    assert response.status_code == 406
    body = response.json()
    assert body["error"] == "not_acceptable" and "text/csv" in body["media_types"]


def test_blocks_unknown_format_is_400_with_did_you_mean(client):
    response = post_toml(client, PROFILES / "chronic-rehab.toml", "/v1/blocks?format=csvv")
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "unknown_format"
    assert body["problems"][0]["path"] == "format" and body["problems"][0]["suggestion"] == "csv"


def test_blocks_format_that_cannot_express_the_status_is_406_naming_the_status(client):
    response = post_toml(client, PROFILES / "red-flag-cauda-equina.toml", "/v1/blocks?format=fit")
    assert response.status_code == 406
    assert response.json()["error"] == "format_cannot_express" and response.json()["status"] == "refused"


def test_blocks_bad_profile_is_422_with_the_clis_problems(client, capfdbinary, monkeypatch):
    import io

    bad = merge(HEALTHY, {"pain": {"curent": 2, "worst_last_week": 14}, "training": {"goal": "strenght"}})
    text = json.dumps(bad, indent=1).encode()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text)))
    code, _, err = cli_output(capfdbinary, "generate", "-")
    assert code == 2
    response = client.post("/v1/blocks", content=text, headers={"content-type": "application/json"})
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "bad_profile"
    from revhyper.errors import Problem

    shown = [str(Problem(**p)) for p in body["problems"]]
    assert shown == err.decode().replace("<stdin>", "<body>").splitlines()
    by_path = {p["path"]: p for p in body["problems"]}
    assert by_path["training.goal"]["suggestion"] == "strength"
    assert by_path["pain.curent"]["line"] is not None and by_path["pain.curent"]["column"] is not None


def test_blocks_bad_json_is_422_with_line_and_column(client):
    response = client.post("/v1/blocks", content=b'{\n "person": {"age": 30,}\n}', headers={"content-type": "application/json"})
    assert response.status_code == 422
    problem = response.json()["problems"][0]
    assert problem["file"] == "<body>" and problem["line"] == 2 and "not valid JSON" in problem["message"]


def test_blocks_bad_toml_is_422_with_its_line(client):
    response = client.post("/v1/blocks", content=b"[person]\nage = 30\nage = 31\n", headers=TOML)
    assert response.status_code == 422
    assert response.json()["problems"][0]["line"] == 3


def test_blocks_not_utf8_is_422(client):
    response = client.post("/v1/blocks", content=b'{"person": "\xff"}', headers={"content-type": "application/json"})
    assert response.status_code == 422


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
def test_blocks_wrong_content_type_is_415(client, content_type):
    headers = {"content-type": content_type} if content_type else {}
    response = client.post("/v1/blocks", content=json.dumps(HEALTHY).encode(), headers=headers)
    assert response.status_code == 415
    assert response.json()["error"] == "unsupported_media_type"


def test_blocks_json_with_charset_is_accepted(client):
    response = client.post("/v1/blocks", content=json.dumps(HEALTHY).encode(),
                           headers={"content-type": "application/json; charset=utf-8"})
    assert response.status_code == 200


def test_blocks_body_over_1_mb_is_413(client):
    body = b'{"person": {"id": "' + b"x" * 1_000_001 + b'"}}'
    response = client.post("/v1/blocks", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert response.json()["error"] == "too_large"


def test_a_chunked_body_is_refused_while_it_is_read_not_after():
    """No Content-Length: the server stops at the first chunk past 1 MB and does not ask for the rest."""
    app = create_app(build_config())
    chunk, total = b" " * 65536, 64  # 4 MB on offer
    asked = 0
    sent: list[dict] = []

    async def receive():
        nonlocal asked
        asked += 1
        return {"type": "http.request", "body": chunk, "more_body": asked < total}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": "/v1/blocks", "raw_path": b"/v1/blocks", "query_string": b"", "root_path": "",
             "headers": [(b"content-type", b"application/json"), (b"transfer-encoding", b"chunked")],
             "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 8000)}
    asyncio.run(app(scope, receive, send))
    assert sent[0]["status"] == 413
    assert asked == 1_000_000 // 65536 + 1  # 16 chunks: the one that passed the limit was the last one read


def test_blocks_ruleset_by_id_among_the_servers(clinic_client):
    response = post_toml(clinic_client, PROFILES / "chronic-rehab.toml")
    assert json.loads(response.content)["ruleset"]["id"] == "clinic-north"  # the first --rules is the default
    response = post_toml(clinic_client, PROFILES / "chronic-rehab.toml", "/v1/blocks?ruleset=revhyper-default")
    assert json.loads(response.content)["ruleset"]["id"] == "revhyper-default"


@pytest.mark.parametrize("wanted", ["clinic-nort", str(CLINIC), "../examples/rulesets/clinic-north.toml", "plugin:x"])
def test_blocks_unknown_ruleset_id_is_400_and_no_path_is_read(client, wanted):
    response = post_toml(client, PROFILES / "chronic-rehab.toml", f"/v1/blocks?ruleset={wanted}")
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "unknown_ruleset" and body["problems"][0]["path"] == "ruleset"
    assert "revhyper-default" in body["message"]


def test_unknown_ruleset_id_suggests_the_near_one(clinic_client):
    response = post_toml(clinic_client, PROFILES / "chronic-rehab.toml", "/v1/blocks?ruleset=clinic-nort")
    assert response.json()["problems"][0]["suggestion"] == "clinic-north"


def test_past_the_time_limit_is_504():
    with TestClient(create_app(build_config(time_limit=1e-9))) as c:
        response = post_toml(c, PROFILES / "chronic-rehab.toml")
    assert response.status_code == 504
    assert response.json()["error"] == "time_limit"


def test_an_internal_error_is_a_500_without_traceback_and_logged_with_the_request_id(client, monkeypatch, caplog):
    from revhyper.service import routes

    def broken(*args):
        raise RuntimeError("secret detail at /srv/revhyper/internal.py")

    monkeypatch.setattr(routes, "make_block", broken)
    with caplog.at_level(logging.ERROR, logger="revhyper.service"):
        response = post_toml(client, PROFILES / "chronic-rehab.toml")
    assert response.status_code == 500
    body = response.json()
    assert body["error"] == "internal" and body["request_id"] == response.headers["x-request-id"]
    assert "Traceback" not in response.text and "secret" not in response.text and "RuntimeError" not in response.text
    logged = caplog.text
    assert body["request_id"] in logged and "Traceback" in logged and "secret detail" in logged


# -- POST /v1/explain ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("format_name", ["json", "text"])
@pytest.mark.parametrize("name", ["post-microdiscectomy-graded.toml", "spondylolisthesis.toml"])
def test_explain_gives_the_cli_bytes(client, capfdbinary, format_name, name):
    path = PROFILES / name
    code, expected, _ = cli_output(capfdbinary, "explain", path, "--format", format_name)
    response = post_toml(client, path, f"/v1/explain?format={format_name}")
    assert response.status_code == 200 and response.content == expected
    assert STATUS_EXIT[response.headers["x-revhyper-status"]] == code


def test_explain_is_json_by_default_and_rejects_other_formats(client):
    response = client.post("/v1/explain", json=HEALTHY)
    assert response.headers["content-type"] == "application/json" and response.json()["status"] == "generated"
    bad = client.post("/v1/explain?format=jsno", json=HEALTHY)
    assert bad.status_code == 400 and bad.json()["problems"][0]["suggestion"] == "json"
    assert client.post("/v1/explain", json={"person": {}}).status_code == 422


# -- GET endpoints -----------------------------------------------------------------------------------------------

def test_formats_is_what_revhyper_formats_lists(client, capfdbinary):
    _, out, _ = cli_output(capfdbinary, "formats", "--format", "json")
    response = client.get("/v1/formats")
    assert response.status_code == 200 and response.json() == json.loads(out)
    assert {"json", "csv", "ical"} <= {x["name"] for x in response.json()["formats"]}


def test_rulesets_lists_id_version_and_sha256_of_each(clinic_client):
    import revhyper

    body = clinic_client.get("/v1/rulesets").json()
    assert body["default"] == "clinic-north"
    by_id = {r["id"]: r for r in body["rulesets"]}
    clinic = revhyper.load_ruleset(CLINIC)
    assert by_id["clinic-north"]["version"] == clinic.version and by_id["clinic-north"]["sha256"] == clinic.sha256
    assert by_id["revhyper-default"]["sha256"] == revhyper.default_ruleset().sha256
    assert by_id["clinic-north"]["default"] is True and by_id["revhyper-default"]["default"] is False


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json()["status"] == "ok"


def test_unknown_path_and_wrong_method_are_json(client):
    assert client.get("/v1/nothing").status_code == 404 and client.get("/v1/nothing").json()["error"] == "not_found"
    assert client.get("/v1/blocks").status_code == 405


def test_openapi_is_a_valid_openapi_31_document_built_from_the_shipped_schemas(client):
    from openapi_spec_validator import validate

    from revhyper.commands.schema import schema_bytes

    document = client.get("/openapi.json").json()
    validate(document)
    assert document["openapi"].startswith("3.1")
    assert {"/v1/blocks", "/v1/explain", "/v1/formats", "/v1/rulesets", "/healthz"} <= set(document["paths"])
    schemas = document["components"]["schemas"]
    for name, title in (("profile", "Profile"), ("block", "Block")):
        shipped = json.loads(schema_bytes(name))
        assert set(schemas[title]["properties"]) == set(shipped["properties"])
        assert all(f"{title}.{d}" in schemas for d in shipped["$defs"])
    assert "#/$defs/" not in json.dumps(document)


def test_openapi_block_schema_accepts_the_served_block(client):
    import jsonschema
    from referencing import Registry
    from referencing.jsonschema import DRAFT202012

    document = client.get("/openapi.json").json()
    registry = Registry().with_resource("urn:openapi", DRAFT202012.create_resource(document))
    validator = jsonschema.Draft202012Validator({"$ref": "urn:openapi#/components/schemas/Block"}, registry=registry)
    for name in ("chronic-rehab.toml", "red-flag-cauda-equina.toml"):
        validator.validate(json.loads(post_toml(client, PROFILES / name).content))


# -- API keys ----------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def keyed_client():
    config = build_config(api_keys_env="REVHYPER_TEST_KEYS", environ={"REVHYPER_TEST_KEYS": "k-one, k-two-secret,"})
    with TestClient(create_app(config)) as c:
        yield c


@pytest.mark.parametrize("headers, status", [
    ({}, 401),
    ({"authorization": "Bearer wrong"}, 401),
    ({"x-api-key": "k-one-"}, 401),
    ({"authorization": "Basic k-one"}, 401),
    ({"authorization": "Bearer k-one"}, 200),
    ({"x-api-key": "k-two-secret"}, 200),
])
def test_api_keys_required(keyed_client, headers, status):
    response = keyed_client.post("/v1/blocks", json=HEALTHY, headers=headers)
    assert response.status_code == status
    if status == 401:
        assert response.headers["www-authenticate"].startswith("Bearer")
    for path in ("/v1/formats", "/v1/rulesets", "/openapi.json"):
        assert keyed_client.get(path, headers=headers).status_code == status


def test_healthz_needs_no_key_and_openapi_declares_the_schemes(keyed_client):
    assert keyed_client.get("/healthz").status_code == 200
    document = keyed_client.get("/openapi.json", headers={"x-api-key": "k-one"}).json()
    assert set(document["components"]["securitySchemes"]) == {"bearer", "apiKey"}


def test_api_keys_never_reach_the_log_or_the_answer(keyed_client, caplog):
    with caplog.at_level(logging.DEBUG):
        answer = keyed_client.post("/v1/blocks", json=HEALTHY, headers={"x-api-key": "k-two-secre"})
        keyed_client.post("/v1/blocks", json=HEALTHY, headers={"authorization": "Bearer k-two-secret"})
    assert "k-two-secre" not in caplog.text and "k-two-secre" not in answer.text


def test_api_keys_env_unset_or_empty_is_bad_input():
    for environ in ({}, {"KEYS": " , "}):
        with pytest.raises(InputError, match="KEYS is unset or holds no key"):
            build_config(api_keys_env="KEYS", environ=environ)


# -- configuration and the command --------------------------------------------------------------------------------

def test_two_rule_sets_with_one_id_are_bad_input(tmp_path):
    other = tmp_path / "other.toml"
    other.write_text(CLINIC.read_text(encoding="utf-8").replace('version = "2026.1"', 'version = "2026.2"'),
                     encoding="utf-8")
    (tmp_path / "clinic-north.toml").write_text("")
    with pytest.raises(InputError, match="is also the id of"):
        build_config([str(CLINIC), str(other)])


def test_serve_bad_rules_is_exit_2_naming_the_problem(capsys, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("id = \n")
    assert cli.main(["serve", "--rules", str(bad)]) == 2
    assert str(bad) in capsys.readouterr().err


def test_serve_bad_port_workers_and_time_limit_are_exit_2(capsys):
    assert cli.main(["serve", "--port", "70000", "--workers", "0"]) == 2
    err = capsys.readouterr().err
    assert "--port" in err and "--workers" in err
    assert cli.main(["serve", "--time-limit", "0"]) == 2


def test_serve_address_in_use_is_exit_2(capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert cli.main(["serve", "--port", str(port)]) == 2
    assert f"cannot listen on 127.0.0.1:{port}" in capsys.readouterr().err


def test_serve_without_the_extra_says_how_to_install_it(capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "uvicorn", None)
    assert cli.main(["serve"]) == 2
    assert "pip install 'revhyper[serve]'" in capsys.readouterr().err


def test_importing_revhyper_and_its_cli_does_not_import_starlette():
    code = ("import sys, revhyper, revhyper.cli; revhyper.cli.build_parser(); revhyper.generate; "
            "assert not {'starlette', 'uvicorn', 'anyio'} & set(sys.modules), sorted(sys.modules)")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("workers", [1, 2])
def test_the_real_revhyper_serve_answers_and_stops(capfdbinary, workers):
    import httpx

    path = PROFILES / "chronic-rehab.toml"
    _, expected, _ = cli_output(capfdbinary, "generate", path)
    port = _free_port()
    env = {**os.environ, "REVHYPER_TEST_KEY": "s3cret"}
    server = subprocess.Popen([str(REVHYPER), "serve", "--port", str(port), "--workers", str(workers),
                               "--api-keys-env", "REVHYPER_TEST_KEY"],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, cwd=ROOT)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert server.poll() is None, server.stdout.read().decode() if server.stdout else ""
            assert time.monotonic() < deadline, "revhyper serve did not answer within 60 s"
            time.sleep(0.2)
        response = httpx.post(f"{url}/v1/blocks", content=path.read_bytes(),
                              headers={**TOML, "authorization": "Bearer s3cret"}, timeout=30)
        assert response.status_code == 200 and response.content == expected
        assert httpx.post(f"{url}/v1/blocks", content=b"{}", headers=TOML, timeout=30).status_code == 401
    finally:
        server.terminate()
        try:
            output, _ = server.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            output, _ = server.communicate(timeout=10)
    assert server.returncode in (0, -signal.SIGTERM)  # uvicorn stops gracefully, then re-raises the signal
    assert b"Finished server process" in output
    assert b"s3cret" not in output and b"Traceback" not in output


# -- docs/service.md ----------------------------------------------------------------------------------------------

def test_service_md_documents_every_endpoint_error_word_and_curl_path():
    import re

    text = (ROOT / "docs" / "service.md").read_text(encoding="utf-8")
    app = create_app(build_config())
    routes = {(method, route.path) for route in app.routes for method in (route.methods or ()) if method != "HEAD"}
    for method, path in routes:
        assert f"## `{method} {path}`" in text, f"docs/service.md has no section for {method} {path}"
    source = "".join(p.read_text(encoding="utf-8") for p in (ROOT / "src" / "revhyper" / "service").glob("*.py"))
    words = set(re.findall(r'HttpProblem\(\d+, "([a-z_]+)"', source)) | {"internal", "not_found", "http_error"}
    listed = text.split("`error` is a fixed word", 1)[1].split(";", 1)[0]
    assert words == set(re.findall(r"`([a-z_]+)`", listed))
    curl_paths = set(re.findall(r"http://127\.0\.0\.1:8000(/[a-z0-9/.]+)", text))
    assert curl_paths and curl_paths <= {path for _, path in routes}


# -- installed plugins: their rule sets are offered; a failing or slow exporter ------------------------------------

class _Plugin:
    """A plugin as an installed adapter would be: a rule set, an exporter that fails and one that is slow."""

    from revhyper.hookspecs import hookimpl

    @hookimpl
    def revhyper_register_rulesets(self, register):
        register("strict", 'extends = "default"\nid = "strict"\nversion = "1"\ntitle = "Strict"\n'
                           "[parameters]\nhigh_pain = 5\n")

    @hookimpl
    def revhyper_register_exporters(self, register):
        from revhyper.export.exporters import Exporter

        def explodes(block):
            raise ValueError("template /srv/secret/path.tmpl is missing")

        def slow(block):
            time.sleep(1.5)
            return b"late"

        register(Exporter("explodes", ".txt", "text/plain", explodes, "raises"))
        register(Exporter("slow", ".txt", "text/plain", slow, "takes 1.5 s"))


@pytest.fixture
def plugin_app():
    from revhyper import plugins

    plugins.reset()
    plugins.get_plugins().register(_Plugin(), "service-test-plugin", provider="revhyper-service-test")
    yield lambda **options: TestClient(create_app(build_config(**options)))
    plugins.reset()


def test_an_installed_plugins_rule_set_is_offered_by_id(plugin_app):
    with plugin_app() as c:
        ids = {r["id"]: r for r in c.get("/v1/rulesets").json()["rulesets"]}
        assert set(ids) == {"revhyper-default", "strict"} and ids["revhyper-default"]["default"]
        block = json.loads(post_toml(c, PROFILES / "chronic-rehab.toml", "/v1/blocks?ruleset=strict").content)
        assert block["ruleset"]["id"] == "strict"
        listed = {x["name"]: x for x in c.get("/v1/formats").json()["formats"]}
        assert listed["slow"]["provider"] == "revhyper-service-test"


def test_a_failing_plugin_exporter_is_a_500_without_its_details(plugin_app, caplog):
    with plugin_app() as c, caplog.at_level(logging.ERROR, logger="revhyper.service"):
        response = post_toml(c, PROFILES / "chronic-rehab.toml", "/v1/blocks?format=explodes")
    assert response.status_code == 500 and response.json()["error"] == "internal"
    assert "secret" not in response.text and "ValueError" not in response.text
    assert "template /srv/secret/path.tmpl is missing" in caplog.text and response.json()["request_id"] in caplog.text


def test_a_slow_exporter_is_cut_off_at_the_time_limit_and_the_server_goes_on(plugin_app):
    with plugin_app(time_limit=0.3) as c:
        began = time.monotonic()
        response = post_toml(c, PROFILES / "chronic-rehab.toml", "/v1/blocks?format=slow")
        took = time.monotonic() - began
        assert response.status_code == 504 and response.json()["error"] == "time_limit"
        assert took < 1.4  # answered at the limit, not when the exporter finished
        assert c.get("/healthz").status_code == 200
        assert post_toml(c, PROFILES / "chronic-rehab.toml").status_code == 200


def test_a_plain_install_does_not_bring_the_service_dependencies():
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    names = {dep.split(">")[0].split("[")[0].split(";")[0].strip() for dep in project["dependencies"]}
    assert not names & {"starlette", "uvicorn", "anyio", "httptools", "uvloop", "fastapi"}
    assert {"starlette", "uvicorn"} <= {d.split(">")[0] for d in project["optional-dependencies"]["serve"]}
    extras = re.search(r'args=\(-e "\.\[([^\]]*)\]"\)', (ROOT / "scripts" / "bootstrap").read_text(encoding="utf-8"))
    assert extras and "serve" in extras.group(1).split(","), "the bootstrap installs the serve extra"


@pytest.mark.parametrize("kind", ["json", "toml"])
def test_duplicate_keys_are_treated_as_the_command_line_treats_them(client, capfdbinary, monkeypatch, kind):
    """JSON with a repeated key (TOML forbids them): whatever the profile loader decides (issue 8 makes it an
    error), the service answers the same: 422 with the CLI's problems, or the CLI's bytes."""
    import io

    if kind == "json":
        text = json.dumps(HEALTHY).replace('"age": 35', '"age": 35, "age": 36').encode()
    else:
        text = (PROFILES / "chronic-rehab.toml").read_bytes().replace(b"[pain]\n", b"[pain]\ncurrent = 1\n", 1)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text)))
    code, out, err = cli_output(capfdbinary, "generate", "-")
    response = client.post("/v1/blocks", content=text, headers={"content-type": f"application/{kind}"})
    if code == 2:
        from revhyper.errors import Problem

        assert response.status_code == 422
        assert [str(Problem(**p)) for p in response.json()["problems"]] == \
            err.decode().replace("<stdin>", "<body>").splitlines()
    else:
        assert response.status_code == 200 and response.content == out
