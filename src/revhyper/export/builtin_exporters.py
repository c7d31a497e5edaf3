"""The formats that ship with revhyper, registered through the same hook as any plugin."""

from __future__ import annotations

import csv
import html
import io
from typing import Any

from ..engine.block import Block
from .canonical import block_to_dict, block_to_json
from .exporters import Exporter
from ..hookspecs import hookimpl
from .markup import md_escape
from .text_view import STATUS_WORDS, block_to_text, caps_change, caps_text, shows_limits, shows_training_advice


@hookimpl
def revhyper_register_exporters(register):
    register(Exporter("json", ".json", "application/json", block_to_json, "canonical JSON block (docs/block.md)"))
    register(Exporter("text", ".txt", "text/plain; charset=utf-8", lambda b: block_to_text(b).encode("utf-8"),
                      "readable view for the terminal: a table per week"))
    register(Exporter("toml", ".toml", "application/toml", to_toml, "the canonical block as TOML (null values left out)"))
    register(Exporter("csv", ".csv", "text/csv; charset=utf-8", to_csv, "one row per set, for spreadsheets"))
    register(Exporter("markdown", ".md", "text/markdown; charset=utf-8", to_markdown, "a printable handout"))
    register(Exporter("html", ".html", "text/html; charset=utf-8", to_html,
                      "a self-contained page with a chart of weekly load and volume"))
    register(Exporter("clearance-request", ".md", "text/markdown; charset=utf-8", _request("to_markdown"),
                      "the clearance request a coach sends to a clinician (markdown)"))
    register(Exporter("clearance-request-html", ".html", "text/html; charset=utf-8", _request("to_html"),
                      "the clearance request a coach sends to a clinician (a self-contained page)"))


def _request(renderer: str):
    """The clearance request's renderer, imported when it is used (not at start-up)."""
    def export(block: Block) -> bytes:
        from . import clearance_request

        return getattr(clearance_request, renderer)(block)
    return export


# -- toml ------------------------------------------------------------------------------------------

def _drop_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_none(v) for v in value]
    return value


def to_toml(block: Block) -> bytes:
    """TOML has no null: keys whose value is null in the JSON block are left out."""
    import tomli_w

    return tomli_w.dumps(_drop_none(block_to_dict(block))).encode("utf-8")


# -- csv -------------------------------------------------------------------------------------------

