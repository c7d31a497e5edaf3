"""A test kit for pusher authors: a fake platform API on 127.0.0.1, request-body validation against an OpenAPI
document, and the contract kit's blocks as the JSON dicts ``revhyper push`` reads.

    from revhyper.testing_push import FakeAPI, block_dicts, schema_errors

    def test_push(tmp_path):
        state = MyFakePlatform()                      # answers (method, path, query, body) -> (status, json)
        with FakeAPI(state.answer, auth=("api-key", "secret-1")) as api:
            exit_code = push_for_test(MY_PUSHER, block_dicts()["generated"], api.url, "secret-1", tmp_path)
        assert exit_code == 0
        for call in api.calls:
            assert schema_errors(OPENAPI, call.method, call.path, call.body) == []

The fake checks the auth header on every request (401 otherwise), answers the first ``throttle`` requests with
429 and ``Retry-After: 0`` so the client's retry is exercised, and records every call.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import http.server
import io
import json
import threading
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs

Answer = Callable[[str, str, dict[str, list[str]], Any], tuple[int, Any]]


@attrs.frozen
class Call:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any
    status: int


class FakeAPI:
    """A threaded HTTP server on 127.0.0.1 that answers with ``answer(method, path, query, body)``."""

    def __init__(self, answer: Answer, auth: tuple[str, str], throttle: int = 1):
        self.answer, self.auth, self.throttle = answer, auth, throttle
        self.calls: list[Call] = []
        self.throttled = 0
        self._lock = threading.Lock()
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                body = json.loads(raw) if raw else None
                parts = urllib.parse.urlsplit(self.path)
                query = urllib.parse.parse_qs(parts.query)
                with fake._lock:
                    if self.headers.get(fake.auth[0]) != fake.auth[1]:
                        status, reply, extra = 401, {"detail": "Invalid token."}, {}
                    elif fake.throttled < fake.throttle:
                        fake.throttled += 1
                        status, reply, extra = 429, {"detail": "Request was throttled."}, {"Retry-After": "0"}
                    else:
                        status, reply = fake.answer(self.command, parts.path, query, body)
                        extra = {}
                    fake.calls.append(Call(self.command, parts.path, query, dict(self.headers.items()), body, status))
                data = b"" if reply is None else json.dumps(reply).encode()
                self.send_response(status)
                for name, value in extra.items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _handle

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeAPI:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def answered(self) -> list[Call]:
        """The calls the platform answered (not the ones the fake throttled or refused for auth)."""
        return [c for c in self.calls if c.status not in (401, 429)]


def block_dicts() -> dict[str, dict[str, Any]]:
    """The contract kit's blocks (revhyper.testing.contract_blocks) as the canonical JSON dicts push reads
    (a fresh copy each call: change them freely)."""
    return copy.deepcopy(_block_dicts())


@functools.cache
def _block_dicts() -> dict[str, dict[str, Any]]:
    from ..export.canonical import block_to_json
    from ..testing import contract_blocks

    return {name: json.loads(block_to_json(block)) for name, block in contract_blocks().items()}


def write_block(block: dict[str, Any], folder: Path) -> Path:
    path = Path(folder) / "block.json"
    path.write_text(json.dumps(block), encoding="utf-8")
    return path


def run_push(argv: list[str], environ: dict[str, str] | None = None) -> tuple[int, str, str]:
    """Run ``revhyper push ARGV`` in this process with no waiting between retries; (exit code, stdout, stderr).
    ``environ`` replaces the environment variables the command sees."""
    import os
    import sys
    from unittest import mock

    from ..cli import main

    out, err = io.StringIO(), io.StringIO()
    patches: list[Any] = [mock.patch.object(sys, "stdout", out), mock.patch.object(sys, "stderr", err),
               mock.patch("revhyper.platforms.push.time.sleep", lambda seconds: None)]
    if environ is not None:
        patches.append(mock.patch.dict(os.environ, environ, clear=True))
    with contextlib.ExitStack() as stack:
        for patch in patches:
            stack.enter_context(patch)
        try:
            code = main(["push", *argv])
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 2
    return code, out.getvalue(), err.getvalue()


def schema_errors(openapi: dict[str, Any], method: str, path: str, body: Any) -> list[str]:
    """Why ``body`` does not fit the request body schema of ``METHOD path`` in the OpenAPI 3.1 document
    (path templates such as ``/api/v2/routine/{id}/`` match); ``[]`` when it fits. Needs jsonschema."""
    import importlib
    import re

    jsonschema: Any = importlib.import_module("jsonschema")  # a test dependency, without type stubs
    referencing: Any = importlib.import_module("referencing")
    Registry, Resource = referencing.Registry, referencing.Resource

    operation = None
    for template, item in openapi["paths"].items():
        if re.fullmatch(re.sub(r"\{[^/}]+\}", "[^/]+", template), path) and method.lower() in item:
            operation = item[method.lower()]
            break
    if operation is None:
        return [f"{method} {path} is not in the OpenAPI document"]
    content = (operation.get("requestBody") or {}).get("content", {}).get("application/json")
    if content is None:
        return [] if body is None else [f"{method} {path} takes no JSON body"]
    resource = Resource.from_contents({"$schema": "https://json-schema.org/draft/2020-12/schema", **openapi})
    registry = Registry().with_resource("urn:openapi", resource)
    validator = jsonschema.Draft202012Validator({"$ref": "urn:openapi#" + content["schema"]["$ref"][1:]}
                                                if "$ref" in content["schema"] else content["schema"],
                                                registry=registry, format_checker=jsonschema.FormatChecker())
    return [f"{'/'.join(map(str, e.absolute_path)) or '(body)'}: {e.message}" for e in validator.iter_errors(body)]
