"""The coach's page at / (docs/service.md#get-): the form, its errors, the result and the downloads, through
Starlette's TestClient and without JavaScript (a plain form POST). tests/test_page_browser.py drives it in
headless Chromium."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import tomllib
from html.parser import HTMLParser

import pytest

pytest.importorskip("starlette")
pytest.importorskip("httpx")

from starlette.testclient import TestClient  # noqa: E402

from revhyper import cli  # noqa: E402
from revhyper.rules.ruleset_loader import default_ruleset  # noqa: E402
from revhyper.service.app import create_app  # noqa: E402
from revhyper.service.config import build_config  # noqa: E402
from revhyper.service.page_form import build_form, fields_of, form_values, load_schema  # noqa: E402

from helpers import EXAMPLES  # noqa: E402

PROFILES = EXAMPLES / "profiles"
CLINIC = EXAMPLES / "rulesets" / "clinic-north.toml"


@pytest.fixture(scope="module")
def client():
    with TestClient(create_app(build_config())) as c:
        yield c


class Page(HTMLParser):
    """The page's elements: every tag with its attributes, the labels' targets, and the ids."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.feed(text)
        self.ids = {a["id"] for _, a in self.tags if a.get("id")}
        self.labelled = {a["for"] for t, a in self.tags if t == "label" and a.get("for")}

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {k: v or "" for k, v in attrs}))

    def controls(self):
        return [(t, a) for t, a in self.tags if t in ("input", "select", "textarea") and a.get("type") != "hidden"
                and "hidden" not in a]


def _cli(capfdbinary, *args) -> bytes:
    cli.main([str(a) for a in args])
    return capfdbinary.readouterr()[0]


def _form_of(path) -> dict[str, list[str]]:
    """What a coach would type into the form for the profile file ``path``."""
    data = json.loads(path.read_text()) if path.suffix == ".json" else tomllib.loads(path.read_text())
    return form_values(data)


def _download(client, page_text: str, format_name: str):
    """Press the page's download button for ``format_name``: post its form as the browser would."""
    form = page_text.split('<section class="downloads"', 1)[1].split("</form>", 1)[0]
    fields = dict(re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)"', form))
    text = re.search(r'<textarea name="profile_text"[^>]*>(.*?)</textarea>', form, re.S).group(1)
    import html

    assert f'name="download" value="{format_name}"' in form, f"no download button for {format_name}"
    return client.post("/", data={**{k: html.unescape(v) for k, v in fields.items()},
                                  "profile_text": html.unescape(text), "download": format_name})


# -- the form ------------------------------------------------------------------------------------------------------

def _schema_leaves(spec, defs, path=""):
    """Every key path of the profile schema that holds a value (lists of tables as row 0)."""
    spec = {**defs.get(spec.get("$ref", "").rsplit("/", 1)[-1], {}), **spec} if "$ref" in spec else spec
    if "properties" in spec:
        for key, sub in spec["properties"].items():
            yield from _schema_leaves(sub, defs, f"{path}.{key}" if path else key)
    elif spec.get("type") == "array" and "properties" in spec.get("items", {}):
        yield from _schema_leaves(spec["items"], defs, f"{path}[0]")
    else:
        yield path


def test_every_field_of_the_profile_schema_is_on_the_form_with_the_schemas_help():
    schema = load_schema()
    fields = fields_of(build_form(schema, default_ruleset(), {}))
    leaves = set(_schema_leaves(schema, schema["$defs"]))
    assert leaves == {p for p in fields if "[1]" not in p}
    assert fields["pain.current"].help == schema["properties"]["pain"]["properties"]["current"]["description"]
    assert fields["person.age"].kind == "integer" and fields["person.age"].required
    assert (fields["person.age"].minimum, fields["person.age"].maximum) == (16, 110)
    # what the schema says about itself is left out of the help: the form does list the rule set's words
    assert "schema" not in fields["history.conditions"].help and fields["history.conditions"].help