CSV_COLUMNS = ("status", "week", "phase", "deload", "session", "date", "set", "exercise", "variant", "reps",
               "load_kg", "load_percent", "rom_percent", "tempo", "rest_seconds", "note")


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""A cell starting with one of these is a formula (or DDE command) to a spreadsheet (OWASP, CSV injection)."""


def _cell(value: Any) -> str:
    """One cell's text. Text that a spreadsheet would run as a formula gets a leading ``'`` (OWASP's advice): it
    then shows as text. Every number revhyper writes is non-negative, so the guard never changes a number."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def to_csv(block: Block) -> bytes:
    """RFC 4180 with a header row; one row per set. A block without sessions has one row saying why. Every cell
    goes through :func:`_cell`, so no text from a profile or rule set reaches a spreadsheet as a formula."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    if not block.weeks:
        writer.writerow([block.status] + [""] * (len(CSV_COLUMNS) - 2) + [_cell(_why_no_sessions(block))])
    for week in block.weeks:
        for session in week.sessions:
            for e in session.exercises:
                for number in range(1, e.sets + 1):
                    writer.writerow([_cell(v) for v in (
                        block.status, week.number, week.phase_name, week.deload, session.number,
                        session.date and session.date.isoformat(), number, e.name, e.variant, e.reps, e.load_kg,
                        e.load_percent, e.rom_percent, e.tempo, e.rest_seconds, "")])
    return out.getvalue().encode("utf-8")


def _why_no_sessions(block: Block) -> str:
    if block.referral is not None:
        return f"Refer: {block.referral.to}. {block.referral.message}"
    if block.status == "needs_clearance":
        return "A clinician must clear exercise first because of: " + block.screening.still_needed() + "."
    return " ".join(block.adjustments) or "No exercise programme."


# -- markdown --------------------------------------------------------------------------------------

def _md(value: Any) -> str:
    """Every field of the handout that is not revhyper's own wording: see :func:`revhyper.markup.md_escape`."""
    return md_escape(str(value))


def _load_text(e) -> str:
    return "bodyweight" if e.load_kg is None else f"{e.load_kg} kg ({e.load_percent} %)"


def to_markdown(block: Block) -> bytes:
    lines: list[str] = []
    add = lines.append
    plan = block.plan
    add("# Reverse hyperextension block" + (f": {_md(plan.program_name)}" if plan else ""))
    add("")
    add(f"**Status:** {STATUS_WORDS[block.status]}  ")
    if block.person_id:
        add(f"**Client:** {_md(block.person_id)}  ")
    add(f"**Rule set:** {_md(block.ruleset.id)} {_md(block.ruleset.version)} (sha256 `{block.ruleset.sha256[:12]}`), "
        f"revhyper {_md(block.generator_version)}")
    add("")
    add(f"> {_md(block.disclaimer)}")
    add("")
    if block.referral is not None:
        add(f"## Referral ({_md(block.referral.urgency)})")
        add("")
        add(f"**{_md(block.referral.to)}.** {_md(block.referral.message)}")
        add("")
    if block.status == "needs_clearance":
        add("## Clearance needed")
        add("")
        add("A clinician must assess and clear exercise first, because of: " + _md(block.screening.still_needed())
            + ". `--format clearance-request` writes the form to send.")
        add("")
    if block.screening.fired:
        add("## Screening")
        add("")
        add("| rule | action | why | source |")
        add("| --- | --- | --- | --- |")
        for f in block.screening.fired:
            add(f"| {_md(f.title)} | {_md(f.action)} | {_md(f.reason)} | {_md(f.citation)} |")
        add("")
    if shows_limits(block):
        add("## Limits" + ("" if block.status == "generated" else " once cleared")
            + (" at the start (they change during the block: see the weeks)" if caps_change(block) else ""))
        add("")
        for cap in block.screening.caps:
            value = ", ".join(sorted(cap.value)) if isinstance(cap.value, frozenset) else cap.value
            add(f"- **{_md(cap.name)} = {_md(value)}**: {_md(cap.meaning)} (set by {_md(', '.join(cap.set_by))})")
        add("")
    for note in (*block.adjustments, *block.warnings):
        add(f"- {_md(note)}")
    if block.adjustments or block.warnings:
        add("")
    if plan is not None:
        start = f", starting {plan.start_date.isoformat()}" if plan.start_date else ""
        add(f"## The plan: {_md(plan.variant_name)}")
        add("")
        add(f"{plan.weeks} weeks, {plan.days_per_week} sessions a week{start}.")
        add("")
        last_caps = block.screening.merged_caps
        for week in block.weeks:
            add(f"### Week {week.number}: {_md(week.phase_name)}" + (" (lighter week)" if week.deload else ""))
            add("")
            if week.caps != last_caps:
                add(f"Limits from this week: {_md(caps_text(week.caps))} (rules: {_md(', '.join(week.rules) or 'none')})")
                add("")
                last_caps = week.caps
            add("| session | date | sets x reps | load | range | tempo | rest |")
            add("| --- | --- | --- | --- | --- | --- | --- |")
            for session in week.sessions:
                e = session.exercises[0]
                date = session.date.isoformat() if session.date else "-"
                add(f"| {session.number} | {date} | {e.sets} x {e.reps} | {_load_text(e)} | {e.rom_percent} % | "
                    f"{_md(e.tempo)} | {e.rest_seconds} s |")
            add("")
        add("### Cues")
        add("")
        for cue in dict.fromkeys(c for w in block.weeks for c in w.sessions[0].exercises[0].cues):
            add(f"- {_md(cue)}")
        add("")
    if shows_training_advice(block):
        add("## Pain rule")
        add("")
        for text in (block.pain_rule.during, block.pain_rule.after, block.pain_rule.week_to_week,
                     block.pain_rule.if_exceeded):
            add(f"- {_md(text)}")
        add("")
        for note in block.notes:
            add(f"_{_md(note)}_")
            add("")
    return "\n".join(lines).encode("utf-8")


# -- html ------------------------------------------------------------------------------------------

def _weekly_series(block: Block) -> list[dict[str, Any]]:
    series = []
    for week in block.weeks:
        e = week.sessions[0].exercises[0]
        series.append({"week": week.number, "deload": week.deload, "load_kg": e.load_kg,
                       "load_percent": e.load_percent, "volume": e.sets * e.reps * len(week.sessions),
                       "rom": e.rom_percent})
    return series


def chart_svg(block: Block) -> str:
    """An inline SVG: bars of weekly volume (sets x reps x sessions), a line of load, deload weeks shaded."""
    series = _weekly_series(block)
    if not series:
        return ""
    width, height, left, right, top, bottom = 760, 300, 56, 56, 24, 44
    plot_w, plot_h = width - left - right, height - top - bottom
    n = len(series)
    slot = plot_w / n
    max_volume = max(s["volume"] for s in series) or 1
    loads = [s["load_kg"] for s in series if s["load_kg"] is not None]
    load_label = "load (kg)"
    if not loads:
        loads_by_week = [s["rom"] for s in series]
        load_label = "range of motion (%)"
    else:
        loads_by_week = [s["load_kg"] or 0 for s in series]
    max_load = max(loads_by_week) or 1
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
             f'role="img" aria-label="Weekly volume and {load_label} across the block">',
             f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>']
    for i, s in enumerate(series):
        x = left + i * slot
        if s["deload"]:
            parts.append(f'<rect x="{x:.1f}" y="{top}" width="{slot:.1f}" height="{plot_h}" fill="#fdf1d6"/>')
        bar_h = plot_h * s["volume"] / max_volume
        parts.append(f'<rect x="{x + slot * 0.2:.1f}" y="{top + plot_h - bar_h:.1f}" width="{slot * 0.6:.1f}" '
                     f'height="{bar_h:.1f}" fill="#6c9bd2"><title>Week {s["week"]}: volume {s["volume"]} repetitions'
                     f'</title></rect>')
        parts.append(f'<text x="{x + slot / 2:.1f}" y="{height - bottom + 16}" font-size="11" text-anchor="middle" '
                     f'fill="#333">{s["week"]}</text>')
    points = " ".join(f"{left + (i + 0.5) * slot:.1f},{top + plot_h - plot_h * v / max_load:.1f}"
                      for i, v in enumerate(loads_by_week))
    parts.append(f'<polyline points="{points}" fill="none" stroke="#c0392b" stroke-width="3"/>')
    for i, v in enumerate(loads_by_week):
        parts.append(f'<circle cx="{left + (i + 0.5) * slot:.1f}" cy="{top + plot_h - plot_h * v / max_load:.1f}" r="4" '
                     f'fill="#c0392b"><title>Week {series[i]["week"]}: {load_label} {v}</title></circle>')
    parts.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#333"/>')
    parts.append(f'<text x="{left - 8}" y="{top + 10}" font-size="11" text-anchor="end" fill="#6c9bd2">{max_volume}</text>')
    parts.append(f'<text x="{left + plot_w + 8}" y="{top + 10}" font-size="11" fill="#c0392b">{max_load:g}</text>')
    parts.append(f'<text x="{left}" y="{height - 6}" font-size="12" fill="#333">week</text>')
    parts.append(f'<text x="{left + 60}" y="{height - 6}" font-size="12" fill="#6c9bd2">bars: volume (sets x reps x sessions)'
                 f'</text>')
    parts.append(f'<text x="{left + 330}" y="{height - 6}" font-size="12" fill="#c0392b">line: {load_label}</text>')
    parts.append(f'<text x="{left + 520}" y="{height - 6}" font-size="12" fill="#b7950b">shaded: lighter weeks</text>')
    parts.append("</svg>")
    return "\n".join(parts)


STYLE = """body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:860px;margin:2em auto;color:#222;
padding:0 1em}h1{font-size:1.6em}table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;
padding:.25em .6em;text-align:left}th{background:#f3f3f3}.status{padding:.6em 1em;border-radius:6px;font-weight:600}
.generated{background:#e3f4e6}.needs_clearance{background:#fff4d6}.refused{background:#fbe3e3}.note{color:#555}
blockquote{border-left:4px solid #ccc;margin:1em 0;padding:.2em 1em;color:#444}@media print{.chart{break-inside:avoid}}"""


def to_html(block: Block) -> bytes:
    e = html.escape
    plan = block.plan
    out = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
           f"<title>Reverse hyper block{': ' + e(plan.program_name) if plan else ''}</title>",
           f"<style>{STYLE}</style>", "</head>", "<body>",
           f"<h1>Reverse hyperextension block{': ' + e(plan.program_name) if plan else ''}</h1>",
           *html_sections(block), "</body>", "</html>", ""]
    return "\n".join(out).encode("utf-8")


