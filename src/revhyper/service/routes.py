"""The endpoints: each parses its request, runs the library in a worker thread and answers; nothing more."""

from __future__ import annotations

import json
from typing import Any

import attrs
from starlette.requests import Request
from starlette.responses import Response

from ..export import exporters
from .._version import __version__
from ..export.canonical import dump_json
from ..errors import InputError, OutputError, Problem
from ..rules.ruleset import RuleSet
from ..io.suggest import did_you_mean
from .config import ServiceConfig
from .web import HttpProblem, accepted, body_kind, json_kind, json_response, media_type_of, read_body

BODY_NAME = "<body>"
"""The ``file`` of a problem found in a request body."""
QUERY = "<query>"
EXPLAIN_FORMATS = {"json": "application/json", "text": "text/plain; charset=utf-8"}


@attrs.frozen
class Formats:
    """The installed formats, read once at start-up: media types for the Accept header, and the listing."""

    listing: dict[str, Any]
    by_media_type: dict[str, str]
    """media type (no parameters) -> the format it means; built-in json and text first, then the format that has the
    media type's name (``text/html``: ``html``), then the rest by name."""
    media_types: dict[str, str]
    """format name (qualified ones too) -> its Content-Type."""

    @classmethod
    def installed(cls) -> Formats:
        from ..commands.formats import listing

        found = listing()
        by_media_type: dict[str, str] = {}
        media_types: dict[str, str] = {}
        ordered = sorted(found["formats"], key=lambda x: (  # json and text, then a format named as its media type
            x["name"] not in exporters.FAST, ":" in x["name"], media_type_of(x["media_type"]).split("/")[-1] != x["name"],
            x["name"]))  # (text/html is html, the block's page, not clearance-request-html), then by name
        for x in ordered:
            by_media_type.setdefault(media_type_of(x["media_type"]), x["name"])
            media_types[x["name"]] = x["media_type"]
        return cls(found, by_media_type, media_types)

    def choose(self, request: Request) -> str:
        """``?format=NAME`` (400 when unknown), else the Accept header (406 when no format is acceptable)."""
        name = request.query_params.get("format")
        if name is not None:
            try:
                exporters.check_format(name)
            except InputError as exc:
                problems = [attrs.evolve(p, file=QUERY, path="format") for p in exc.problems]
                raise HttpProblem(400, "unknown_format", problems[0].message, problems) from None
            except OutputError as exc:  # a format whose plugin failed to load
                raise HttpProblem(400, "unknown_format", str(exc)) from None
            return name
        header = request.headers.get("accept", "")
        if not header.strip():
            return "json"
        for media in accepted(header):
            if media in ("*/*", "application/*"):
                return "json"
            if media.endswith("/*"):
                kind = media[:-1]
                found = next((n for m, n in self.by_media_type.items() if m.startswith(kind)), None)
            else:
                found = self.by_media_type.get(media)
            if found is not None:
                return found
        raise HttpProblem(406, "not_acceptable", "no installed format has a media type the Accept header allows; "
                                                 "use ?format=NAME or one of the media types listed",
                          media_types=sorted(self.by_media_type))


def pick_ruleset(config: ServiceConfig, request: Request) -> RuleSet:
    """The rule set ``?ruleset=ID`` names among those the server was started with (400 for another id)."""
    wanted = request.query_params.get("ruleset")
    if wanted is None:
        return config.rulesets[config.default]
    found = config.rulesets.get(wanted)
    if found is None:
        ids = sorted(config.rulesets)
        problem = Problem(QUERY, "ruleset", f"no rule set with id '{wanted[:100]}' on this server; it has: {', '.join(ids)}",
                          suggestion=did_you_mean(wanted, ids))
        raise HttpProblem(400, "unknown_ruleset", problem.message, [problem])
    return found


