"""Putting a block into a platform over its HTTP API: the machinery every pusher shares (docs/plugins.md, "Push").

A platform plugs in through the ``revhyper_register_pushers`` hook with a :class:`Pusher`: its ``push`` function
reads the block's canonical JSON dict and talks to the platform only through the :class:`Client` it is given.
The client owns everything a pusher must not get wrong on its own:

- **the token**: read from the environment variable the user names (``--token-env``), never from a file or an
  argument; sent only in the platform's auth header; every text revhyper prints is passed through
  :meth:`Client.redact`, and dry-run output shows the header as ``***``;
- **timeouts** on every request, **retries** with exponential backoff and jitter on 429 and 5xx (honouring
  ``Retry-After``), and no redirects (urllib would forward the auth header to wherever it is sent);
- **idempotency**: one key per block, platform and URL (:func:`idempotency_key`), sent as an
  ``Idempotency-Key`` header on every POST (``KEY-1``, ``KEY-2``, ... in order); the pusher also writes the key
  into what it creates and looks for it before creating (:meth:`Client.marker`), so running a push again
  never creates a second routine;
- **dry run**: the same pusher code runs against a client that sends nothing and prints every request; what
  a lookup or a create would have returned appears as a placeholder (``<routine.id>``).

Only the standard library is used (urllib.request): the core stays free of an HTTP dependency, and retries,
redaction and the no-redirect rule are ours to write either way.
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import random
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Protocol

import attrs

from ..errors import InputError, OutputError, Problem
from ..export.compact import COMPACT_FORMAT, CompactError, expand_compact
from ..io.locate import format_path

MARKER = "revhyper-push"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
SAFE_RETRY_STATUSES = frozenset({429, 503})  # the request was not processed: safe to send a POST again
LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1"})


class PushError(OutputError):
    """The platform refused or failed a request, or could not be reached: exit 5, nothing more is sent."""


@attrs.frozen
class PushResult:
    """What a push did: ``created`` names what it made (``routine 12``), ``notes`` what it had to shorten or
    leave out, ``existing`` is set when an earlier push of the same block was found and nothing was created."""

    created: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    existing: str | None = None


@attrs.frozen
class Pusher:
    """A platform revhyper can push a block into.

    ``push(block, client)`` takes the block's canonical JSON dict and a :class:`Client`, and returns a
    :class:`PushResult`; it raises :class:`PushInputError` for a block the platform cannot take.
    ``auth_header(token)`` returns the header that carries the token (``("Authorization", "Token ...")``).
    """

    name: str
    description: str
    push: Callable[[dict[str, Any], Client], PushResult]
    auth_header: Callable[[str], tuple[str, str]]
    default_url: str | None = None
    provider: str = "local"


class PushInputError(InputError):
    """The block cannot be put into this platform (no dates, an exercise the platform lacks): exit 2."""

    def __init__(self, platform: str, path: str, message: str):
        super().__init__([Problem(f"push {platform}", path, message)])


# -- the block ---------------------------------------------------------------------------------------------
def read_block(path: str) -> dict[str, Any]:
    """The canonical JSON dict of a block revhyper wrote (``revhyper generate --format json``, or a block in the
    compact form of a ``revhyper batch`` line, expanded as ``revhyper.load_block`` expands it)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError([Problem(path, "", f"cannot read the block: {getattr(exc, 'strerror', None) or exc}")]) from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError([Problem(path, "", f"not JSON: {exc.msg}; expected the block JSON `revhyper generate "
                                            f"--format json` writes", line=exc.lineno, column=exc.colno)]) from exc
    if isinstance(data, dict) and data.get("format") == COMPACT_FORMAT:
        try:
            data = expand_compact(data)
        except CompactError as exc:
            raise InputError([Problem(path, format_path(exc.path), exc.message)]) from None
    if not isinstance(data, dict) or not str(data.get("format", "")).startswith("revhyper.block/"):
        raise InputError([Problem(path, "format", "not a revhyper block (its \"format\" is not \"revhyper.block/1\"); "
                                                  "write one with `revhyper generate PROFILE --format json -o block.json`")])
    return data


def block_hash(block: Mapping[str, Any]) -> str:
    """SHA-256 of the block's content, independent of how its JSON was spaced or ordered."""
    return hashlib.sha256(json.dumps(block, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
                          .encode("utf-8")).hexdigest()


def idempotency_key(block: Mapping[str, Any], platform: str, url: str) -> str:
    """One key per block content, platform and server: the same push twice has the same key."""
    return hashlib.sha256(f"{platform}\n{normalised_url(url)}\n{block_hash(block)}".encode()).hexdigest()[:32]


def normalised_url(url: str) -> str:
    parts = urllib.parse.urlsplit(url.strip())
    return urllib.parse.urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path.rstrip("/"), "", ""))


