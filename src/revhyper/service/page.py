"""The coach's page at ``/``: a form built from the profile's schema and the rule set's vocabulary (or a profile
file dropped on it), and the block on the same page. Plain server-rendered HTML: it works without JavaScript
(the script only reads a dropped or chosen file into the form). Everything from a profile, a rule set or a
block is escaped. docs/service.md describes it."""

from __future__ import annotations

import html
import json
import re
import tomllib
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import parse_qsl

import attrs
from starlette.requests import Request
from starlette.responses import Response

from ..errors import InputError, Problem
from ..rules.ruleset import RuleSet
from .config import ServiceConfig
from .page_assets import HEADERS, SCRIPT, STYLE
from .page_form import Field, Group, build_form, field_for, form_values, load_schema, paths_of, profile_from_form
from .routes import Formats, make_block
from .web import HttpProblem, media_type_of, read_body

FORM_NAME = "the form"
"""The ``file`` of a problem in a profile built from the form."""
e = html.escape


@attrs.frozen
class Outcome:
    """What a submitted profile gave: the block and its trace, or the problems that stopped it."""

    body: bytes
    kind: str
    problems: tuple[Problem, ...] = ()
    block: Any = None
    trace: Any = None


def _compute(body: bytes, kind: str, name: str, ruleset: RuleSet) -> Outcome:
    """Parse, generate and explain (CPU work, run in a worker thread)."""
    from ..engine.engine import generate
    from ..engine.explain import explain
    from ..profile.profile_loader import parse_profile

    try:
        profile = parse_profile(body, name=name, ruleset=ruleset, kind=kind)
    except InputError as exc:
        return Outcome(body, kind, exc.problems)
    return Outcome(body, kind, (), generate(profile, ruleset), explain(profile, ruleset))


def _raw(text: str, kind: str) -> Any:
    """A profile file's data for filling the form in (None when it does not parse: its problems say why)."""
    try:
        return json.loads(text) if kind == "json" else tomllib.loads(text)
    except (ValueError, RecursionError):
        return None


def _kind(name: str, text: str) -> str:
    lowered = name.lower()
    if lowered.endswith(".json"):
        return "json"
    if lowered.endswith(".toml"):
        return "toml"
    return "json" if text.lstrip().startswith("{") else "toml"