def test_the_rule_sets_words_are_the_choices_with_their_meanings(client):
    ruleset = default_ruleset()
    page = client.get("/").text
    for word in ruleset.vocabulary["conditions"]:
        assert f'name="history.conditions" value="{word}"' in page
    for word in ruleset.vocabulary["equipment"]:
        assert f'name="training.equipment" value="{word}"' in page
    surgeries = page.split('name="history.surgeries[0].procedure"', 1)[1].split("</select>", 1)[0]
    assert re.findall(r'<option value="([a-z_]+)"', surgeries) == list(ruleset.vocabulary["surgeries"])
    roles = page.split('name="clearance[0].role"', 1)[1].split("</select>", 1)[0]
    assert re.findall(r'<option value="([a-z_]+)"', roles) == list(ruleset.vocabulary["clinician_roles"])
    for rule in ruleset.rules:  # a clearance names the rules that require clearance, each with its title
        shown = f'name="clearance[0].rules" value="{rule.id}"' in page
        assert shown == (rule.action == "require_clearance")
    assert ruleset.rule("pregnancy").title in page
    for name, restriction in ruleset.restrictions.items():
        assert f'name="clearance[0].restrictions" value="{name}"' in page
        assert restriction.description.replace("'", "&#x27;") in page


def test_a_clinics_rule_set_brings_its_own_words_and_can_be_chosen():
    with TestClient(create_app(build_config([str(CLINIC), "default"]))) as clinic:
        page = clinic.get("/").text
        assert 'value="axial_spondyloarthritis"' in page and 'value="rheumatologist"' in page
        assert '<select id="f-ruleset" name="ruleset">' in page
        default = clinic.get("/?ruleset=revhyper-default").text
        assert 'value="axial_spondyloarthritis"' not in default
        assert '<option value="revhyper-default" selected>' in default


def test_every_control_has_a_label_and_its_help_and_errors_exist(client):
    bad = {**_form_of(PROFILES / "chronic-rehab.toml"), "person.age": ["12"], "training.days_per_week": ["9"]}
    for text in (client.get("/").text, client.post("/", data=bad).text):
        page = Page(text)
        assert ('html', {'lang': 'en'}) in page.tags
        ids = [a["id"] for _, a in page.tags if a.get("id")]
        assert len(ids) == len(set(ids)) > 100, "an id is used twice (a label would find the wrong input)"
        for tag, attrs in page.controls():
            assert attrs.get("id") in page.labelled, f"<{tag} name={attrs.get('name')}> has no label"
        for _, attrs in page.tags:
            for ref in attrs.get("aria-describedby", "").split():
                assert ref in page.ids, f"aria-describedby names a missing id {ref}"
        legends = sum(1 for t, _ in page.tags if t == "legend")
        assert legends == sum(1 for t, _ in page.tags if t == "fieldset")


# -- a form posted without JavaScript ------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["chronic-rehab.toml", "post-microdiscectomy-not-cleared.toml",
                                  "red-flag-cauda-equina.toml", "endurance-runner.json"])
def test_the_form_filled_in_gives_the_block_revhyper_generate_writes(client, capfdbinary, name):
    path = PROFILES / name
    response = client.post("/", data=_form_of(path))
    assert response.status_code == 200, response.text[:2000]
    expected = _cli(capfdbinary, "generate", path)
    status = json.loads(expected)["status"]
    assert f'<p class="status {status}">' in response.text
    downloaded = _download(client, response.text, "json")
    assert downloaded.status_code == 200 and downloaded.content == expected
    assert downloaded.headers["x-revhyper-status"] == status
    assert downloaded.headers["content-disposition"] == 'attachment; filename="revhyper-block-json.json"'


def test_the_result_has_status_referral_table_chart_trace_and_every_format(client, capfdbinary):
    refused = client.post("/", data=_form_of(PROFILES / "red-flag-cauda-equina.toml")).text
    assert re.search(r"<h2>Referral \(emergency\)</h2>", refused)
    assert '<div class="chart">' not in refused
    waiting = client.post("/", data=_form_of(PROFILES / "post-microdiscectomy-not-cleared.toml")).text
    assert '<section class="request" aria-label="Clearance request">' in waiting
    assert "[[clearance]]" in waiting  # the tables the clinician fills in
    page = client.post("/", data=_form_of(PROFILES / "chronic-rehab.toml")).text
    result = page.split('<section id="result"', 1)[1]
    assert result.count("<tr><th scope=\"row\">") == 12  # the week-by-week table, a row a week
    assert "<polyline" in result  # the HTML export's chart
    trace = _cli(capfdbinary, "explain", PROFILES / "chronic-rehab.toml").decode()
    import html

    assert f"<details><summary>Why: every rule, cap and number (revhyper explain)</summary>\n<pre>{html.escape(trace)}</pre>" \
        in result
    listing = json.loads(_cli(capfdbinary, "formats", "--format", "json"))
    for f in listing["formats"]:
        assert f'name="download" value="{f["name"]}"' in result


