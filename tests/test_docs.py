"""The reference docs cannot drift from the code: their examples run, their outputs are real, and every
field they document is one the loaders accept (and the other way round).

Docs mark what is checked with HTML comments (invisible when rendered) on the line before a fenced block
or a table:

- docs/profile.md: ``<!-- example profile -->`` (must load), ``<!-- bad profile: NAME -->`` (must be
  rejected, and the next ``<!-- output -->`` block is exactly what revhyper prints for it);
- docs/block.md: ``<!-- profile: NAME -->`` and ``<!-- excerpt of: NAME -->`` (a part of the real block);
- docs/cli.md: ``<!-- text excerpt of: NAME -->`` (lines of the real text view, ``...`` for lines left out);
- docs/rulesets.md: ``<!-- keys: PATH -->`` tables (the keys the rule-set loader accepts at PATH),
  ``<!-- condition fields -->``, ``<!-- condition functions -->`` and ``<!-- from the default rule set -->``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import tomllib
from pathlib import Path

import pytest
import tomli_w

import revhyper
from revhyper.cli import build_parser, main
from revhyper.rules.conditions import FUNCTIONS
from revhyper.profile.profile import condition_fields
from revhyper.rules.ruleset import CAP_SPECS
from revhyper.rules.ruleset_loader import default_ruleset_text

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
MARKER = re.compile(r"^<!--\s*(.*?)\s*-->\s*$")


def doc(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


def marked(text: str) -> list[tuple[str, str, str]]:
    """(marker, kind, body) for every marker comment: kind is a fence's info string, or "table"."""
    lines = text.splitlines()
    out = []
    for index, line in enumerate(lines):
        match = MARKER.match(line)
        if not match:
            continue
        rest = lines[index + 1:]
        while rest and not rest[0].strip():
            rest = rest[1:]
        assert rest, f"marker '{match.group(1)}' is followed by nothing"
        if rest[0].startswith("```"):
            end = next(i for i in range(1, len(rest)) if rest[i].startswith("```"))
            out.append((match.group(1), rest[0][3:].strip(), "\n".join(rest[1:end]) + "\n"))
        elif rest[0].startswith("|"):
            table = [r for r in _takewhile(rest, lambda r: r.startswith("|"))]
            out.append((match.group(1), "table", "\n".join(table)))
        else:
            raise AssertionError(f"marker '{match.group(1)}' is not followed by a fenced block or a table")
    return out


def _takewhile(items, predicate):
    for item in items:
        if not predicate(item):
            return
        yield item


def first_column(table: str) -> list[str]:
    """The `code` names in the first column of a markdown table (header and rule rows skipped)."""
    names = []
    for row in table.splitlines()[2:]:
        cell = row.strip("|").split("|")[0]
        names += re.findall(r"`([^`]+)`", cell)
    return names


def rows(table: str) -> list[list[str]]:
    return [[c.strip() for c in row.strip().strip("|").split("|")] for row in table.splitlines()[2:]]


def jsonable(value):
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


# -- docs/profile.md -------------------------------------------------------------------------------

PROFILE_MD = marked(doc("profile.md"))
EXAMPLES = [(kind, body) for marker, kind, body in PROFILE_MD if marker == "example profile"]


def test_profile_md_has_toml_and_json_examples():
    assert {"toml", "json"} <= {kind for kind, _ in EXAMPLES}


@pytest.mark.parametrize("kind, body", EXAMPLES, ids=[f"{k}-{i}" for i, (k, _) in enumerate(EXAMPLES)])
def test_profile_md_examples_load_and_match_the_schema(kind, body):
    from jsonschema import Draft202012Validator

    from revhyper.commands.schema import schema_bytes

    profile = revhyper.parse_profile(body, name=f"docs/profile.md ({kind})", kind=kind)
    data = json.loads(body) if kind == "json" else jsonable(tomllib.loads(body))
    validator = Draft202012Validator(json.loads(schema_bytes("profile")), format_checker=Draft202012Validator.FORMAT_CHECKER)
    assert [e.message for e in validator.iter_errors(data)] == []
    assert revhyper.generate(profile).status == "generated"


