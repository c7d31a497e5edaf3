"""HTTP plumbing that knows nothing of revhyper's rules: errors as JSON, bounded body reads, content types, API keys."""

from __future__ import annotations

import hmac
from collections.abc import Iterable, Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from ..export.canonical import dump_json
from ..errors import Problem

JSON_TYPES = ("application/json",)
TOML_TYPES = ("application/toml", "text/toml", "text/x-toml")


class HttpProblem(Exception):
    """An answer other than success, with a JSON body ``{"error", "message", "problems"?, ...}``."""

    def __init__(self, http_status: int, error: str, message: str, problems: Sequence[Problem] = (),
                 headers: dict[str, str] | None = None, **extra: Any) -> None:
        super().__init__(message)
        self.http_status, self.error, self.message = http_status, error, message
        self.problems, self.headers, self.extra = tuple(problems), headers or {}, extra

    def response(self, request_id: str) -> Response:
        body: dict[str, Any] = {"error": self.error, "message": self.message, **self.extra}
        if self.problems:
            body["problems"] = [problem_to_dict(p) for p in self.problems]
        body["request_id"] = request_id
        return json_response(body, self.http_status, headers=self.headers)


def problem_to_dict(problem: Problem) -> dict[str, Any]:
    """One problem as the CLI prints it, field by field (docs/service.md)."""
    return {"file": problem.file, "path": problem.path, "line": problem.line, "column": problem.column,
            "message": problem.message, "suggestion": problem.suggestion, "severity": problem.severity}


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """Canonical JSON (sorted keys, ASCII only, as every revhyper JSON output)."""
    return Response(dump_json(data), status, headers=headers, media_type="application/json")


async def read_body(request: Request, limit: int, usual: str = "a profile is a few hundred") -> bytes:
    """The request body, refused with 413 as soon as it is known to pass ``limit`` bytes: from Content-Length
    before reading, or while reading the stream (chunked bodies), never after reading it all."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isdigit():
            raise HttpProblem(400, "bad_request", "Content-Length is not a whole number")
        if int(declared) > limit:
            raise _too_large(limit, usual)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large(limit, usual)
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large(limit: int, usual: str) -> HttpProblem:
    return HttpProblem(413, "too_large", f"the request body is larger than {limit:,} bytes; {usual}")


def json_kind(request: Request) -> str:
    """``"json"`` when the Content-Type is JSON, else the media type (``"none"`` without one)."""
    media = media_type_of(request.headers.get("content-type", ""))
    if media in JSON_TYPES or (media.startswith("application/") and media.endswith("+json")):
        return "json"
    return media or "none"


def body_kind(request: Request) -> str:
    """``"json"`` or ``"toml"`` from the Content-Type; 415 for anything else."""
    media = json_kind(request)
    if media == "json":
        return "json"
    if media in TOML_TYPES:
        return "toml"
    raise HttpProblem(415, "unsupported_media_type",
                      f"a profile is sent as application/json or application/toml, not {media[:100]!r}")


def media_type_of(header: str) -> str:
    """``text/csv; charset=utf-8`` -> ``text/csv``."""
    return header.split(";", 1)[0].strip().lower()


def accepted(header: str) -> list[str]:
    """The media ranges of an Accept header, most preferred first (q=0 left out; stable for equal q)."""
    ranges: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")):
        fields = part.split(";")
        media = fields[0].strip().lower()
        if not media:
            continue
        q = 1.0
        for field in fields[1:]:
            name, _, value = field.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if q > 0:
            ranges.append((-q, index, media))
    return [media for _, _, media in sorted(ranges)]


def presented_key(request: Request) -> bytes | None:
    """The API key a request carries: ``Authorization: Bearer KEY`` or ``X-API-Key: KEY``."""
    authorization = request.headers.get("authorization")
    if authorization is not None:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            return token.strip().encode("utf-8", "surrogateescape")
    key = request.headers.get("x-api-key")
    return key.strip().encode("utf-8", "surrogateescape") if key else None


def key_matches(presented: bytes, keys: Iterable[bytes]) -> bool:
    """Constant-time against each key (every key is compared, whatever matches first)."""
    found = False
    for key in keys:
        found |= hmac.compare_digest(presented, key)
    return found
