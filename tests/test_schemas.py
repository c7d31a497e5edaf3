"""The published JSON Schemas agree with what revhyper reads (profiles) and writes (blocks).

Each schema is checked three ways: it is a valid draft 2020-12 schema; real inputs and outputs validate
against it; and it is walked side by side with the code (the attrs profile model, block_to_dict, CAP_SPECS)
so that a field added to one and not the other fails here.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import tomllib
from pathlib import Path

import attrs
import pytest
import tomli_w
from jsonschema import Draft202012Validator

import revhyper
from revhyper.cli import main
from revhyper.commands.schema import SCHEMAS, schema_bytes
from revhyper.profile.profile import GOALS, LIST_SECTIONS, SECTIONS, Surgery
from revhyper.rules.ruleset import CAP_SPECS

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_DIR = ROOT / "src" / "revhyper" / "schemas"
EXAMPLE_PROFILES = sorted((ROOT / "examples" / "profiles").glob("*.json")) + sorted((ROOT / "examples" / "profiles").glob("*.toml"))


def load_schema(name: str) -> dict:
    return json.loads(schema_bytes(name))


def validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(load_schema(name), format_checker=Draft202012Validator.FORMAT_CHECKER)


def schema_errors(name: str, data) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator(name).iter_errors(data)]


def revhyper_errors(data) -> list[str]:
    try:
        revhyper.parse_profile(json.dumps(data), name="profile.json", kind="json")
    except revhyper.ProfileError as exc:
        return [str(p) for p in exc.problems]
    return []


def jsonable(value):
    """TOML data as JSON would carry it: dates become 2026-12-07 strings."""
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def resolve(schema: dict, node: dict) -> dict:
    """Follow a local $ref (keeping the referring node's own keywords) and unwrap `anyOf [X, null]`."""
    if "$ref" in node:
        target = schema
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
    if "anyOf" in node:
        branches = [b for b in node["anyOf"] if b.get("type") != "null"]
        if len(branches) == 1:
            node = {**resolve(schema, branches[0]), **{k: v for k, v in node.items() if k != "anyOf"}}
    return node


# A profile with every section and every field set, all valid: the base for the boundary tests.
FULL = {
    "person": {"id": "client-001", "age": 38, "sex": "female", "body_mass_kg": 68.5, "pregnant": True, "gestation_weeks": 20},
    "pain": {"current": 3, "duration_weeks": 14, "worst_last_week": 5, "radiating_below_knee": False,
             "extension_aggravates": False},
    "red_flags": {name: False for name in (f.name for f in attrs.fields(SECTIONS["red_flags"]))},
    "history": {"conditions": ["nonspecific_low_back_pain", "hypertension"],
                "surgeries": [{"procedure": "microdiscectomy", "weeks_ago": 40},
                              {"procedure": "laminectomy", "date": "2025-01-10"}],
                "injections": [{"weeks_ago": 30}]},
    "clearance": [{"rules": ["microdiscectomy_recovery"], "role": "surgeon", "by": "M. Haddad", "date": "2026-11-20",
                   "restrictions": ["no_hyperextension"]}],
    "training": {"experience": "novice", "goal": "rehabilitation", "days_per_week": 2, "weeks": 10,
                 "start_date": "2026-12-07", "equipment": ["reverse_hyper_machine", "bench"],
                 "working_load_kg": 30, "load_increment_kg": 2.5},
}


def with_value(data: dict, path: tuple, value) -> dict:
    out = copy.deepcopy(data)
    target = out
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    return out


def without(data: dict, path: tuple) -> dict:
    out = copy.deepcopy(data)
    target = out
    for part in path[:-1]:
        target = target[part]
    del target[path[-1]]
    return out


def profile_leaves(schema: dict, node: dict | None = None, path: tuple = ()):
    """(path, resolved schema) of every scalar field in the profile schema; arrays of tables use item 0."""
    node = resolve(schema, node if node is not None else schema)
    if node.get("type") == "object":
        for key, child in node["properties"].items():
            yield from profile_leaves(schema, child, path + (key,))
    elif node.get("type") == "array" and resolve(schema, node["items"]).get("type") == "object":
        yield from profile_leaves(schema, node["items"], path + (0,))
    else:
        yield path, node


# -- the schemas themselves ------------------------------------------------------------------------

@pytest.mark.parametrize("name", SCHEMAS)
def test_schema_is_a_valid_draft_2020_12_schema(name):
    schema = load_schema(name)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize("name", SCHEMAS)
def test_every_table_in_the_schema_forbids_unknown_keys(name):
    schema = load_schema(name)
    loose = []

    def visit(node, where):
        if isinstance(node, dict):
            if node.get("type") == "object" and "properties" in node and node.get("additionalProperties") is not False:
                loose.append(where)
            for key, child in node.items():
                visit(child, f"{where}/{key}")
        elif isinstance(node, list):
            for index, child in enumerate(node):
                visit(child, f"{where}/{index}")

    visit(schema, "#")
    assert loose == []


@pytest.mark.parametrize("name", SCHEMAS)
def test_schema_command_prints_the_shipped_file(name, capsysbinary, tmp_path):
    assert main(["schema", name]) == 0
    assert capsysbinary.readouterr().out == (SCHEMA_DIR / f"{name}.schema.json").read_bytes()
    target = tmp_path / f"{name}.json"
    assert main(["schema", name, "-o", str(target)]) == 0
    assert target.read_bytes() == (SCHEMA_DIR / f"{name}.schema.json").read_bytes()


def test_schema_command_suggests_the_name_meant(capsys):
    assert main(["schema", "profil"]) == 2
    err = capsys.readouterr().err
    assert "unknown schema 'profil'" in err and "did you mean 'profile'?" in err


# -- the block schema ------------------------------------------------------------------------------

def _ruleset_without_floor_exercises():
    """The default rules with only prone variants, so a pregnant client (no prone lying) has no variant left."""
    from revhyper.rules.ruleset_loader import default_ruleset_text

    data = tomllib.loads(default_ruleset_text())
    data["variant_preference"] = [v for v in data["variant_preference"] if "prone" in data["variants"][v]["tags"]]
    return revhyper.parse_ruleset(tomli_w.dumps(data), name="prone-only.toml")


BLOCK_CASES = {
    "generated: healthy, loaded, dated": ({}, "generated"),
    "generated: no start date, no working load, no id": (
        {"person": {"id": None}, "training": {"start_date": None, "working_load_kg": None}}, "generated"),
    "generated: caps from rules and restrictions, weaker caps also asked, warnings": (
        {"pain": {"current": 7, "extension_aggravates": True},
         "history": {"conditions": ["hernia", "osteoporosis", "hypertension"],
                     "surgeries": [{"procedure": "laminectomy", "weeks_ago": 8}]},
         "clearance": [{"rules": ["high_pain", "other_surgery_recovery"], "role": "physician", "by": "Dr Reyes",
                        "date": "2026-12-01", "restrictions": ["two_sessions_a_week"]},
                       {"rules": ["high_pain", "other_surgery_recovery", "pregnancy"], "role": "physiotherapist",
                        "date": "2025-01-01"}]},
        "generated"),
    "generated: regression without a machine": ({"training": {"equipment": ["stability_ball"]}}, "generated"),
    "needs_clearance: radiating pain": ({"pain": {"radiating_below_knee": True}}, "needs_clearance"),
    "needs_clearance: clearances that do not count": (
        {"pain": {"radiating_below_knee": True},
         "clearance": [{"rules": ["radiating_pain"], "role": "surgeon", "date": "2025-01-01"},
                       {"rules": [], "role": "physiotherapist", "date": "2026-12-01", "restrictions": ["no_prone"]}]},
        "needs_clearance"),
    "refused: red flag": ({"red_flags": {"fever": True}, "pain": {"current": 8}}, "refused"),
    "refused: several refusals": (
        {"red_flags": {"saddle_anesthesia": True, "fever": True},
         "history": {"surgeries": [{"procedure": "microdiscectomy", "weeks_ago": 2}]}}, "refused"),
}


def block_for(data: dict, rules) -> revhyper.Block:
    """The block for profile ``data``, where a None value means: leave that key out."""
    for section in (v for v in data.values() if isinstance(v, dict)):
        for key in [k for k, v in section.items() if v is None]:
            del section[key]
    return revhyper.generate(revhyper.profile_from_data(data, ruleset=rules), rules)


@pytest.mark.parametrize("case", BLOCK_CASES)
def test_generated_blocks_validate_against_the_block_schema(case, profile_data, default_rules):
    changes, status = BLOCK_CASES[case]
    block = block_for(profile_data(**changes), default_rules)
    assert block.status == status
    assert schema_errors("block", revhyper.block_to_dict(block)) == []


@pytest.mark.parametrize("case", BLOCK_CASES)
def test_compact_blocks_validate_against_the_compact_schema(case, profile_data, default_rules):
    from revhyper.export.json_bytes import dumps

    block = block_for(profile_data(**BLOCK_CASES[case][0]), default_rules)
    assert schema_errors("block-compact", json.loads(dumps(revhyper.block_to_compact(block)))) == []


def test_the_compact_schema_is_derived_from_the_block_schema_and_rejects_what_a_line_never_holds(make_block):
    """One definition of each field: block-compact.schema.json is compact_schema.py's derivation of block.schema.json
    (`python -m revhyper.export.compact_schema` writes it again)."""
    from revhyper.export.compact_schema import schema_text
    from revhyper.export.json_bytes import dumps

    assert schema_bytes("block-compact").decode("utf-8") == schema_text(schema_bytes("block").decode("utf-8"))
    good = json.loads(dumps(revhyper.block_to_compact(make_block())))
    assert schema_errors("block-compact", good) == []
    broken = [copy.deepcopy(good) for _ in range(5)]
    broken[0]["format"] = "revhyper.block/1"
    broken[1]["weeks"][0]["sessions"][0][1] = "0"
    broken[2]["exercises"]["rows"][0].append(1)
    broken[3]["weeks"][0]["phase"] = {"id": "base", "name": "Base"}
    del broken[4]["cues"]
    for data in broken:
        assert schema_errors("block-compact", data) != []
    assert schema_errors("block", good) != []  # the canonical schema does not take a compact block


def test_a_block_refused_for_want_of_a_variant_validates(make_profile, default_rules):
    rules = _ruleset_without_floor_exercises()
    block = revhyper.generate(make_profile(rules=rules, person={"pregnant": True, "sex": "female"},
                                           clearance=[{"rules": ["pregnancy"], "role": "physician",
                                                       "date": "2026-11-30"}]), rules)
    assert block.status == "refused" and block.referral is None
    assert schema_errors("block", revhyper.block_to_dict(block)) == []


def test_the_block_schema_rejects_what_a_block_never_holds(make_block):
    good = revhyper.block_to_dict(make_block())
    broken = {
        "unknown top-level key": {**good, "extra": 1},
        "unknown status": {**good, "status": "maybe"},
        "generated without weeks": {**good, "weeks": []},
        "refused with a plan": {**good, "status": "refused"},
        "exercise with a misspelt key": with_value(good, ("weeks", 0, "sessions", 0, "exercises", 0),
                                                   {**good["weeks"][0]["sessions"][0]["exercises"][0], "set": 3}),
        "a session date that is not a date": with_value(good, ("weeks", 0, "sessions", 0, "date"), "07/12/2026"),
        "a cap kind that does not exist": {**good, "caps": {"max_speed": {"value": 1, "meaning": "", "set_by": ["x"], "also_asked": []}}},
    }
    for what, data in broken.items():
        assert schema_errors("block", data), what


def _walk_records(schema: dict, node: dict, data, where: str, seen: set):
    """Check that every object in ``data`` has exactly the schema's keys, in the schema's order."""
    node = resolve(schema, node)
    if isinstance(data, dict) and "properties" in node and "required" in node:
        expected = [k for k in node["properties"] if k in node["required"] or k in data]  # optional: progress's
        assert list(data) == expected, f"{where}: block_to_dict keys differ from the schema"
        seen.add(where)
        for key, value in data.items():
            _walk_records(schema, node["properties"][key], value, f"{where}.{key}", seen)
    elif isinstance(data, dict) and "properties" in node:  # the caps map: keys are cap kinds
        for key, value in data.items():
            _walk_records(schema, node["properties"][key], value, f"{where}.<cap>", seen)
    elif isinstance(data, list) and "items" in node:
        for value in data:
            _walk_records(schema, node["items"], value, f"{where}[]", seen)


def test_block_schema_keys_match_block_to_dict_in_order(profile_data, default_rules):
    schema = load_schema("block")
    seen: set[str] = set()
    for changes, _ in BLOCK_CASES.values():
        block = block_for(profile_data(**changes), default_rules)
        _walk_records(schema, schema, revhyper.block_to_dict(block), "block", seen)
    # every table the schema describes was met in some block, so none of it is untested
    records = {"block", "block.generator", "block.ruleset", "block.referral", "block.screening",
               "block.screening.fired[]", "block.screening.fired[].source", "block.screening.clearance",
               "block.caps.<cap>", "block.caps.<cap>.also_asked[]", "block.plan", "block.plan.variant",
               "block.weeks[]", "block.weeks[].phase", "block.weeks[].sessions[]",
               "block.weeks[].sessions[].exercises[]", "block.pain_rule"}
    assert records <= seen


def test_a_progressed_block_s_keys_match_the_schema_in_order(default_rules):
    import sys

    sys.path.insert(0, str(ROOT / "tests"))
    from test_progress import log_of, week_rows

    profile = revhyper.load_profile(ROOT / "examples" / "profiles" / "healthy-strength.toml", default_rules)
    block = revhyper.generate(profile, default_rules)
    log = log_of(week_rows(block, 1) + week_rows(block, 2, during=[2, 6, 2, 2]), default_rules)
    data = revhyper.block_to_dict(revhyper.progress(profile, block, log, default_rules))
    schema = load_schema("block")
    seen: set[str] = set()
    _walk_records(schema, schema, data, "block", seen)
    assert {"block.progress", "block.progress.log", "block.adaptations[]", "block.adaptations[].rules[]",
            "block.adaptations[].entries[]", "block.weeks[].logged[]", "block.weeks[].logged[].sets[]"} <= seen
    assert schema_errors("block", data) == []


OPTIONAL = ("Only in a block `revhyper progress` wrote", "Double progression only")
"""The only keys a record may leave out: those of a progressed block, and of a double-progression exercise."""


def test_every_record_in_the_block_schema_lists_all_its_keys_as_required():
    schema = load_schema("block")
    partial = []

    def visit(node, where):
        if isinstance(node, dict):
            if "properties" in node and "required" in node and node["required"] != [
                    k for k, v in node["properties"].items() if not v.get("description", "").startswith(OPTIONAL)]:
                partial.append(where)
            for key, child in node.items():
                visit(child, f"{where}/{key}")
        elif isinstance(node, list):
            for index, child in enumerate(node):
                visit(child, f"{where}/{index}")

    visit(schema, "#")
    assert partial == []


@pytest.mark.parametrize("where", ["caps", "fired"])
def test_block_schema_caps_match_cap_specs(where):
    schema = load_schema("block")
    caps = schema["properties"]["caps"]["properties"] if where == "caps" else schema["$defs"]["caps"]["properties"]
    assert schema["$defs"]["fired_rule"]["properties"]["caps"]["$ref"] == "#/$defs/caps"
    assert list(caps) == list(CAP_SPECS)
    types = {"int": "integer", "number": "number", "bool": "boolean", "tags": "array"}
    for name, spec in CAP_SPECS.items():
        value = caps[name]["properties"]["value"] if where == "caps" else caps[name]
        if spec.kind == "program":
            assert value["enum"] == list(GOALS), name
            continue
        assert value["type"] == types[spec.kind], name
        if spec.kind in ("int", "number"):
            assert (value["minimum"], value["maximum"]) == (spec.low, spec.high), name


# -- the profile schema ----------------------------------------------------------------------------

def test_healthy_profiles_validate_and_are_accepted(profile_data):
    for data in (profile_data(), FULL, profile_data(red_flags={}, history={}, clearance=[])):
        assert schema_errors("profile", data) == []
        assert revhyper_errors(data) == []


BAD_PROFILES = {
    "misspelt key": lambda p: without(with_value(p, ("pain", "curent"), 4), ("pain", "current")),
    "misspelt section": lambda p: {**p, "red_flag": {"fever": False}},
    "unknown key in a surgery": lambda p: with_value(p, ("history", "surgeries"), [{"procedure": "microdiscectomy", "weeks_ago": 9, "side": "left"}]),
    "missing required section": lambda p: without(p, ("training",)),
    "missing required key": lambda p: without(p, ("pain", "duration_weeks")),
    "surgery without date or weeks_ago": lambda p: with_value(p, ("history", "surgeries"), [{"procedure": "microdiscectomy"}]),
    "surgery with date and weeks_ago": lambda p: with_value(p, ("history", "surgeries"),
                                                          [{"procedure": "microdiscectomy", "weeks_ago": 9, "date": "2026-10-01"}]),
    "injection without date or weeks_ago": lambda p: with_value(p, ("history", "injections"), [{}]),
    "text for a number": lambda p: with_value(p, ("training", "days_per_week"), "three"),
    "true for a number": lambda p: with_value(p, ("pain", "current"), True),
    "fraction for a whole number": lambda p: with_value(p, ("training", "days_per_week"), 2.5),
    "text for yes/no": lambda p: with_value(p, ("pain", "radiating_below_knee"), "no"),
    "null for an optional text": lambda p: with_value(p, ("person", "id"), None),
    "blank text": lambda p: with_value(p, ("person", "id"), "   "),
    "age too low": lambda p: with_value(p, ("person", "age"), 15),
    "pain above 10": lambda p: with_value(p, ("pain", "current"), 11),
    "negative pain": lambda p: with_value(p, ("pain", "worst_last_week"), -1),
    "too many weeks": lambda p: with_value(p, ("training", "weeks"), 53),
    "working load too small": lambda p: with_value(p, ("training", "working_load_kg"), 0.4),
    "misspelt goal": lambda p: with_value(p, ("training", "goal"), "strenght"),
    "unknown sex word": lambda p: with_value(p, ("person", "sex"), "f"),
    "date in another format": lambda p: with_value(p, ("training", "start_date"), "07/12/2026"),
    "date with a time": lambda p: with_value(p, ("clearance", 0, "date"), "2026-11-20T09:00:00"),
    "the old [clearance] table": lambda p: {**p, "clearance": {"cleared": True, "by": "Dr Reyes"}},
    "a clearance without a role": lambda p: without(p, ("clearance", 0, "role")),
    "a clearance without a date": lambda p: without(p, ("clearance", 0, "date")),
    "a clearance without rules": lambda p: without(p, ("clearance", 0, "rules")),
    "a rule id listed twice": lambda p: with_value(p, ("clearance", 0, "rules"), ["pregnancy", "pregnancy"]),
    "impossible date": lambda p: with_value(p, ("training", "start_date"), "2026-02-30"),
    "a word for a list": lambda p: with_value(p, ("history", "conditions"), "hernia"),
    "a condition listed twice": lambda p: with_value(p, ("history", "conditions"), ["hernia", "hernia"]),
    "a capitalised condition": lambda p: with_value(p, ("history", "conditions"), ["Hernia"]),
    "a section that is not a table": lambda p: {**p, "red_flags": ["fever"]},
}


@pytest.mark.parametrize("case", BAD_PROFILES)
def test_bad_profiles_are_rejected_by_both_the_schema_and_revhyper(case):
    data = BAD_PROFILES[case](FULL)
    assert schema_errors("profile", data), "the schema accepted it"
    assert revhyper_errors(data), "revhyper accepted it"


def test_words_outside_the_vocabulary_are_left_to_revhyper():
    """The schema cannot know the rule set's words; revhyper must catch them, with a suggestion."""
    data = with_value(FULL, ("history", "conditions"), ["spondylolisthesys"])
    assert schema_errors("profile", data) == []
    errors = revhyper_errors(data)
    assert len(errors) == 1 and "did you mean 'spondylolisthesis'?" in errors[0]


LEAVES = dict(profile_leaves(load_schema("profile")))


@pytest.mark.parametrize("path", [p for p, n in LEAVES.items() if n.get("type") in ("number", "integer")],
                         ids=lambda p: ".".join(map(str, p)))
def test_number_ranges_agree_at_and_beyond_the_limits(path):
    node = LEAVES[path]
    step = 1 if node["type"] == "integer" else 0.01
    for value in (node["minimum"], node["maximum"]):
        data = with_value(FULL, path, value)
        assert schema_errors("profile", data) == [] and revhyper_errors(data) == [], value
    for value in (node["minimum"] - step, node["maximum"] + step):
        data = with_value(FULL, path, value)
        assert schema_errors("profile", data) and revhyper_errors(data), value
    middle = (node["minimum"] + node["maximum"]) / 2 + 0.25
    fraction = with_value(FULL, path, middle)
    if node["type"] == "integer":
        assert schema_errors("profile", fraction) and revhyper_errors(fraction)
    else:
        assert schema_errors("profile", fraction) == [] and revhyper_errors(fraction) == []


@pytest.mark.parametrize("path", [p for p, n in LEAVES.items() if "enum" in n], ids=lambda p: ".".join(map(str, p)))
def test_every_choice_in_the_schema_is_accepted_by_revhyper(path):
    for value in LEAVES[path]["enum"]:
        data = with_value(FULL, path, value)
        assert schema_errors("profile", data) == [] and revhyper_errors(data) == [], value


def _model_fields(cls) -> tuple[list[str], list[str]]:
    fields = attrs.fields(cls)
    return [f.name for f in fields], [f.name for f in fields if f.default is attrs.NOTHING]


def _check_table(schema: dict, node: dict, cls, where: str):
    names, required = _model_fields(cls)
    assert set(node["properties"]) == set(names), where
    assert set(node.get("required", [])) == set(required), where
    kinds = {"number": ("number", "integer"), "bool": ("boolean",), "enum": (None,), "list": ("array",),
             "str": ("string",), "date": ("string",)}
    for f in attrs.fields(cls):
        prop = resolve(schema, node["properties"][f.name])
        kind = f.metadata.get("kind")
        if f.metadata.get("vocabulary") and kind == "str":  # Clearance.role: a vocabulary word
            assert prop["type"] == "string" and f.metadata["vocabulary"] in prop["description"], f"{where}.{f.name}"
            continue
        if kind == "events":
            _check_table(schema, resolve(schema, prop["items"]), f.metadata["items"], f"{where}.{f.name}[]")
            continue
        if kind is None:  # Surgery.procedure: a vocabulary word
            assert prop["type"] == "string" and "vocabulary" in f.metadata, f"{where}.{f.name}"
            continue
        assert prop.get("type") in kinds[kind], f"{where}.{f.name}"
        if kind == "enum":
            assert tuple(prop["enum"]) == f.metadata["choices"], f"{where}.{f.name}"
        if kind == "date":
            assert prop["format"] == "date", f"{where}.{f.name}"
        if kind == "bool":
            assert prop["default"] is f.default is False, f"{where}.{f.name}"
        if kind == "list":
            assert prop["uniqueItems"] is True, f"{where}.{f.name}"
            assert prop.get("default") == ([] if f.default is not attrs.NOTHING else None), f"{where}.{f.name}"
            assert f.metadata["vocabulary"] in prop["description"], f"{where}.{f.name}: say which vocabulary"


def test_profile_schema_matches_the_profile_model():
    schema = load_schema("profile")
    from revhyper.profile.profile_loader import REQUIRED_SECTIONS

    assert set(schema["properties"]) == set(SECTIONS)
    assert set(schema["required"]) == set(REQUIRED_SECTIONS)
    for section, cls in SECTIONS.items():
        node = resolve(schema, schema["properties"][section])
        if section in LIST_SECTIONS:  # [[clearance]]: a list of tables
            assert node["type"] == "array" and node["default"] == [], section
            node, section = resolve(schema, node["items"]), f"{section}[]"
        _check_table(schema, node, cls, section)
    assert attrs.fields(Surgery)  # walked through history.surgeries above


def test_schema_says_why_vocabulary_words_are_not_listed():
    schema = load_schema("profile")
    assert "vocabulary" in schema["description"]
    assert "cannot" in resolve(schema, schema["properties"]["training"]["properties"]["equipment"])["description"]


# -- example profiles (collected when the folder has files) ----------------------------------------

@pytest.mark.parametrize("path", EXAMPLE_PROFILES, ids=lambda p: p.name)
def test_example_profiles_validate_against_the_profile_schema(path):
    text = path.read_text(encoding="utf-8")
    data = json.loads(text) if path.suffix == ".json" else jsonable(tomllib.loads(text))
    assert schema_errors("profile", data) == []
    revhyper.load_profile(path)  # and revhyper agrees