def test_profile_md_toml_and_json_examples_are_the_same_profile():
    full_toml = next(body for kind, body in EXAMPLES if kind == "toml")
    full_json = next(body for kind, body in EXAMPLES if kind == "json")
    assert revhyper.parse_profile(full_toml, kind="toml") == revhyper.parse_profile(full_json, kind="json")


def test_profile_md_example_shows_every_profile_field():
    from revhyper.profile.profile import SECTIONS, Surgery

    import attrs

    from revhyper.profile.profile import LIST_SECTIONS

    full = tomllib.loads(next(body for kind, body in EXAMPLES if kind == "toml"))
    assert set(full) == set(SECTIONS)
    # the complete example shows every key but person.gestation_weeks, which goes only with pregnant = true: a
    # later example shows it, so every key is shown somewhere
    only_pregnant = {("person", "gestation_weeks")}
    shown = {(section, key) for kind, body in EXAMPLES if kind == "toml" for section, table in tomllib.loads(body).items()
             for entry in (table if isinstance(table, list) else [table]) for key in entry}
    for section, cls in SECTIONS.items():
        fields = {f.name for f in attrs.fields(cls)}
        table = full[section][0] if section in LIST_SECTIONS else full[section]
        assert set(table) == fields - {key for where, key in only_pregnant if where == section}, section
        assert {(section, name) for name in fields} <= shown, section
    assert set().union(*full["history"]["surgeries"]) == {f.name for f in attrs.fields(Surgery)}
    assert all(len({"date", "weeks_ago"} & set(s)) == 1 for s in full["history"]["surgeries"])


def test_profile_md_documents_every_profile_field():
    from revhyper.profile.profile import SECTIONS

    import attrs

    text = doc("profile.md")
    from revhyper.profile.profile import LIST_SECTIONS

    for section, cls in SECTIONS.items():
        heading = f"### `[[{section}]]`" if section in LIST_SECTIONS else f"### `[{section}]`"
        assert heading in text, heading
        body = text.split(heading, 1)[1].split("\n### ", 1)[0]
        documented = set(re.findall(r"^\| `([a-z0-9_]+)` \|", body, re.M))
        assert {f.name for f in attrs.fields(cls)} <= documented, section


BAD = []
for position, (marker, kind, body) in enumerate(PROFILE_MD):
    if marker.startswith("bad profile:"):
        follower = PROFILE_MD[position + 1]
        assert follower[0] == "output", f"{marker} needs an <!-- output --> block after it"
        BAD.append((marker.split(":", 1)[1].strip(), body, follower[2]))


def test_profile_md_has_bad_profile_examples():
    assert BAD


