"""Every built-in format, read back by an independent parser, says what the block says."""

from __future__ import annotations

import csv
import html.parser
import io
import json
import tomllib

import pytest

from revhyper.export.builtin_exporters import CSV_COLUMNS
from revhyper.export.exporters import render
from revhyper.plugins import all_exporters
from revhyper.testing import CONTRACT, run_check

BUILTIN = ("json", "text", "toml", "csv", "markdown", "html")


@pytest.mark.parametrize("name", BUILTIN)
@pytest.mark.parametrize("check", CONTRACT, ids=lambda c: c.__name__)
def test_builtin_formats_keep_the_exporter_contract(name, check):
    run_check(check, all_exporters()[name])


def exercise_rows(block):
    return [(w, s, e) for w in block.weeks for s in w.sessions for e in s.exercises]


def test_toml_reads_back_to_the_canonical_block_without_nulls(make_block):
    block = make_block()
    data = tomllib.loads(render(block, "toml").decode())
    canonical = json.loads(render(block, "json"))
    assert data["ruleset"] == canonical["ruleset"] and data["status"] == "generated"
    assert data["weeks"][5]["sessions"][2]["exercises"][0] == canonical["weeks"][5]["sessions"][2]["exercises"][0]
    assert "referral" not in data and canonical["referral"] is None


def test_csv_has_one_row_per_set_with_the_blocks_numbers(make_block):
    block = make_block()
    rows = list(csv.DictReader(io.StringIO(render(block, "csv").decode(), newline="")))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert len(rows) == sum(e.sets for _, _, e in exercise_rows(block))
    expected = [(w.number, s.number, s.date.isoformat(), n, e.reps, e.load_kg) for w, s, e in exercise_rows(block)
                for n in range(1, e.sets + 1)]
    got = [(int(r["week"]), int(r["session"]), r["date"], int(r["set"]), int(r["reps"]), float(r["load_kg"])) for r in rows]
    assert got == expected


def test_csv_of_a_refused_block_says_where_to_go(make_block):
    rows = list(csv.DictReader(io.StringIO(render(make_block(red_flags={"fever": True}), "csv").decode())))
    assert len(rows) == 1 and rows[0]["status"] == "refused" and rows[0]["note"].startswith("Refer: A doctor")


def test_markdown_handout_has_a_table_per_week_with_the_numbers(make_block):
    block = make_block()
    text = render(block, "markdown").decode()
    assert text.count("| session | date | sets x reps | load | range | tempo | rest |") == len(block.weeks)
    w, s, e = exercise_rows(block)[0]
    assert f"| 1 | {s.date.isoformat()} | {e.sets} x {e.reps} | {e.load_kg} kg ({e.load_percent} %) |" in text
    assert block.pain_rule.during in text and block.disclaimer in text.replace("\n", " ")


class _Collector(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.cells, self.external, self._cell = [], [], [], None

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for key, value in attrs:
            if key in ("src", "href") and value and not value.startswith("#"):
                self.external.append(value)
        if tag == "td":
            self._cell = ""

    def handle_endtag(self, tag):
        if tag == "td":
            self.cells.append(self._cell)
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data


def test_html_is_self_contained_with_a_chart_and_the_numbers(make_block):
    block = make_block()
    page = _Collector()
    page.feed(render(block, "html").decode())
    assert page.external == [] and "script" not in page.tags
    assert page.tags.count("svg") == 1 and page.tags.count("polyline") == 1
    assert page.tags.count("circle") == len(block.weeks)
    w, s, e = exercise_rows(block)[0]
    assert [s.date.isoformat(), f"{e.sets} x {e.reps}", f"{e.load_kg} kg ({e.load_percent} %)"] == page.cells[1:4]


def test_html_escapes_everything_it_is_given(make_block):
    block = make_block(person={"id": "<script>alert(1)</script>"})
    text = render(block, "html").decode()
    assert "<script>" not in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text


READABLE = {"text": ("Caps applied", "Caps that will apply once cleared", "Pain rule for the whole block"),
            "markdown": ("## Limits\n", "## Limits once cleared", "## Pain rule"),
            "html": ("<h2>Limits</h2>", "<h2>Limits once cleared</h2>", "<h2>Pain rule</h2>")}


@pytest.mark.parametrize("name", READABLE)
def test_a_refusal_reads_as_a_referral_not_as_a_programme(make_block, name):
    """An emergency referral with caps, a pain rule and training notes under it would read as if training went on."""
    block = make_block(red_flags={"saddle_anesthesia": True}, pain={"current": 5, "radiating_below_knee": True})
    assert block.status == "refused" and block.screening.caps, "caps were worked out, and are in the JSON"
    page = render(block, name).decode()
    applied, once_cleared, pain_rule = READABLE[name]
    assert "Emergency department, today" in page and block.screening.fired[0].reason in page.replace("&#x27;", "'")
    assert applied not in page and once_cleared not in page and pain_rule not in page
    assert not any(note[:40] in page for note in block.notes)
    assert json.loads(render(block, "json"))["caps"], "the canonical block keeps everything"


@pytest.mark.parametrize("name", READABLE)
def test_limits_say_whether_they_apply_now_or_once_cleared(make_block, name):
    applied, once_cleared, pain_rule = READABLE[name]
    waiting = render(make_block(history={"conditions": ["spondylolisthesis"]}), name).decode()
    assert once_cleared in waiting and applied not in waiting and pain_rule in waiting
    going = render(make_block(history={"conditions": ["hernia"]}), name).decode()
    assert applied in going and once_cleared not in going and pain_rule in going
