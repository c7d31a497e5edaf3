"""revhyper push: the shared machinery (revhyper.push) and the command, with a toy pusher and a fake server."""

from __future__ import annotations

import json
import random
import subprocess
import sys

import pytest

from revhyper import plugins
from revhyper.hookspecs import hookimpl
from revhyper.platforms.push import Client, Pusher, PushError, PushResult, Request, Response, block_hash, check_url, idempotency_key, read_block, shorten
from revhyper.errors import InputError
from revhyper.platforms.testing_push import FakeAPI, block_dicts, run_push, write_block

TOKEN = "tok-8d1f0c2b-secret"


def _toy_push(block, client):
    """Creates one 'plan' per block, unless one with the key is there."""
    found = client.get("/plans", label="look for an earlier push") or []
    for plan in found:
        if client.marker() in plan["notes"]:
            return PushResult(existing=f"plan {plan['id']}")
    plan = client.post("/plans", {"weeks": len(block["weeks"]), "notes": client.marker()}, label="plan")
    return PushResult(created=(f"plan {plan['id']}",), notes=("toy platforms have no tempo field",))


class Toy:
    @hookimpl
    def revhyper_register_pushers(self, register):
        register(Pusher("toy", "a toy platform", _toy_push, lambda token: ("Authorization", f"Bearer {token}")))


@pytest.fixture
def toy():
    plugins.reset()
    plugins.get_plugins().register(Toy(), "toy", provider="revhyper-toy")
    yield
    plugins.reset()


class ToyServer:
    def __init__(self):
        self.plans = []

    def answer(self, method, path, query, body):
        if method == "GET":
            return 200, self.plans
        self.plans.append({"id": len(self.plans) + 1, **body})
        return 201, self.plans[-1]


def _client(transport, **options):
    return Client("toy", "https://toy.example", TOKEN, lambda t: ("Authorization", f"Bearer {t}"), "k" * 32,
                  transport=transport, **options)


# -- retries ---------------------------------------------------------------------------------------------
def _script(*responses):
    sent = []

    def transport(request: Request, timeout: float) -> Response:
        sent.append((request, timeout))
        status, headers = responses[len(sent) - 1]
        return Response(status, headers, b'{"ok": true}' if status < 300 else b"busy")

    return transport, sent


def test_backoff_is_exponential_with_jitter_and_deterministic_for_a_seeded_rng():
    waits: list[float] = []
    transport, sent = _script((503, {}), (502, {}), (500, {}), (200, {}))
    client = _client(transport, sleep=waits.append, rng=random.Random(7), timeout=4.0)
    assert client.get("/x") == {"ok": True}
    assert len(sent) == 4 and {t for _, t in sent} == {4.0}
    rng = random.Random(7)
    expected = [0.5 * 2 ** i * (0.5 + rng.random() / 2) for i in range(3)]
    assert waits == pytest.approx(expected)
    assert 0.25 <= waits[0] <= 0.5 and 0.5 <= waits[1] <= 1 and 1 <= waits[2] <= 2


def test_retry_after_is_honoured_in_seconds_and_as_a_date():
    waits: list[float] = []
    transport, _ = _script((429, {"Retry-After": "7"}), (429, {"retry-after": "Wed, 02 Dec 2026 05:00:10 GMT"}),
                           (200, {}))
    client = _client(transport, sleep=waits.append, now=lambda: 1796187600.0)  # 2026-12-02 05:00:00 UTC
    client.post("/x", {}, label="x")
    assert waits == [7.0, 10.0]


def test_a_retry_after_longer_than_the_limit_fails_instead_of_hanging():
    transport, sent = _script((429, {"Retry-After": "3600"}))
    with pytest.raises(PushError, match="asks to wait 3600 s"):
        _client(transport, sleep=lambda s: None).get("/x")
    assert len(sent) == 1


def test_a_post_is_not_sent_again_after_a_500_it_may_have_processed():
    transport, sent = _script((500, {}), (200, {}))
    with pytest.raises(PushError, match=r"POST /x \(plan\) failed: HTTP 500: busy"):
        _client(transport, sleep=lambda s: None).post("/x", {"a": 1}, label="plan")
    assert len(sent) == 1


def test_gives_up_after_the_last_attempt():
    transport, sent = _script(*[(503, {})] * 5)
    with pytest.raises(PushError, match="HTTP 503"):
        _client(transport, sleep=lambda s: None, attempts=5).get("/x")
    assert len(sent) == 5


def test_every_post_carries_its_own_idempotency_key_in_order():
    transport, sent = _script((200, {}), (200, {}))
    client = _client(transport)
    client.post("/a", {}, label="a")
    client.post("/b", {}, label="b")
    keys = [dict(r.headers)["Idempotency-Key"] for r, _ in sent]
    assert keys == ["k" * 32 + "-1", "k" * 32 + "-2"]


def test_the_token_is_redacted_from_errors_even_when_the_server_echoes_it():
    def transport(request, timeout):
        return Response(403, {}, f"bad token {TOKEN}".encode())

    with pytest.raises(PushError) as caught:
        _client(transport).get("/x")
    assert TOKEN not in str(caught.value) and "bad token ***" in str(caught.value)


