"""Each text format, read back with an independent library, shows hostile profile and rule-set text as text.

Readers: markdown-it-py (a CommonMark renderer), html5lib (an HTML5 parser, as browsers parse), the csv module.
The FIT and iCalendar adapters have their own read-back tests under plugins/ (fitdecode, vobject).
"""

from __future__ import annotations

import csv
import io
import json

import html5lib
import pytest
from markdown_it import MarkdownIt

import revhyper
from helpers import HEALTHY, ROOT, merge
from revhyper.export.builtin_exporters import FORMULA_START
from revhyper.export.exporters import render

HOSTILE = ("<img src=x onerror=alert(1)>", "<script>alert(1)</script>", "[click](javascript:alert(1))",
           "![pixel](http://evil.example/p.png)", "<http://evil.example>", "**bold** | cell", "`code`", "&lt;b&gt;")
LINE_STARTS = ("- item", "1. one", "# heading", "> quote", "+ plus", "---")
FORMULAS = ("=HYPERLINK(\"http://evil.example\",\"x\")", "+1+1", "-2+3", "@SUM(A1)", "\tTAB", "\rCR")
DEFAULT = (ROOT / "rulesets" / "default.toml").read_text()


def _toml(text: str) -> str:
    return json.dumps(text)  # a JSON string is a TOML basic string


@pytest.fixture(scope="module")
def hostile_rules(tmp_path_factory):
    """The default rule set with hostile text in the strength programme's first phase name, the machine variant's
    name and cues, and a rule that fires for everyone with a hostile title and reason."""
    text = DEFAULT.replace('id = "base"\nname = "Base"', f'id = "base"\nname = {_toml(" ".join(HOSTILE))}')
    text = text.replace('name = "Reverse hyperextension (machine)"', f"name = {_toml(HOSTILE[2] + ' ' + HOSTILE[0])}")
    text = text.replace('    "Hips at the edge of the pad, hold the handles, trunk relaxed.",\n',
                        "".join(f"    {_toml(t)},\n" for t in (*HOSTILE, *LINE_STARTS, *FORMULAS)))
    text += ("\n[rules.hostile_note]\n"
             f"title = {_toml(HOSTILE[1] + ' ' + HOSTILE[3])}\n"
             'when = "pain.current >= 0"\naction = "warn"\n'
             f"reason = {_toml(' '.join(HOSTILE) + ' ' + FORMULAS[0])}\n"
             'source = "nice-ng59"\n')
    path = tmp_path_factory.mktemp("rules") / "hostile.toml"
    path.write_text(text)
    return revhyper.load_ruleset(path)


def hostile_block(rules, person_id: str = HOSTILE[0], **changes):
    data = merge(HEALTHY, {"person": {"id": person_id}, **changes})
    profile = revhyper.parse_profile(json.dumps(data), name="hostile.json", ruleset=rules, kind="json")
    return revhyper.generate(profile, rules)


def elements(page: str) -> list:
    return list(html5lib.parse(page, namespaceHTMLElements=False).iter())


def text_of(page: str) -> str:
    return " ".join("".join(e.itertext()) for e in elements(page) if e.tag == "body")


# -- markdown ---------------------------------------------------------------------------------------

def render_markdown(text: str) -> str:
    return MarkdownIt("commonmark").enable("table").render(text)


@pytest.mark.parametrize("fmt", ["markdown", "clearance-request"])
def test_markdown_renders_hostile_text_as_text_not_elements(hostile_rules, fmt):
    block = hostile_block(hostile_rules)
    assert block.status == "generated" and any("hostile_note" in w.rules for w in block.weeks)
    page = render_markdown(render(block, fmt).decode())
    tags = {e.tag for e in elements(page)}
    assert not tags & {"img", "script", "a"}, tags
    assert tags <= {"html", "head", "body", "h1", "h2", "h3", "p", "br", "ul", "li", "strong", "em", "code", "pre",
                    "blockquote", "table", "thead", "tbody", "tr", "th", "td"}, tags
    shown = text_of(page)
    assert HOSTILE[0] in shown  # the client id, shown exactly as the profile wrote it