def check_url(url: str, allow_http: bool) -> str:
    """The base URL, or bad input: https (plain http only to this machine or with --allow-http), no credentials."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise InputError([Problem("--url", "", f"'{url}' is not an http(s) URL with a host")])
    if parts.username or parts.password:
        raise InputError([Problem("--url", "", "the URL carries a user name or password; give the token with "
                                               "--token-env instead")])
    if parts.scheme == "http" and parts.hostname not in LOOPBACK and not allow_http:
        raise InputError([Problem("--url", "", f"plain http to {parts.hostname} would send the token unencrypted; "
                                               "use https, or --allow-http on a network you trust")])
    return normalised_url(url)


def token_from_env(variable: str, environ: Mapping[str, str]) -> str:
    """The token in the environment variable ``variable``; bad input (naming the variable only) if unset."""
    if not variable or not variable.replace("_", "").isalnum():
        raise InputError([Problem("--token-env", "", f"'{variable}' is not an environment variable name")])
    token = environ.get(variable, "").strip()
    if not token:
        raise InputError([Problem("--token-env", "", f"the environment variable {variable} is not set or empty; "
                                                     f"export {variable}=... with the platform's API key")])
    return token


# -- the client --------------------------------------------------------------------------------------------
@attrs.frozen
class Request:
    method: str
    url: str
    headers: tuple[tuple[str, str], ...]
    body: Any = None


@attrs.frozen
class Response:
    status: int
    headers: Mapping[str, str]
    body: bytes


Transport = Callable[[Request, float], Response]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # a redirect is reported as an HTTP error: the auth header never follows it


def urllib_transport(request: Request, timeout: float) -> Response:
    """Send one request with urllib (no redirects); an HTTP error status is a Response, not an exception."""
    data = None if request.body is None else json.dumps(request.body, ensure_ascii=False).encode("utf-8")
    req = urllib.request.Request(request.url, data=data, method=request.method, headers=dict(request.headers))
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(req, timeout=timeout) as reply:
            return Response(reply.status, dict(reply.headers.items()), reply.read())
    except urllib.error.HTTPError as exc:
        return Response(exc.code, dict(exc.headers.items()) if exc.headers else {}, exc.read() if exc.fp else b"")


class Writer(Protocol):
    def write(self, text: str, /) -> Any: ...


class Pending(str):
    """What a dry run puts where a real push would use a value the platform returns (``<routine.id>``)."""


class Client:
    """The only way a pusher talks to its platform (see the module docstring). ``dry_run`` sends nothing and
    writes each request to ``out``; ``transport``, ``sleep`` and ``rng`` are replaceable for tests."""

    def __init__(self, platform: str, base_url: str, token: str, auth_header: Callable[[str], tuple[str, str]],
                 key: str, *, dry_run: bool = False, out: Writer | None = None, timeout: float = 30.0,
                 attempts: int = 5, backoff: float = 0.5, max_wait: float = 60.0,
                 transport: Transport = urllib_transport, sleep: Callable[[float], None] | None = None,
                 rng: random.Random | None = None, now: Callable[[], float] = time.time):
        self.platform, self.base_url, self.key = platform, base_url.rstrip("/"), key
        self._token = token
        self._auth = auth_header(token)
        self.dry_run, self.out = dry_run, out
        self.timeout, self.attempts, self.backoff, self.max_wait = timeout, attempts, backoff, max_wait
        self.transport, self.now = transport, now
        self.sleep = sleep if sleep is not None else lambda seconds: time.sleep(seconds)
        self.rng = rng if rng is not None else random.Random()
        self.posts = 0
        self.sent: list[Request] = []  # every request sent (dry run: every request that would be)

    # -- what pushers call ---------------------------------------------------------------------------
    def marker(self) -> str:
        """The text a pusher writes into what it creates, and looks for before creating: ``revhyper-push:KEY``."""
        return f"{MARKER}:{self.key}"

    def get(self, path: str, query: Mapping[str, Any] | None = None, *, label: str = "lookup") -> Any:
        """GET a JSON document. Dry run: prints the request and returns ``None`` (nothing found)."""
        return self._call("GET", path, None, query, label, lambda: None)

    def post(self, path: str, body: Any, *, label: str) -> Any:
        """POST a JSON body, return the JSON reply. Dry run: returns a dict whose values are placeholders."""
        return self._call("POST", path, body, None, label, lambda: _PendingObject(label))

    def patch(self, path: str, body: Any, *, label: str) -> Any:
        return self._call("PATCH", path, body, None, label, lambda: _PendingObject(label))

    def delete(self, path: str, *, label: str) -> Any:
        return self._call("DELETE", path, None, None, label, lambda: None)

    def redact(self, text: str) -> str:
        """``text`` with the token (and the auth header's value) replaced by ``***``."""
        for secret in sorted({self._token, self._auth[1]}, key=len, reverse=True):
            if secret:
                text = text.replace(secret, "***")
        return text

    # -- the machinery --------------------------------------------------------------------------------
    def _call(self, method: str, path: str, body: Any, query: Mapping[str, Any] | None, label: str,
              pending: Callable[[], Any]) -> Any:
        url = self.base_url + path
        if query:
            url += "?" + urllib.parse.urlencode(sorted(query.items()))
        headers = [("Accept", "application/json"), self._auth]
        if body is not None:
            headers.append(("Content-Type", "application/json"))
        if method == "POST":
            self.posts += 1
            headers.append(("Idempotency-Key", f"{self.key}-{self.posts}"))
        request = Request(method, url, tuple(headers), body)
        self.sent.append(request)
        if self.dry_run:
            self._show(request, label)
            return pending()
        return self._send(request, label)

    def _show(self, request: Request, label: str) -> None:
        if self.out is None:
            return
        lines = [f"{request.method} {request.url}    # {label}"]
        lines += [f"  {name}: {'***' if (name, value) == self._auth else value}" for name, value in request.headers]
        if request.body is not None:
            lines += ["  " + line for line in json.dumps(request.body, indent=2, ensure_ascii=False).splitlines()]
        self.out.write(self.redact("\n".join(lines)) + "\n")

    def _send(self, request: Request, label: str) -> Any:
        safe = request.method != "POST"
        for attempt in range(1, self.attempts + 1):
            try:
                response = self.transport(request, self.timeout)
            except (OSError, urllib.error.URLError) as exc:  # refused, unreachable, timed out
                reason = getattr(exc, "reason", None) or exc
                refused = isinstance(reason, ConnectionRefusedError)
                if attempt == self.attempts or not (safe or refused) or isinstance(reason, ssl.SSLError):
                    raise PushError(self._failed(request, label, f"could not reach the server ({reason})")) from None
                self.sleep(self._delay(attempt, None))
                continue
            if 200 <= response.status < 300:
                if not response.body.strip():
                    return None
                try:
                    return json.loads(response.body)
                except ValueError:
                    raise PushError(self._failed(request, label, f"HTTP {response.status} with a reply that is not "
                                                                 "JSON")) from None
            retryable = response.status in (RETRY_STATUSES if safe else SAFE_RETRY_STATUSES)
            if not retryable or attempt == self.attempts:
                raise PushError(self._failed(request, label, _status_text(response)))
            wait = self._delay(attempt, response.headers)
            if wait > self.max_wait:
                raise PushError(self._failed(request, label, f"{_status_text(response)}; the server asks to wait "
                                                             f"{wait:.0f} s, more than {self.max_wait:.0f} s"))
            self.sleep(wait)
        raise AssertionError("unreachable")

    def _delay(self, attempt: int, headers: Mapping[str, str] | None) -> float:
        """Seconds to wait before attempt ``attempt + 1``: the server's Retry-After if it gave one, else
        exponential backoff (0.5, 1, 2, 4 s ...) with full jitter between half and all of it."""
        after = _retry_after(headers or {}, self.now())
        if after is not None:
            return after
        base = min(self.max_wait, self.backoff * 2 ** (attempt - 1))
        return base * (0.5 + self.rng.random() / 2)

    def _failed(self, request: Request, label: str, why: str) -> str:
        path = urllib.parse.urlsplit(request.url).path
        return self.redact(f"{self.platform}: {request.method} {path} ({label}) failed: {why}")


class _PendingObject(dict[str, Any]):
    """A dry run's stand-in for a created object: every key reads as ``<label.key>``."""

    def __init__(self, label: str):
        super().__init__()
        self.label = label

    def __missing__(self, key: str) -> Pending:
        return Pending(f"<{self.label}.{key}>")


def _retry_after(headers: Mapping[str, str], now: float) -> float | None:
    value = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now)


def _status_text(response: Response) -> str:
    text = f"HTTP {response.status}"
    location = next((v for k, v in response.headers.items() if k.lower() == "location"), None)
    if 300 <= response.status < 400 and location:
        return f"{text}: the server redirects to {location}; give that URL with --url"
    body = response.body[:300].decode("utf-8", "replace").strip()
    body = "".join(c if c.isprintable() else " " for c in body)
    return f"{text}: {body}" if body else text


def shorten(text: str, limit: int) -> tuple[str, bool]:
    """``text`` cut to ``limit`` characters at a word, ending with an ellipsis; and whether it was cut."""
    if len(text) <= limit:
        return text, False
    cut = text[: limit - 1]
    if " " in cut[limit // 2:]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;.") + "\u2026", True