def test_redirects_are_not_followed_so_the_token_stays_with_the_server_it_was_meant_for():
    import http.server
    import threading

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            self.send_response(302)
            self.send_header("Location", "http://127.0.0.1:9/steal")
            self.end_headers()

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.handle_request, daemon=True).start()
    client = Client("toy", f"http://127.0.0.1:{server.server_address[1]}", TOKEN,
                    lambda t: ("Authorization", f"Bearer {t}"), "k", sleep=lambda s: None)
    with pytest.raises(PushError, match="redirects to http://127.0.0.1:9/steal; give that URL with --url"):
        client.get("/x")
    server.server_close()


# -- keys, URLs, blocks --------------------------------------------------------------------------------------
def test_the_idempotency_key_depends_on_content_platform_and_server_not_on_spacing():
    block = block_dicts()["generated"]
    spaced = json.loads(json.dumps(block, indent=4))
    key = idempotency_key(block, "wger", "https://wger.de/")
    assert key == idempotency_key(spaced, "wger", "https://WGER.de") and len(key) == 32
    assert key != idempotency_key(block, "hevy", "https://wger.de")
    assert key != idempotency_key(block, "wger", "https://wger.example.org")
    other = block_dicts()["generated_bodyweight"]
    assert block_hash(other) != block_hash(block) and idempotency_key(other, "wger", "https://wger.de") != key


@pytest.mark.parametrize("url, message", [
    ("ftp://x", r"not an http\(s\) URL"),
    ("https://me:pw@wger.de", "carries a user name or password"),
    ("http://wger.lan", "plain http to wger.lan would send the token unencrypted"),
])
def test_urls_that_would_leak_the_token_are_bad_input(url, message):
    with pytest.raises(InputError, match=message):
        check_url(url, allow_http=False)
    assert check_url("http://127.0.0.1:8000/", allow_http=False) == "http://127.0.0.1:8000"
    assert check_url("http://wger.lan", allow_http=True) == "http://wger.lan"


def test_read_block_names_the_file_and_place(tmp_path):
    bad = tmp_path / "b.json"
    bad.write_text('{"format": "revhyper.block/1",\n "weeks": [}')
    with pytest.raises(InputError, match=r"b.json:2:\d+: error: not JSON"):
        read_block(str(bad))
    bad.write_text('{"person": {"age": 40}}')
    with pytest.raises(InputError, match="not a revhyper block"):
        read_block(str(bad))
    with pytest.raises(InputError, match="cannot read the block"):
        read_block(str(tmp_path / "missing.json"))


def test_shorten_cuts_at_a_word_and_says_so():
    assert shorten("short", 10) == ("short", False)
    text, cut = shorten("Tempo 2-1-2-1 weeks one to eight, range fifty", 20)
    assert cut and len(text) <= 20 and text.endswith("\u2026") and text.startswith("Tempo 2-1-2-1")


# -- the command ----------------------------------------------------------------------------------------
def test_push_creates_once_and_a_second_push_finds_it(toy, tmp_path):
    server = ToyServer()
    path = write_block(block_dicts()["generated"], tmp_path)
    with FakeAPI(server.answer, auth=("Authorization", f"Bearer {TOKEN}")) as api:
        argv = ["toy", str(path), "--url", api.url, "--token-env", "TOY_TOKEN"]
        code, out, err = run_push(argv, {"TOY_TOKEN": TOKEN})
        assert (code, out.strip()) == (0, f"pushed to toy at {api.url}: plan 1"), err
        assert "note: toy platforms have no tempo field" in err
        code, out, _ = run_push(argv, {"TOY_TOKEN": TOKEN})
    assert code == 0 and "already pushed: plan 1" in out and len(server.plans) == 1
    assert api.calls[0].status == 429 and TOKEN not in out + err


def test_the_token_comes_only_from_the_named_environment_variable(toy, tmp_path):
    path = str(write_block(block_dicts()["generated"], tmp_path))
    code, out, err = run_push(["toy", path, "--url", "https://toy.example", "--token-env", "TOY_TOKEN"], {})
    assert code == 2 and "the environment variable TOY_TOKEN is not set or empty" in err
    code, out, err = run_push(["toy", path, "--url", "https://toy.example"], {"TOY_TOKEN": TOKEN})
    assert code == 2 and "--token-env VAR" in err


@pytest.mark.parametrize("argv", [["--token", TOKEN], [f"--token={TOKEN}"], [f"--tok={TOKEN}"], [f"--token-e={TOKEN}"]])
def test_a_token_on_the_command_line_is_refused_and_never_echoed(toy, tmp_path, argv):
    path = str(write_block(block_dicts()["generated"], tmp_path))
    code, out, err = run_push(["toy", path, "--url", "https://toy.example", *argv], {})
    assert code == 2 and TOKEN not in out + err
    assert "refused" in err or "unrecognized arguments: --to" in err