@pytest.mark.parametrize("format_name", ["csv", "html", "text", "clearance-request"])
def test_a_download_is_what_revhyper_generate_writes_in_that_format(client, capfdbinary, format_name):
    path = PROFILES / "post-microdiscectomy-not-cleared.toml"
    page = client.post("/", data={"profile_text": path.read_text(), "profile_name": path.name}).text
    got = _download(client, page, format_name)
    assert got.status_code == 200
    assert got.content == _cli(capfdbinary, "generate", path, "--format", format_name)


def test_a_bad_value_shows_its_error_next_to_its_field_and_in_the_summary(client):
    data = {**_form_of(PROFILES / "chronic-rehab.toml"), "person.age": ["12"], "training.equipment": ["mat", "matt"]}
    response = client.post("/", data=data)
    assert response.status_code == 422
    page = response.text
    age = page.split('<label for="f-person-age">', 1)[1].split("</div>", 1)[0]
    assert 'aria-invalid="true"' in age and 'aria-describedby="f-person-age-error f-person-age-help"' in age
    assert '<p class="error" id="f-person-age-error">expected a whole number from 16 to 110, got 12' in age
    equipment = page.split('<fieldset id="f-training-equipment"', 1)[1].split("</fieldset>", 1)[0]
    assert "&#x27;matt&#x27; is not in the rule set&#x27;s equipment vocabulary" in equipment
    assert "(did you mean &#x27;mat&#x27;?)" in equipment
    assert 'value="matt" checked' in equipment  # the unknown word stays, so the coach sees what was wrong
    summary = page.split('<div id="problems"', 1)[1].split("</div>", 1)[0]
    assert "The profile has 2 problems" in summary
    assert '<a href="#f-person-age">person.age</a>' in summary
    assert '<a href="#f-training-equipment">training.equipment[1]</a>' in summary
    assert '<section id="result"' not in page


def test_a_missing_required_value_is_shown_at_its_field(client):
    data = {k: v for k, v in _form_of(PROFILES / "chronic-rehab.toml").items() if k != "training.goal"}
    page = client.post("/", data=data).text
    goal = page.split('<label for="f-training-goal">', 1)[1].split("</div>", 1)[0]
    assert 'class="error" id="f-training-goal-error"' in goal


def test_a_problem_without_a_field_goes_in_the_summary_with_its_place(client):
    text = (PROFILES / "chronic-rehab.toml").read_text() + '\n[persn]\nage = 3\n'
    page = client.post("/", data={"profile_text": text, "profile_name": "maria.toml"}).text
    summary = page.split('<div id="problems"', 1)[1].split("</div>", 1)[0]
    line = text.splitlines().index("[persn]") + 1
    assert re.search(rf"<li>maria\.toml:{line}:\d+: persn: unknown", summary) or \
        re.search(rf"<li>maria\.toml:{line}:\d+: unknown[^<]*persn", summary), summary


def test_a_file_fills_the_form_in(client):
    path = PROFILES / "post-microdiscectomy-not-cleared.toml"
    data = tomllib.loads(path.read_text())
    page = client.post("/", data={"profile_text": path.read_text(), "profile_name": path.name}).text
    assert f'id="f-person-age" name="person.age" value="{data["person"]["age"]}"' in page
    assert '<option value="microdiscectomy" selected>' in page
    assert f'id="f-history-surgeries-0-weeks_ago" name="history.surgeries[0].weeks_ago" ' \
           f'value="{data["history"]["surgeries"][0]["weeks_ago"]}"' in page


def test_a_file_that_does_not_parse_says_where(client):
    page = client.post("/", data={"profile_text": '{"person": {"age": 40,}', "profile_name": "x.json"}).text
    assert re.search(r"<li>x\.json:1:\d+: ", page)