class Page:
    """The page's two handlers, bound to the server's configuration."""

    def __init__(self, config: ServiceConfig, formats: Formats, run) -> None:
        self.config, self.formats, self.run = config, formats, run
        self.schema = load_schema()

    def _ruleset(self, wanted: str | None) -> RuleSet:
        if not wanted:
            return self.config.rulesets[self.config.default]
        found = self.config.rulesets.get(wanted)
        if found is None:
            raise HttpProblem(400, "unknown_ruleset", f"no rule set with id '{wanted[:100]}' on this server")
        return found

    async def show(self, request: Request) -> Response:
        ruleset = self._ruleset(request.query_params.get("ruleset"))
        return self._answer(await self.run(render, self, ruleset, {}, None, False), 200)

    async def submit(self, request: Request) -> Response:
        if media_type_of(request.headers.get("content-type", "")) != "application/x-www-form-urlencoded":
            raise HttpProblem(415, "unsupported_media_type", "the page's form is sent as "
                                                            "application/x-www-form-urlencoded; a platform posts to /v1/blocks")
        raw = await read_body(request, self.config.max_body)
        try:
            pairs = parse_qsl(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
        except UnicodeDecodeError:
            raise HttpProblem(400, "bad_request", "the form is not UTF-8") from None
        form: dict[str, list[str]] = {}
        for key, value in pairs:
            form.setdefault(key, []).append(value)
        one = {k: v[-1] for k, v in form.items()}
        ruleset = self._ruleset(one.get("ruleset"))
        text = one.get("profile_text", "").replace("\r\n", "\n")
        if "download" in one:
            return await self._download(one["download"], text, one.get("profile_kind", ""), ruleset)
        if text.strip():  # a file dropped, chosen or pasted
            name = (one.get("profile_name") or "the profile").replace("\\", "/").rsplit("/", 1)[-1][:100]
            kind = _kind(name, text)
            outcome = await self.run(_compute, text.encode("utf-8"), kind, name, ruleset)
            values = form_values(_raw(text, kind) or {})
        else:
            groups = build_form(self.schema, ruleset, {})
            profile = profile_from_form(groups, form)
            body = json.dumps(profile, ensure_ascii=False).encode("utf-8")
            outcome = await self.run(_compute, body, "json", FORM_NAME, ruleset)
            values = {k: v for k, v in form.items() if k not in ("ruleset",)}
        page = await self.run(render, self, ruleset, values, outcome, bool(text.strip()))
        return self._answer(page, 422 if outcome.problems else 200)

    async def _download(self, format_name: str, text: str, kind: str, ruleset: RuleSet) -> Response:
        if kind not in ("json", "toml"):
            kind = _kind("", text)
        listed = {f["name"]: f for f in self.formats.listing["formats"]}
        if format_name not in listed:
            raise HttpProblem(400, "unknown_format", f"no installed format is called '{format_name[:100]}'")
        data, status = await self.run(make_block, text.encode("utf-8"), kind, ruleset, format_name)
        chosen = listed[format_name]
        return Response(data, 200, headers={
            "Content-Type": chosen["media_type"], "X-Revhyper-Status": status,
            "Content-Disposition": f'attachment; filename="revhyper-block-{format_name}{chosen["suffix"]}"',
            **HEADERS})

    @staticmethod
    def _answer(text: str, status: int) -> Response:
        return Response(text.encode("utf-8"), status, headers=HEADERS, media_type="text/html; charset=utf-8")


# -- the HTML ------------------------------------------------------------------------------------------------------

def _id(path: str) -> str:
    return "f-" + re.sub(r"[^a-z0-9_-]+", "-", path.lower()).strip("-")


def render(page: Page, ruleset: RuleSet, values: Mapping[str, Sequence[str]], outcome: Outcome | None,
           from_file: bool) -> str:
    """The page: the form filled in with ``values``, and the block or the problems of ``outcome``; with
    ``from_file`` the profile's text is shown too (CPU work, run in a worker thread)."""
    groups = build_form(page.schema, ruleset, _nested(values))
    known = paths_of(groups)
    errors: dict[str, list[Problem]] = {}
    loose: list[Problem] = []
    for problem in outcome.problems if outcome else ():
        where = field_for(problem, known)
        if where is None:
            loose.append(problem)
        else:
            errors.setdefault(where, []).append(problem)
    out = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           "<title>revhyper: a reverse hyperextension block for a client</title>",
           f"<style>{STYLE}</style>", "</head>", "<body>",
           '<header><h1>Reverse hyperextension block</h1>',
           f'<p class="note">Rule set {e(ruleset.title)} ({e(ruleset.id)} {e(ruleset.version)}). Fill in the client\'s '
           "profile, or open a profile file, and the block appears on this page.</p></header>", "<main>"]
    if outcome is not None and outcome.problems:
        out += _summary(outcome.problems, errors, loose, known)
    if outcome is not None and outcome.block is not None:
        out += _result(page, ruleset, outcome)
    out += _file_form(page, ruleset, outcome if from_file else None)
    out += ['<form id="profile-form" method="post" action="/" novalidate>',
            '<h2>The client\'s profile</h2>',
            '<p class="help">Fields marked <span class="required">*</span> are required; leave the others empty '
            'when you do not know them.</p>']
    out += _ruleset_choice(page, ruleset)
    for group in groups:
        out += _group(group, values, errors)
    out += ['<p><button type="submit">Write the block</button></p>', "</form>", "</main>",
            f"<script>{SCRIPT}</script>", "</body>", "</html>", ""]
    return "\n".join(out)


def _nested(values: Mapping[str, Sequence[str]]) -> dict[str, Any]:
    """How many rows each list of tables needs for ``values`` (flat paths -> a skeleton the form builder reads):
    up to the last row with something in it."""
    out: dict[str, Any] = {}
    for path, given in values.items():
        found = re.match(r"^([a-z_.]+)\[(\d+)\]", path) if any(v.strip() for v in given) else None
        if found:
            head, index = found.group(1), int(found.group(2))
            node: Any = out
            keys = head.split(".")
            for key in keys[:-1]:
                node = node.setdefault(key, {})
            rows = node.setdefault(keys[-1], [])
            while len(rows) <= index:
                rows.append({})
    return out