def test_dry_run_shows_the_requests_with_the_header_redacted(toy, tmp_path):
    path = str(write_block(block_dicts()["generated"], tmp_path))
    code, out, err = run_push(["toy", path, "--url", "https://toy.example", "--token-env", "T", "--dry-run"],
                              {"T": TOKEN})
    assert code == 0 and TOKEN not in out + err
    assert "GET https://toy.example/plans" in out and "POST https://toy.example/plans" in out
    assert "  Authorization: ***" in out and "Idempotency-Key: " in out and "dry run: 2 requests shown" in err


@pytest.mark.parametrize("status, code", [("refused", 4), ("needs_clearance", 3)])
def test_a_block_without_sessions_is_not_pushed(toy, tmp_path, status, code):
    path = str(write_block(block_dicts()[status], tmp_path))
    result = run_push(["toy", path, "--url", "https://toy.example", "--token-env", "T"], {"T": TOKEN})
    assert result[0] == code and f"the block is {status}" in result[2]


def test_an_unknown_platform_suggests_the_near_one(toy, tmp_path):
    path = str(write_block(block_dicts()["generated"], tmp_path))
    code, _, err = run_push(["tyo", path, "--token-env", "T"], {"T": TOKEN})
    assert code == 2 and "unknown platform 'tyo'" in err and "did you mean 'toy'" in err


def test_push_list_shows_the_installed_adapters():
    result = subprocess.run([sys.executable, "-m", "revhyper", "push", "--list"], capture_output=True, text=True)
    assert result.returncode == 0
    names = [line.split()[0] for line in result.stdout.splitlines()]
    assert "wger" in names and "hevy" in names
    assert "revhyper-wger" in result.stdout and "revhyper-hevy" in result.stdout


def test_a_network_error_is_retried_for_a_get_but_a_certificate_error_is_not():
    import ssl
    import urllib.error

    calls = []

    def flaky(request, timeout):
        calls.append(request)
        if len(calls) < 3:
            raise TimeoutError("timed out")
        return Response(200, {}, b"[]")

    assert _client(flaky, sleep=lambda s: None).get("/x") == []
    assert len(calls) == 3

    def bad_certificate(request, timeout):
        calls.append(request)
        raise urllib.error.URLError(ssl.SSLCertVerificationError("certificate verify failed"))

    calls.clear()
    with pytest.raises(PushError, match="could not reach the server"):
        _client(bad_certificate, sleep=lambda s: None).get("/x")
    assert len(calls) == 1


def test_revhyper_formats_lists_the_push_platforms_too():
    result = subprocess.run([sys.executable, "-m", "revhyper", "formats", "--format", "json"], capture_output=True,
                            text=True, check=True)
    platforms = {p["name"]: p for p in json.loads(result.stdout)["push_platforms"]}
    assert platforms["wger"]["provider"] == "revhyper-wger" and platforms["wger"]["default_url"] == "https://wger.de"
    assert platforms["hevy"]["provider"] == "revhyper-hevy"
    text = subprocess.run([sys.executable, "-m", "revhyper", "formats"], capture_output=True, text=True).stdout
    assert "push platforms (revhyper push PLATFORM BLOCK):" in text and "  wger " in text


PUSHER_CODE = '''\
from typing import Any

from revhyper.push import Client, Pusher, PushResult


def push(block: dict[str, Any], client: Client) -> PushResult:
    reply = client.post("/logs", {"note": client.marker()}, label="log")
    return PushResult(created=(f"log {reply['id']}",))


MINE = Pusher("mine", "my log", push, lambda token: ("Authorization", f"Bearer {token}"))
wrong_key: int = MINE.push({}, Client("mine", "https://x", "t", MINE.auth_header, "k")).existing
'''


def test_a_pusher_gets_real_types_under_strict_mypy(tmp_path):
    """A platform's pusher type-checks under mypy --strict, and a wrong type is caught: Pusher, Client and
    PushResult are typed, not Any."""
    from helpers import ROOT

    code = tmp_path / "pusher.py"
    code.write_text(PUSHER_CODE)
    result = subprocess.run([sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / "cache"), "--strict",
                             "--config-file", "/dev/null", str(code)], capture_output=True, text=True, cwd=ROOT,
                            timeout=300)
    errors = [line.split(": error: ", 1)[1] for line in result.stdout.splitlines() if ": error: " in line]
    assert errors == ['Incompatible types in assignment (expression has type "str | None", variable has type "int")'
                      '  [assignment]'], result.stdout


def test_read_block_takes_a_batch_line_s_compact_block_as_its_canonical_form(tmp_path):
    import revhyper
    from revhyper.export.json_bytes import dumps

    block = revhyper.generate(revhyper.load_profile("examples/profiles/chronic-rehab.toml"))
    (tmp_path / "line.json").write_bytes(dumps(revhyper.block_to_compact(block)))
    assert read_block(str(tmp_path / "line.json")) == revhyper.block_to_dict(block)
    broken = revhyper.block_to_compact(block)
    broken["weeks"][1]["phase"] = 9
    (tmp_path / "line.json").write_bytes(dumps(broken))
    with pytest.raises(InputError, match=r"weeks\[1\]\.phase: expected a position in a table of 3, got 9"):
        read_block(str(tmp_path / "line.json"))