def _week_rows(block: Block) -> list[str]:
    e = html.escape
    out = ['<table class="weeks"><caption>Week by week (every session of a week is the same)</caption>',
           '<tr><th scope="col">week</th><th scope="col">phase</th><th scope="col">sessions</th>'
           '<th scope="col">sets x reps</th><th scope="col">load</th><th scope="col">range</th><th scope="col">tempo</th>'
           '<th scope="col">rest</th><th scope="col">limits from this week</th></tr>']
    last_caps = block.screening.merged_caps
    for week in block.weeks:
        x = week.sessions[0].exercises[0]
        dates = [s.date.isoformat() for s in week.sessions if s.date]
        sessions = f"{len(week.sessions)}: {', '.join(dates)}" if dates else str(len(week.sessions))
        limits = ""
        if week.caps != last_caps:
            limits = f"{caps_text(week.caps)} (rules: {', '.join(week.rules) or 'none'})"
            last_caps = week.caps
        out.append(f'<tr><th scope="row">{week.number}</th><td>{e(week.phase_name)}'
                   f"{' (lighter week)' if week.deload else ''}</td><td>{e(sessions)}</td><td>{x.sets} x {x.reps}</td>"
                   f"<td>{e(_load_text(x))}</td><td>{x.rom_percent} %</td><td>{e(x.tempo)}</td>"
                   f"<td>{x.rest_seconds} s</td><td>{e(limits)}</td></tr>")
    out.append("</table>")
    return out