def _profile(body: bytes, kind: str, ruleset: RuleSet):
    from ..profile.profile_loader import parse_profile

    try:
        return parse_profile(body, name=BODY_NAME, ruleset=ruleset, kind=kind)
    except InputError as exc:
        raise HttpProblem(422, "bad_profile", f"the profile has {len(exc.problems)} problem(s)", exc.problems) from None


def make_block(body: bytes, kind: str, ruleset: RuleSet, format_name: str) -> tuple[bytes, str]:
    """Profile bytes -> (the block in ``format_name``, its status): what ``revhyper generate`` writes, byte for byte.
    CPU work, run in a worker thread."""
    from ..engine.engine import generate

    block = generate(_profile(body, kind, ruleset), ruleset)
    return rendered(block, format_name), block.status


def rendered(block, format_name: str) -> bytes:
    """The block in ``format_name``, as the command line writes it; 406 when the format cannot express its status."""
    if exporters._fast(format_name) not in exporters.FAST:
        from ..plugins import exporter

        chosen = exporter(format_name)
        if block.status not in chosen.statuses:
            raise HttpProblem(406, "format_cannot_express",
                              f"the {chosen.name} format has nothing to write for a {block.status.replace('_', ' ')} "
                              "block; ask for json or text to see the screening result", status=block.status)
    return exporters.render(block, format_name)


def make_progress(body: bytes, ruleset: RuleSet, format_name: str) -> tuple[bytes, str, tuple[str, ...]]:
    """A progress request's body -> (the adapted block in ``format_name``, its status, the notes on what the log
    reader skipped or assumed): what ``revhyper progress`` writes, byte for byte, and the notes it prints. Each input is read in the command's order (profile, block, exercise map, log), and the
    first that is wrong is the answer, as the command stops at it. CPU work, run in a worker thread."""
    from ..engine.adapt import progress
    from ..export.block_loader import parse_block
    from ..errors import BlockError
    from ..logs.load import parse_log
    from ..logs.names import exercise_map_from_data
    from ..profile.profile_loader import parse_profile
    from .progress_body import placed, read_request

    try:
        request = read_request(body)
    except InputError as exc:
        raise HttpProblem(422, "bad_body", f"the request has {len(exc.problems)} problem(s)", exc.problems) from None
    try:
        profile = placed(lambda: parse_profile(request.profile.text.encode("utf-8"), name=BODY_NAME, ruleset=ruleset,
                                               kind="json"), request.profile)
    except InputError as exc:
        raise HttpProblem(422, "bad_profile", f"the profile has {len(exc.problems)} problem(s)", exc.problems) from None
    try:
        block = placed(lambda: parse_block(request.block.text, name=BODY_NAME), request.block)
    except InputError as exc:
        raise HttpProblem(422, "bad_block", f"the block has {len(exc.problems)} problem(s)", exc.problems) from None
    try:
        names = request.exercise_map
        exercise_map = None if names is None else placed(lambda: exercise_map_from_data(
            json.loads(names.text), ruleset.variants, name=BODY_NAME, text=names.text, kind="json"), names)
        log = parse_log(request.log_data, name=request.log_name, ruleset=ruleset, format=request.log_format,
                        exercise_map=exercise_map)
    except InputError as exc:  # an unknown format is the command's --log-format: here the body's log.format
        problems = [request.at(("log", "format"), p.message, p.suggestion) if p.file == "--log-format" else p
                    for p in exc.problems]
        raise HttpProblem(422, "bad_log", f"the log has {len(problems)} problem(s)", problems) from None
    try:
        adapted = progress(profile, block, log, ruleset)
    except BlockError as exc:  # the block does not go with this profile or rule set: its key in the body
        problems = [request.at(("block", *p.path.split(".")), p.message) if p.file == "<block>" else p
                    for p in exc.problems]
        raise HttpProblem(422, "bad_block", f"the block has {len(problems)} problem(s)", problems) from None
    return rendered(adapted, format_name), adapted.status, log.skipped