def _summary(problems, errors, loose, known) -> list[str]:
    out = ['<div id="problems" class="summary" role="alert" tabindex="-1" aria-labelledby="problems-title">',
           f'<h2 id="problems-title">The profile has {len(problems)} problem{"s" if len(problems) != 1 else ""}</h2>',
           "<ul>"]
    for problem in problems:
        where = field_for(problem, known)
        text = e(_message(problem))
        if where is not None:
            out.append(f'<li><a href="#{_id(where)}">{e(problem.path)}</a>: {text}</li>')
        else:
            place = problem.file + (f":{problem.line}" if problem.line else "") + \
                (f":{problem.column}" if problem.line and problem.column else "")
            path = f"{problem.path}: " if problem.path else ""
            out.append(f"<li>{e(place)}: {e(path)}{text}</li>")
    out += ["</ul>", "</div>"]
    return out


def _message(problem: Problem) -> str:
    return problem.message + (f" (did you mean '{problem.suggestion}'?)" if problem.suggestion else "")


def _result(page: Page, ruleset: RuleSet, outcome: Outcome) -> list[str]:
    from ..export.builtin_exporters import html_sections
    from ..export.clearance_request import html_parts
    from ..engine.explain import explain_to_text

    block = outcome.block
    who = f" for {block.person_id}" if block.person_id else ""
    out = ['<section id="result" tabindex="-1" aria-labelledby="result-title">',
           f'<h2 id="result-title">The block{e(who)}</h2>', *html_sections(block, week_rows=True)]
    if block.status == "needs_clearance":
        out += ['<section class="request" aria-label="Clearance request">', *html_parts(block, heading=2), "</section>"]
    out += ["<details><summary>Why: every rule, cap and number (revhyper explain)</summary>",
            f"<pre>{e(explain_to_text(outcome.trace))}</pre></details>"]
    out += _downloads(page, ruleset, outcome)
    out.append("</section>")
    return out


def _downloads(page: Page, ruleset: RuleSet, outcome: Outcome) -> list[str]:
    offered = [f for f in page.formats.listing["formats"] if outcome.block.status in f.get("statuses", ())]
    out = ['<section class="downloads" aria-labelledby="downloads-title"><h2 id="downloads-title">Download</h2>',
           '<form method="post" action="/">',
           f'<input type="hidden" name="ruleset" value="{e(ruleset.id)}">',
           f'<input type="hidden" name="profile_kind" value="{e(outcome.kind)}">',
           f'<textarea name="profile_text" hidden aria-hidden="true" tabindex="-1">{e(outcome.body.decode("utf-8"))}</textarea>']
    for f in offered:
        out.append(f'<button type="submit" class="secondary" name="download" value="{e(f["name"])}" '
                   f'title="{e(f["description"])}">{e(f["name"])} ({e(f["suffix"])})</button>')
    out += ["</form>", "</section>"]
    return out


def _file_form(page: Page, ruleset: RuleSet, outcome: Outcome | None) -> list[str]:
    text = outcome.body.decode("utf-8") if outcome is not None else ""
    return ['<form id="file-form" method="post" action="/" aria-labelledby="file-title">',
            '<div id="drop"><h2 id="file-title">Open a profile file</h2>',
            '<p class="help" id="file-help">Drop a TOML or JSON profile (docs/profile.md) here, or choose one; '
            "its values fill in the form below.</p>",
            '<label for="profile-file">Profile file</label> '
            '<input type="file" id="profile-file" accept=".toml,.json,application/json,application/toml" '
            'aria-describedby="file-help">',
            '<input type="hidden" name="profile_name" id="profile-name" value="">',
            f'<input type="hidden" name="ruleset" value="{e(ruleset.id)}">',
            "<details><summary>Or paste a profile</summary>",
            '<label for="profile-text">Profile (TOML or JSON)</label>',
            f'<textarea id="profile-text" name="profile_text" spellcheck="false">{e(text)}</textarea>',
            '<p><button type="submit">Write the block from this profile</button></p></details>',
            "</div></form>"]


def _ruleset_choice(page: Page, ruleset: RuleSet) -> list[str]:
    if len(page.config.rulesets) < 2:
        return [f'<input type="hidden" name="ruleset" value="{e(ruleset.id)}">']
    options = "".join(f'<option value="{e(k)}"{" selected" if k == ruleset.id else ""}>{e(r.title)} ({e(k)})</option>'
                      for k, r in sorted(page.config.rulesets.items()))
    return ['<div class="field"><label for="f-ruleset">Rule set</label>',
            f'<select id="f-ruleset" name="ruleset">{options}</select></div>']