def html_sections(block: Block, *, week_rows: bool = False) -> list[str]:
    """The page's body after its title, one line of HTML each: the status, referral, screening, limits, chart,
    weeks, cues and pain rule. The coach's page in ``revhyper serve`` shows the same, with ``week_rows``: one
    table with a row a week (the sessions of a week have one prescription) instead of a table a week."""
    e = html.escape
    plan = block.plan
    out = [f'<p class="status {block.status}">{e(STATUS_WORDS[block.status])}</p>',
           f'<p class="note">Rule set {e(block.ruleset.id)} {e(block.ruleset.version)} (sha256 '
           f'<code>{e(block.ruleset.sha256[:12])}</code>), revhyper {e(block.generator_version)}'
           + (f"; client {e(block.person_id)}" if block.person_id else "") + "</p>",
           f"<blockquote>{e(block.disclaimer)}</blockquote>"]
    if block.referral is not None:
        out.append(f"<h2>Referral ({e(block.referral.urgency)})</h2><p><strong>{e(block.referral.to)}.</strong> "
                   f"{e(block.referral.message)}</p>")
    if block.status == "needs_clearance":
        out.append("<h2>Clearance needed</h2><p>A clinician must assess and clear exercise first, because of: "
                   f"{e(block.screening.still_needed())}.</p>")
    if block.screening.fired:
        out.append("<h2>Screening</h2><table><tr><th>rule</th><th>action</th><th>why</th><th>source</th></tr>")
        for f in block.screening.fired:
            out.append(f"<tr><td>{e(f.title)}</td><td>{e(f.action)}</td><td>{e(f.reason)}</td><td>{e(f.citation)}</td></tr>")
        out.append("</table>")
    if shows_limits(block):
        changing = " at the start (they change during the block: see the weeks)" if caps_change(block) else ""
        out.append(f"<h2>Limits{'' if block.status == 'generated' else ' once cleared'}{changing}</h2><ul>")
        for cap in block.screening.caps:
            value = ", ".join(sorted(cap.value)) if isinstance(cap.value, frozenset) else cap.value
            out.append(f"<li><strong>{e(cap.name)} = {e(str(value))}</strong>: {e(cap.meaning)} "
                       f"(set by {e(', '.join(cap.set_by))})</li>")
        out.append("</ul>")
    if block.adjustments or block.warnings:
        out.append("<ul>" + "".join(f"<li>{e(n)}</li>" for n in (*block.adjustments, *block.warnings)) + "</ul>")
    if plan is not None:
        start = f", starting {plan.start_date.isoformat()}" if plan.start_date else ""
        out.append(f"<h2>The plan: {e(plan.variant_name)}</h2><p>{plan.weeks} weeks, {plan.days_per_week} sessions a "
                   f"week{e(start)}.</p>")
        out.append(f'<div class="chart">{chart_svg(block)}</div>')
        last_caps = block.screening.merged_caps
        if week_rows:
            out.extend(_week_rows(block))
        for week in () if week_rows else block.weeks:
            out.append(f"<h3>Week {week.number}: {e(week.phase_name)}{' (lighter week)' if week.deload else ''}</h3>")
            if week.caps != last_caps:
                out.append(f"<p>Limits from this week: {e(caps_text(week.caps))} "
                           f"(rules: {e(', '.join(week.rules) or 'none')})</p>")
                last_caps = week.caps
            out.append("<table><tr><th>session</th><th>date</th><th>sets x reps</th><th>load</th><th>range</th>"
                       "<th>tempo</th><th>rest</th></tr>")
            for session in week.sessions:
                x = session.exercises[0]
                date = session.date.isoformat() if session.date else "-"
                out.append(f"<tr><td>{session.number}</td><td>{date}</td><td>{x.sets} x {x.reps}</td>"
                           f"<td>{e(_load_text(x))}</td><td>{x.rom_percent} %</td><td>{e(x.tempo)}</td>"
                           f"<td>{x.rest_seconds} s</td></tr>")
            out.append("</table>")
        cues = dict.fromkeys(c for w in block.weeks for c in w.sessions[0].exercises[0].cues)
        out.append("<h2>Cues</h2><ul>" + "".join(f"<li>{e(c)}</li>" for c in cues) + "</ul>")
    if shows_training_advice(block):
        pain = block.pain_rule
        out.append("<h2>Pain rule</h2><ul>" + "".join(
            f"<li>{e(t)}</li>" for t in (pain.during, pain.after, pain.week_to_week, pain.if_exceeded)) + "</ul>")
        out.extend(f'<p class="note">{e(n)}</p>' for n in block.notes)
    return out
