"""The ASGI application: ``create_app(config)``; ``revhyper serve`` runs it under uvicorn.

Every endpoint runs inside :func:`guarded`, which gives the request an id (``X-Request-Id``), checks its API key,
bounds its time and turns every failure into a JSON answer: a designed one (4xx) with its message, anything else
a 500 with a generic message and the request id, the traceback going to the server's log only.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import anyio.to_thread
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .config import ServiceConfig, build_config
from .routes import Endpoints, Formats
from .web import HttpProblem, json_response, key_matches, presented_key

log = logging.getLogger("revhyper.service")
OPTIONS_ENV = "REVHYPER_SERVE_OPTIONS"
"""How ``revhyper serve --workers N`` hands its options to each worker process (JSON; never the API keys, which
each worker reads from the variable named by ``--api-keys-env``)."""
OPEN_PATHS = frozenset({"/healthz"})
"""Paths answered without an API key (a load balancer's health check)."""

Handler = Callable[[Request], Awaitable[Response]]


def create_app(config: ServiceConfig | None = None) -> Starlette:
    """The service for ``config`` (default: the embedded default rule set and installed plugins, no API keys)."""
    from .openapi import openapi_document
    from .page import Page

    config = config or build_config()
    formats = Formats.installed()
    limiter = anyio.CapacityLimiter(max(4, 2 * (os.cpu_count() or 1)))

    async def run(function: Callable[..., Any], *args: Any) -> Any:
        # the time limit is the request's (guarded); a thread past it is abandoned, and its result dropped
        return await anyio.to_thread.run_sync(function, *args, abandon_on_cancel=True, limiter=limiter)

    openapi = json.dumps(openapi_document(config, formats.listing), indent=2, ensure_ascii=True).encode("ascii")
    endpoints = Endpoints(config, formats, openapi, run)

    def route(path: str, handler: Handler, method: str) -> Route:
        return Route(path, guarded(handler, config, open_=path in OPEN_PATHS), methods=[method])

    page = Page(config, formats, run)
    routes = [
        route("/", page.show, "GET"),
        route("/", page.submit, "POST"),
        route("/v1/blocks", endpoints.blocks, "POST"),
        route("/v1/explain", endpoints.explain, "POST"),
        route("/v1/progress", endpoints.progress, "POST"),
        route("/v1/formats", endpoints.formats_list, "GET"),
        route("/v1/rulesets", endpoints.rulesets_list, "GET"),
        route("/healthz", endpoints.healthz, "GET"),
        route("/openapi.json", endpoints.openapi_json, "GET"),
    ]
    app = Starlette(routes=routes, exception_handlers={HTTPException: _http_exception, Exception: _internal})
    app.state.config = config
    for skipped in config.skipped:
        log.warning("a plugin's rule set is not served: %s", skipped)
    return app


def guarded(handler: Handler, config: ServiceConfig, *, open_: bool = False) -> Handler:
    @functools.wraps(handler)
    async def endpoint(request: Request) -> Response:
        request_id = secrets.token_hex(8)
        try:
            if config.api_keys and not open_:
                _authorize(request, config.api_keys)
            with anyio.fail_after(config.time_limit):
                response = await handler(request)
        except HttpProblem as problem:
            response = problem.response(request_id)
        except TimeoutError:
            response = HttpProblem(504, "time_limit", f"the request took longer than the server's limit of "
                                                      f"{config.time_limit:g} s").response(request_id)
        except Exception:  # noqa: BLE001 - the last line of defence: the traceback goes to the log, never to the client
            log.exception("request %s (%s %r) failed", request_id, request.method, request.url.path)
            response = _internal_response(request_id)
        response.headers["X-Request-Id"] = request_id
        return response

    return endpoint


def _authorize(request: Request, keys: tuple[bytes, ...]) -> None:
    presented = presented_key(request)
    challenge = {"WWW-Authenticate": 'Bearer realm="revhyper"'}
    if presented is None:
        raise HttpProblem(401, "unauthorized", "this server needs an API key: send Authorization: Bearer KEY "
                                               "or X-API-Key: KEY", headers=challenge)
    if not key_matches(presented, keys):
        raise HttpProblem(401, "unauthorized", "the API key is not valid", headers=challenge)


def _internal_response(request_id: str) -> Response:
    return json_response({"error": "internal", "message": "internal error; the server's log has the details under "
                                                          f"request id {request_id}", "request_id": request_id}, 500,
                         headers={"X-Request-Id": request_id})


async def _http_exception(request: Request, exc: Exception) -> Response:
    """Starlette's own answers (404 unknown path, 405 wrong method) in the service's JSON form."""
    assert isinstance(exc, HTTPException)
    request_id = secrets.token_hex(8)
    response = json_response({"error": "not_found" if exc.status_code == 404 else "http_error", "message": exc.detail,
                              "request_id": request_id}, exc.status_code, headers=dict(exc.headers or {}))
    response.headers["X-Request-Id"] = request_id
    return response


async def _internal(request: Request, exc: Exception) -> Response:
    request_id = secrets.token_hex(8)
    log.error("request %s (%s %r) failed outside an endpoint", request_id, request.method, request.url.path,
              exc_info=exc)
    return _internal_response(request_id)


def options_from_environment() -> dict[str, Any]:
    return json.loads(os.environ.get(OPTIONS_ENV, "{}"))


def app_from_environment() -> Starlette:
    """The factory each ``--workers`` process calls (``uvicorn revhyper.service.app:app_from_environment --factory``)."""
    options = options_from_environment()
    return create_app(build_config(options.get("rules", ()), api_keys_env=options.get("api_keys_env"),
                                   time_limit=options.get("time_limit", 10.0)))