def test_markdown_keeps_hostile_text_in_its_place(hostile_rules):
    """Table cells stay cells, list items stay one item each, a field never opens a heading, list or quote."""
    block = hostile_block(hostile_rules)
    text = render(block, "markdown").decode()
    tree = elements(render_markdown(text))
    headings = ["".join(e.itertext()) for e in tree if e.tag in ("h1", "h2", "h3")]
    assert "heading" not in " ".join(headings)
    assert f"Week 1: {' '.join(HOSTILE)}" in headings
    for table in (e for e in tree if e.tag == "table"):
        widths = {len([c for c in row if c.tag in ("td", "th")]) for row in table.iter("tr")}
        assert len(widths) == 1, widths
    screening = next(t for t in tree if t.tag == "table")
    rows = [["".join(c.itertext()) for c in row] for row in screening.iter("tr")][1:]
    assert [HOSTILE[1] + " " + HOSTILE[3], "warn", " ".join(HOSTILE) + " " + FORMULAS[0]] == rows[-1][:3]
    cues = next(e for e in tree if e.tag == "h3" and "".join(e.itertext()) == "Cues")
    items = ["".join(li.itertext()) for ul in tree if ul.tag == "ul" for li in ul if li.tag == "li"]
    for cue in (*HOSTILE, *LINE_STARTS):
        assert cue.replace("\t", " ") in items, cue
    assert not [e for e in tree if e.tag in ("ol", "hr") or (e.tag == "ul" and e.find(".//ul") is not None)]
    assert cues is not None


def test_markdown_escaping_is_invisible_for_plain_text(make_block):
    block = make_block()
    page = render_markdown(render(block, "markdown").decode())
    shown = text_of(page)
    assert block.disclaimer in shown and block.pain_rule.during in shown
    assert block.weeks[0].sessions[0].exercises[0].cues[0] in shown
    assert f"{block.ruleset.id} {block.ruleset.version}" in shown
    raw = render(block, "markdown").decode()
    assert f"{block.ruleset.id} {block.ruleset.version}" in raw, "a version or a date is not escaped: 1.0.0 opens no list"


# -- html -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["html", "clearance-request-html"])
def test_html_parses_hostile_text_as_text_with_html5lib(hostile_rules, fmt):
    block = hostile_block(hostile_rules)
    page = render(block, fmt).decode()
    tree = elements(page)
    assert not [e for e in tree if e.tag in ("img", "script", "a", "iframe")]
    assert not [e for e in tree for k in e.attrib if k.startswith("on")]
    shown = text_of(page)
    assert HOSTILE[0] in shown and (fmt != "html" or HOSTILE[1] in shown)


# -- csv --------------------------------------------------------------------------------------------

def test_csv_cells_never_start_a_formula(hostile_rules):
    block = hostile_block(hostile_rules, person_id="=cmd|' /C calc'!A0")
    rows = list(csv.reader(io.StringIO(render(block, "csv").decode(), newline="")))
    assert len(rows) > 1
    cells = [cell for row in rows for cell in row]
    assert not [c for c in cells if c.startswith(FORMULA_START)]


@pytest.mark.parametrize("value", FORMULAS)
def test_csv_guards_a_formula_from_the_rule_set_and_keeps_it_recognizable(value, tmp_path):
    text = DEFAULT.replace('id = "base"\nname = "Base"', f'id = "base"\nname = {_toml(value)}')
    path = tmp_path / "formula.toml"
    path.write_text(text)
    rules = revhyper.load_ruleset(path)
    rows = list(csv.DictReader(io.StringIO(render(hostile_block(rules), "csv").decode(), newline="")))
    assert {r["phase"] for r in rows if r["week"] == "1"} == {"'" + value}


def test_csv_numbers_and_plain_text_are_not_guarded(make_block):
    block = make_block()
    rows = list(csv.DictReader(io.StringIO(render(block, "csv").decode(), newline="")))
    assert all(float(r["load_kg"]) > 0 and int(r["reps"]) > 0 for r in rows)
    assert {r["tempo"] for r in rows} == {e.tempo for w in block.weeks for s in w.sessions for e in s.exercises}
    assert not [c for r in rows for c in r.values() if c.startswith("'")]