# -- safety ------------------------------------------------------------------------------------------------------

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_everything_from_a_profile_is_escaped(client):
    data = {**_form_of(PROFILES / "chronic-rehab.toml"), "person.id": [HOSTILE], "training.equipment": [HOSTILE]}
    form_error = client.post("/", data=data).text
    data["training.equipment"] = ["mat"]
    result = client.post("/", data=data).text
    text = (PROFILES / "chronic-rehab.toml").read_text().replace('id = "maria-46"', f"id = {json.dumps(HOSTILE)}")
    from_file = client.post("/", data={"profile_text": text, "profile_name": HOSTILE}).text
    for page in (form_error, result, from_file):
        assert "<script>alert" not in page and "<img src=x" not in page
        assert page.count("<script>") == 1  # the page's own
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in result


def test_the_page_loads_nothing_from_elsewhere_and_allows_only_its_own_style_and_script(client):
    response = client.get("/")
    policy = response.headers["content-security-policy"]
    assert policy.startswith("default-src 'none';") and "form-action 'self'" in policy
    page = response.text
    for inline, directive in ((r"<style>(.*?)</style>", "style-src"), (r"<script>(.*?)</script>", "script-src")):
        body = re.search(inline, page, re.S).group(1)
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert f"{directive} 'sha256-{digest}'" in policy
    tags = Page(page).tags
    assert not [a for _, a in tags if "src" in a or a.get("rel")]
    assert not [t for t, _ in tags if t in ("link", "iframe", "img", "object")]
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["content-type"] == "text/html; charset=utf-8"


def test_with_api_keys_the_page_needs_one_too():
    config = build_config(api_keys_env="K", environ={"K": "secret"})
    with TestClient(create_app(config)) as keyed:
        assert keyed.get("/").status_code == 401
        assert keyed.get("/", headers={"authorization": "Bearer secret"}).status_code == 200


def test_the_page_takes_only_its_own_form(client):
    assert client.post("/", content=b"{}", headers={"content-type": "application/json"}).status_code == 415
    assert client.post("/", data={"profile_text": "x", "download": "nope"}).status_code == 400


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_text_colours_meet_wcag_aa_contrast_on_white_the_charts_legend_too(client):
    page = client.post("/", data=_form_of(PROFILES / "chronic-rehab.toml")).text
    style = re.search(r"<style>(.*?)</style>", page, re.S).group(1)
    overrides = dict(re.findall(r'\.chart text\[fill="(#[0-9a-f]{6})"\]\{fill:(#[0-9a-f]{6})\}', style))
    chart = page.split('<div class="chart">', 1)[1].split("</svg>", 1)[0]
    assert len(overrides) == 2 and chart.count("<text ") > 10
    for colour in set(re.findall(r'<text [^>]*fill="(#[0-9a-f]{3,6})"', chart)):
        colour = "#" + "".join(c * 2 for c in colour[1:]) if len(colour) == 4 else colour
        shown = overrides.get(colour, colour)
        assert _contrast(shown, "#ffffff") >= 4.5, f"chart text {colour} shown as {shown}"
    for colour in set(re.findall(r"(?<![-\w])color:(#[0-9a-f]{6})", style)) - {"#ffffff"}:
        assert _contrast(colour, "#ffffff") >= 4.5, colour
    assert _contrast("#ffffff", "#0b4f9c") >= 4.5  # the buttons
    assert ":focus-visible{outline:3px solid" in style


def test_lists_of_tables_get_one_empty_row_more_than_are_filled_in(client):
    def rows(page: str) -> int:
        return len(set(re.findall(r'name="history\.surgeries\[(\d+)\]\.procedure"', page)))

    assert rows(client.get("/").text) == 2
    data = {**_form_of(PROFILES / "chronic-rehab.toml"), "history.surgeries[0].procedure": ["microdiscectomy"],
            "history.surgeries[0].weeks_ago": ["30"], "history.surgeries[1].procedure": [""],
            "history.surgeries[1].weeks_ago": [""]}
    page = client.post("/", data=data).text
    assert rows(page) == 2  # the filled row and one empty row, however often the form is sent again
    data["history.surgeries[1].procedure"], data["history.surgeries[1].weeks_ago"] = ["laminectomy"], ["40"]
    assert rows(client.post("/", data=data).text) == 3


def test_a_pasted_profile_stays_in_its_box_without_a_file_name(client):
    text = (PROFILES / "chronic-rehab.toml").read_text()
    page = client.post("/", data={"profile_text": text}).text
    import html

    assert f'<textarea id="profile-text" name="profile_text" spellcheck="false">{html.escape(text)}</textarea>' in page
    assert '<p class="status generated">' in page