@pytest.mark.parametrize("name, body, output", BAD, ids=[b[0] for b in BAD])
def test_profile_md_error_output_is_what_revhyper_prints(name, body, output, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    Path(name).write_text(body, encoding="utf-8")
    assert main(["generate", name]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == output, "docs/profile.md shows stale error output: paste the output above into it"


# -- docs/block.md and docs/cli.md -----------------------------------------------------------------

BLOCK_MD = marked(doc("block.md"))
DOC_PROFILES = {m.split(":", 1)[1].strip(): body for m, _, body in BLOCK_MD if m.startswith("profile:")}
EXCERPTS = [(m.split(":", 1)[1].strip(), body) for m, _, body in BLOCK_MD if m.startswith("excerpt of:")]
VARIES = {("generator", "version")}  # changes with a release; the rule set's sha256 must be the real one (it went stale)


def assert_part_of(part, whole, where=()):
    if where[-2:] in VARIES:
        assert isinstance(whole, str), where
        return
    if isinstance(part, dict):
        assert isinstance(whole, dict), where
        assert list(part) == [k for k in whole if k in part], f"{where}: keys out of order"
        for key, value in part.items():
            assert_part_of(value, whole[key], where + (key,))
    elif isinstance(part, list):
        assert isinstance(whole, list) and len(part) <= len(whole), where
        for index, value in enumerate(part):
            assert_part_of(value, whole[index], where + (index,))
    else:
        assert part == whole and type(part) is type(whole), f"{where}: docs say {part!r}, revhyper gives {whole!r}"


def generated_for(name: str) -> revhyper.Block:
    return revhyper.generate(revhyper.parse_profile(DOC_PROFILES[name], name=name, kind="toml"))


def test_block_md_has_excerpts_for_each_status():
    statuses = {json.loads(body)["status"] for _, body in EXCERPTS}
    assert statuses == {"generated", "needs_clearance", "refused"}


@pytest.mark.parametrize("name, excerpt", EXCERPTS, ids=[e[0] for e in EXCERPTS])
def test_block_md_excerpts_are_real_output(name, excerpt):
    assert_part_of(json.loads(excerpt), revhyper.block_to_dict(generated_for(name)))


def _masked(line: str) -> str:
    return re.sub(r"^revhyper \S+ \|", "revhyper <version> |", line)


def test_the_docs_show_the_default_rule_set_s_real_sha256():
    """Every sha256 the docs show for the default rule set is its current one: an edit of the default's rules must
    update them (this test names the hash to write)."""
    real = revhyper.default_ruleset().sha256
    shown = {(name, h) for name in ("block.md", "cli.md") for h in re.findall(r"[0-9a-f]{12,64}", doc(name))}
    assert shown, "the docs show no sha256 of the default rule set any more: update this test"
    stale = [(name, h) for name, h in shown if not real.startswith(h)]
    assert not stale, f"docs show a stale sha256 of the default rule set {stale}; it is {real}"


@pytest.mark.parametrize("name, excerpt", [(m.split(":", 1)[1].strip(), body) for m, _, body in marked(doc("cli.md"))
                                           if m.startswith("text excerpt of:")])
def test_cli_md_text_excerpt_is_real_output(name, excerpt):
    actual = [_masked(line) for line in revhyper.block_to_text(generated_for(name)).splitlines()]
    position = 0
    for line in excerpt.splitlines():
        if line == "...":
            continue
        wanted = _masked(line)
        assert wanted in actual[position:], f"docs/cli.md shows a line revhyper does not print here: {line!r}"
        position = actual.index(wanted, position) + 1


def test_block_md_sha256_recipe_gives_the_rule_sets_sha256():
    data = tomllib.loads(default_ruleset_text())
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    assert hashlib.sha256(canonical.encode("utf-8")).hexdigest() == revhyper.default_ruleset().sha256
    assert 'separators=(",", ":"), default=str)' in doc("block.md")


def test_block_md_documents_every_key_of_the_block():
    """Every key in the block schema (itself checked against block_to_dict) is named in docs/block.md.

    Cap kinds are left out: block.md points to rulesets.md, which documents them (checked below).
    """
    from revhyper.commands.schema import schema_bytes

    text = doc("block.md")
    names: set[str] = set()

    def visit(node):
        if isinstance(node, dict):
            for key, child in node.get("properties", {}).items():
                names.add(key)
                if key != "caps":
                    visit(child)
            for key, child in node.items():
                if key not in ("properties", "caps"):  # $defs/caps: the cap kinds again
                    visit(child)
        elif isinstance(node, list):
            for child in node:
                visit(child)

    visit(json.loads(schema_bytes("block")))
    missing = sorted(n for n in names if not re.search(rf"`[^`\n]*\b{re.escape(n)}\b[^`\n]*`", text))
    assert missing == []


def test_cli_md_documents_every_command_and_option():
    text = doc("cli.md")
    parser = build_parser()
    commands = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    for name, sub in commands.choices.items():
        heading = f"## `revhyper {name}`"
        assert heading in text, f"docs/cli.md has no section {heading}"
        section = text.split(heading, 1)[1].split("\n## ", 1)[0]
        for action in sub._actions:
            if action.dest == "help":
                continue
            for option in action.option_strings or [action.metavar or action.dest]:
                assert f"`{option}" in section, f"docs/cli.md does not document {option} of revhyper {name}"


def test_cli_md_exit_codes_match_the_cli():
    from revhyper import cli

    table = doc("cli.md").split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    documented = {int(code): name for code, name in re.findall(r"^\| (\d+) \| ([a-z ]+) \|", table, re.M)}
    constants = {value: name[len("EXIT_"):].lower().replace("_", " ") for name, value in vars(cli).items()
                 if name.startswith("EXIT_")}
    assert set(documented) == set(constants)
    for code, name in constants.items():
        assert documented[code].startswith(name), (code, documented[code])


# -- docs/rulesets.md ------------------------------------------------------------------------------

RULESETS_MD = marked(doc("rulesets.md"))
UNKNOWN = "zz_not_a_key"


def _default_data() -> dict:
    return tomllib.loads(default_ruleset_text())


def _first(table: dict) -> str:
    return next(iter(table))


def _rule_with(data: dict, key: str) -> str:
    return next(name for name, rule in data["rules"].items() if key in rule)


def _inject_top(d):
    d[UNKNOWN] = 1


def _inject_progression(d):
    d["programs"][_first(d["programs"])]["phases"][0]["sets"] = {"start": 2, UNKNOWN: 1}


def _inject_rule_caps(d):
    d["rules"][_rule_with(d, "caps")]["caps"][UNKNOWN] = 1


def _inject_referral(d):
    d["rules"][_rule_with(d, "referral")]["referral"][UNKNOWN] = 1


def _table_at(*path):
    def inject(d):
        target = d
        for part in path:
            target = target[_first(target)] if part == "*" else target[part]
        target[UNKNOWN] = 1
    return inject


INJECT = {
    "top": _inject_top,
    "references.*": _table_at("references", "*"),
    "vocabulary": _table_at("vocabulary"),
    "restrictions.*": _table_at("restrictions", "*"),
    "variants.*": _table_at("variants", "*"),
    "experience": _table_at("experience"),
    "experience.*": _table_at("experience", "*"),
    "experience.*.days_per_week": _table_at("experience", "*", "days_per_week"),
    "pain_monitoring": _table_at("pain_monitoring"),
    "programs": _table_at("programs"),
    "programs.*": _table_at("programs", "*"),
    "programs.*.phases[]": lambda d: d["programs"][_first(d["programs"])]["phases"][0].__setitem__(UNKNOWN, 1),
    "progression": _inject_progression,
    "rules.*": _table_at("rules", "*"),
    "clearance": _table_at("clearance"),
    "rules.*.clearance": lambda d: d["rules"][_rule_with(d, "clearance")]["clearance"].__setitem__(UNKNOWN, 1),
    "rules.*.referral": _inject_referral,
    "caps": _inject_rule_caps,
    "adaptations.*": _table_at("adaptations", "*"),
}
"""Every table the rule-set loader checks, and how to put an unknown key into it."""


def loader_keys(where: str) -> list[str]:
    """The keys the loader accepts at ``where``, from its own message about an unknown key there."""
    data = _default_data()
    INJECT[where](data)
    with pytest.raises(revhyper.RulesetError) as caught:
        revhyper.parse_ruleset(tomli_w.dumps(data), name="probe.toml")
    messages = [p.message for p in caught.value.problems if f"unknown key '{UNKNOWN}'" in p.message]
    assert len(messages) == 1, [str(p) for p in caught.value.problems]
    return [k.strip() for k in messages[0].split("expected one of ", 1)[1].split(",")]


DOCUMENTED_KEYS = {m.split(":", 1)[1].strip(): body for m, kind, body in RULESETS_MD if m.startswith("keys:")}


def test_rulesets_md_documents_every_table_the_loader_checks():
    assert set(DOCUMENTED_KEYS) == set(INJECT)


@pytest.mark.parametrize("where", INJECT)
def test_rulesets_md_keys_match_the_loader(where):
    documented = first_column(DOCUMENTED_KEYS[where])
    accepted = loader_keys(where)
    assert sorted(set(documented)) == sorted(documented), f"{where}: a key is documented twice"
    assert set(documented) - set(accepted) == set(), f"{where}: documented but not accepted by the loader"
    assert set(accepted) - set(documented) == set(), f"{where}: accepted by the loader but not documented"


def test_rulesets_md_caps_table_matches_cap_specs():
    table = rows(DOCUMENTED_KEYS["caps"])
    wins = {"lowest": "min", "highest": "max", "any true": "any", "all together": "union", "most conservative": "first"}
    for key, kind, limits, strictest, _meaning in table:
        name = key.strip("`")
        spec = CAP_SPECS[name]
        assert wins[strictest] == spec.wins, name
        if spec.kind in ("int", "number"):
            assert limits == f"{spec.low:g} to {spec.high:g}", name
            assert kind == ("whole number" if spec.kind == "int" else "number"), name


def test_rulesets_md_condition_fields_match_the_profile():
    table = next(body for m, _, body in RULESETS_MD if m == "condition fields")
    fields = condition_fields()
    documented = {row[0].strip("`"): row for row in rows(table)}
    assert set(documented) == set(fields)
    for name, (_, kind, optional) in documented.items():
        info = fields[name]
        assert optional.startswith("yes") == info["optional"], name
        words = {"number": "number", "bool": "yes/no", "enum": "word", "list": "list"}
        assert kind.startswith(words[info["kind"]]), name
        for choice in info.get("choices") or ():
            assert f"`{choice}`" in kind, name


def test_rulesets_md_log_facts_match_the_language():
    from revhyper.engine.log_facts import LOG_FIELDS

    table = next(body for m, _, body in RULESETS_MD if m == "log facts")
    documented = {row[0].strip("`"): row for row in rows(table)}
    assert set(documented) == set(LOG_FIELDS)
    for name, (_, optional, _meaning) in documented.items():
        assert (optional == "yes") == LOG_FIELDS[name]["optional"], name


def test_rulesets_md_condition_functions_match_the_language():
    table = next(body for m, _, body in RULESETS_MD if m == "condition functions")
    assert {name.split("(")[0] for name in first_column(table)} == set(FUNCTIONS)


def test_rulesets_md_examples_are_taken_from_the_default_rule_set():
    lines = set(default_ruleset_text().splitlines())
    snippets = [body for m, _, body in RULESETS_MD if m == "from the default rule set"]
    assert snippets
    for body in snippets:
        for line in body.splitlines():
            assert not line.strip() or line in lines, f"not in the default rule set: {line!r}"


def test_rulesets_md_documents_every_default_rule_action_and_urgency():
    from revhyper.rules.ruleset import ACTIONS, ADAPTATION_ACTIONS, URGENCIES

    text = doc("rulesets.md")
    for word in (*ACTIONS, *URGENCIES, *ADAPTATION_ACTIONS, *(a.id for a in revhyper.default_ruleset().adaptations)):
        assert f"`{word}`" in text, word


def test_rulesets_md_ends_with_the_customising_section():
    headings = re.findall(r"^## (.+)$", doc("rulesets.md"), re.M)
    assert "Customising a rule set" in headings


def test_every_name_of_the_documented_python_api_is_the_function_or_class_after_every_import():
    """docs show ``revhyper.generate(profile)``; importing every submodule first (as the CLI does) must leave
    every documented name what the docs say it is, not a submodule of the same name."""
    import subprocess
    import sys

    code = ("import importlib, inspect, pkgutil, revhyper\n"
            "for m in pkgutil.walk_packages(revhyper.__path__, 'revhyper.'):\n"
            "    m.name.endswith('__main__') or importlib.import_module(m.name)\n"
            "wrong = [n for n in revhyper.__all__[1:] if inspect.ismodule(getattr(revhyper, n))]\n"
            "assert not wrong, wrong\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