def log_notes_header(notes: tuple[str, ...]) -> dict[str, str]:
    """``X-Revhyper-Log-Notes``: the notes as a JSON array of strings, ASCII only (json's escapes), so that nothing
    from the log (its name, its exercise names) can break the header; no header without notes."""
    return {"X-Revhyper-Log-Notes": json.dumps(list(notes), ensure_ascii=True)} if notes else {}


def make_explanation(body: bytes, kind: str, ruleset: RuleSet, format_name: str) -> tuple[bytes, str]:
    """Profile bytes -> (``revhyper explain``'s output in ``format_name``, the status). CPU work, in a worker thread."""
    from ..engine.explain import explain, explain_to_text

    trace = explain(_profile(body, kind, ruleset), ruleset)
    data = dump_json(trace) if format_name == "json" else explain_to_text(trace).encode("utf-8")
    return data, trace["status"]


class Endpoints:
    """The handlers, bound to one configuration. ``run`` is how CPU work is run (in a worker thread, under the
    request's time limit: see app.py)."""

    def __init__(self, config: ServiceConfig, formats: Formats, openapi: bytes, run) -> None:
        self.config, self.formats, self.openapi, self.run = config, formats, openapi, run
        self.rulesets = dump_json({"default": config.default, "rulesets": [
            {"id": r.id, "version": r.version, "title": r.title, "sha256": r.sha256, "default": r.id == config.default}
            for _, r in sorted(config.rulesets.items())]})
        self.format_listing = dump_json(formats.listing)

    async def blocks(self, request: Request) -> Response:
        format_name = self.formats.choose(request)
        ruleset = pick_ruleset(self.config, request)
        kind = body_kind(request)
        body = await read_body(request, self.config.max_body)
        data, status = await self.run(make_block, body, kind, ruleset, format_name)
        media = self.formats.media_types.get(format_name) or exporters_media_type(format_name)
        # exactly the format's media type (Starlette would add a charset to text/* types that declare none)
        return Response(data, 200, headers={"Content-Type": media, "X-Revhyper-Status": status})

    async def explain(self, request: Request) -> Response:
        format_name = request.query_params.get("format", "json")
        if format_name not in EXPLAIN_FORMATS:
            problem = Problem(QUERY, "format", f"explain writes json or text, not '{format_name[:100]}'",
                              suggestion=did_you_mean(format_name, EXPLAIN_FORMATS))
            raise HttpProblem(400, "unknown_format", problem.message, [problem])
        ruleset = pick_ruleset(self.config, request)
        kind = body_kind(request)
        body = await read_body(request, self.config.max_body)
        data, status = await self.run(make_explanation, body, kind, ruleset, format_name)
        return Response(data, 200, media_type=EXPLAIN_FORMATS[format_name], headers={"X-Revhyper-Status": status})

    async def progress(self, request: Request) -> Response:
        format_name = self.formats.choose(request)
        ruleset = pick_ruleset(self.config, request)
        media = json_kind(request)
        if media != "json":
            raise HttpProblem(415, "unsupported_media_type",
                              f"a progress request is sent as application/json, not {media[:100]!r}")
        body = await read_body(request, self.config.max_progress_body,
                               "a year's block and log come to about 500,000")
        data, status, notes = await self.run(make_progress, body, ruleset, format_name)
        media = self.formats.media_types.get(format_name) or exporters_media_type(format_name)
        return Response(data, 200, headers={"Content-Type": media, "X-Revhyper-Status": status,
                                            **log_notes_header(notes)})

    async def formats_list(self, request: Request) -> Response:
        return Response(self.format_listing, media_type="application/json")

    async def rulesets_list(self, request: Request) -> Response:
        return Response(self.rulesets, media_type="application/json")

    async def healthz(self, request: Request) -> Response:
        return json_response({"status": "ok", "version": __version__})

    async def openapi_json(self, request: Request) -> Response:
        return Response(self.openapi, media_type="application/json")


def exporters_media_type(format_name: str) -> str:
    """The Content-Type of a format found by a qualified name not in the start-up listing."""
    from ..plugins import exporter

    return exporter(format_name).media_type