def _group(group: Group, values, errors) -> list[str]:
    gid = _id(group.path)
    problems = errors.get(group.path, [])
    described = ([f"{gid}-error"] if problems else []) + ([f"{gid}-help"] if group.help else [])
    star = ' <span class="required" aria-hidden="true">*</span>' if group.required else ""
    out = [f'<fieldset id="{gid}"' + (f' aria-describedby="{" ".join(described)}"' if described else "") + ">",
           f"<legend>{e(group.legend)}{star}</legend>"]
    if problems:
        out.append(_errors(f"{gid}-error", problems))
    if group.help:
        out.append(f'<p class="help" id="{gid}-help">{e(group.help)}</p>')
    for item in group.items:
        out += _group(item, values, errors) if isinstance(item, Group) else _field(item, values, errors)
    out.append("</fieldset>")
    return out


def _errors(element_id: str, problems: Sequence[Problem]) -> str:
    return f'<p class="error" id="{element_id}">' + "<br>".join(e(_message(p)) for p in problems) + "</p>"


def _field(field: Field, values, errors) -> list[str]:
    fid = _id(field.path)
    given = list(values.get(field.path, ()))
    problems = errors.get(field.path, [])
    described = ([f"{fid}-error"] if problems else []) + ([f"{fid}-help"] if field.help else [])
    aria = (f' aria-describedby="{" ".join(described)}"' if described else "") + \
        (' aria-invalid="true"' if problems else "") + (' aria-required="true"' if field.required else "")
    star = ' <span class="required" aria-hidden="true">*</span>' if field.required else ""
    help_ = f'<p class="help" id="{fid}-help">{e(field.help)}</p>' if field.help else ""
    error = _errors(f"{fid}-error", problems) if problems else ""
    name = e(field.path)
    if field.kind == "boolean":
        checked = " checked" if given and given[-1] else ""
        return [f'<div class="field"><div class="check"><input type="checkbox" id="{fid}" name="{name}" value="true"'
                f"{checked}{aria}>", f'<label for="{fid}">{e(field.label)}</label></div>{error}{help_}</div>']
    if field.kind == "words":
        boxes = []
        for i, choice in enumerate(field.choices):
            cid = f"{fid}-{i}"
            chelp = f' aria-describedby="{cid}-help"' if choice.help else ""
            boxes.append(f'<div class="check"><input type="checkbox" id="{cid}" name="{name}" value="{e(choice.value)}"'
                         f'{" checked" if choice.value in given else ""}{chelp}>'
                         f'<label for="{cid}">{e(choice.value)}'
                         + (f' <span class="help" id="{cid}-help">: {e(choice.help)}</span>' if choice.help else "")
                         + "</label></div>")
        unknown = [v for v in given if v and v not in {c.value for c in field.choices}]
        for j, word in enumerate(unknown):  # a file's word the vocabulary does not have: kept, so its error shows
            boxes.append(f'<div class="check"><input type="checkbox" id="{fid}-x{j}" name="{name}" value="{e(word)}" '
                         f'checked><label for="{fid}-x{j}">{e(word)}</label></div>')
        group_aria = f' aria-describedby="{" ".join(described)}"' if described else ""
        return [f'<fieldset id="{fid}" class="field"{group_aria}><legend>{e(field.label)}{star}</legend>{error}{help_}',
                f'<div class="words">{"".join(boxes)}</div></fieldset>']
    label = f'<label for="{fid}">{e(field.label)}{star}</label>'
    current = given[-1] if given else ""
    if field.kind == "select":
        names = [c.value for c in field.choices]
        options = ['<option value="">(not given)</option>']
        if current and current not in names:
            options.append(f'<option value="{e(current)}" selected>{e(current)}</option>')
        options += [f'<option value="{e(c.value)}"{" selected" if c.value == current else ""}>{e(c.value)}</option>'
                    for c in field.choices]
        control = f'<select id="{fid}" name="{name}"{aria}>{"".join(options)}</select>'
    elif field.kind in ("integer", "number"):
        limits = (f' min="{field.minimum:g}"' if field.minimum is not None else "") + \
            (f' max="{field.maximum:g}"' if field.maximum is not None else "")
        step = "1" if field.kind == "integer" else "any"
        control = (f'<input type="number" id="{fid}" name="{name}" value="{e(current)}" step="{step}"{limits} '
                   f'inputmode="{"numeric" if field.kind == "integer" else "decimal"}"{aria}>')
    elif field.kind == "date":
        control = f'<input type="date" id="{fid}" name="{name}" value="{e(current)}"{aria}>'
    else:
        control = f'<input type="text" id="{fid}" name="{name}" value="{e(current)}"{aria}>'
    return [f'<div class="field">{label}{control}{error}{help_}</div>']
