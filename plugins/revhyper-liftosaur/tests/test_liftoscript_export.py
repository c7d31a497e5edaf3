"""The Liftoscript program, read back with a checker written from Liftosaur's grammar, holds the whole block.

Liftosaur's own parser is not run here (see liftoscript_check.py for why, and for the grammar rules it
implements, cited by file and commit); ``test_liftosaurs_own_grammar_accepts_it`` runs it when a developer
points REVHYPER_LIFTOSAUR_GRAMMAR at Liftosaur's plannerExercise.grammar (node and npm needed).
"""

from __future__ import annotations

import copy
import importlib.metadata
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import attrs
import pytest

import revhyper
from revhyper.testing import CONTRACT, PROFILES, contract_blocks, run_check
from revhyper_liftosaur import EXERCISES, LIFTOSCRIPT, export

HERE = Path(__file__).parent


def _checker():
    name = "revhyper_liftosaur_tests.liftoscript_check"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, HERE / "liftoscript_check.py")
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


check = _checker()
GENERATED = ("generated", "generated_bodyweight", "generated_undated")


@pytest.fixture(scope="module")
def blocks():
    return contract_blocks()


def read(data: bytes):
    return check.parse(data.decode("utf-8"))


def block_from(data: dict, **training):
    data = copy.deepcopy(data)
    data["training"].update(training)
    rules = revhyper.default_ruleset()
    return revhyper.generate(revhyper.profile_from_data(data, ruleset=rules), rules)


def with_exercises(block, change):
    """The block with every exercise changed by ``change``."""
    def session(s):
        return attrs.evolve(s, exercises=tuple(change(e) for e in s.exercises))
    return attrs.evolve(block, weeks=tuple(attrs.evolve(w, sessions=tuple(session(s) for s in w.sessions))
                                           for w in block.weeks))


@pytest.mark.parametrize("contract_check", CONTRACT, ids=lambda c: c.__name__)
def test_contract(contract_check):
    run_check(contract_check, LIFTOSCRIPT)


@pytest.mark.parametrize("name", GENERATED)
def test_every_week_and_session_with_the_blocks_numbers(blocks, name):
    block = blocks[name]
    program = read(export(block))
    assert [w.name for w in program.weeks] == [f"Week {w.number}" for w in block.weeks]
    for week, written in zip(block.weeks, program.weeks):
        assert [d.name for d in written.days] == [f"Day {s.number}" for s in week.sessions]
        for session, day in zip(week.sessions, written.days):
            assert len(day.exercises) == len(session.exercises) >= 1
            for e, x in zip(session.exercises, day.exercises):
                assert x.name == EXERCISES[e.variant] and x.known
                assert (x.sets, x.reps, x.rest_seconds) == (e.sets, e.reps, e.rest_seconds)
                assert x.weight_kg == (e.load_kg if e.load_kg is not None else 0.0)
                assert x.properties == {"warmup": "none"}
            if session.date:
                assert day.description == [f"Session {session.index} of the block, {session.date.isoformat()}"]
    assert sum(len(d.exercises) for w in program.weeks for d in w.days) == sum(
        len(s.exercises) for s in block.sessions())


def test_loads_change_over_the_block_as_the_block_says(blocks):
    block = blocks["generated"]
    program = read(export(block))
    written = [x.weight_kg for w in program.weeks for d in w.days for x in d.exercises]
    assert written == [e.load_kg for s in block.sessions() for e in s.exercises]
    assert len(set(written)) > 3
    first = block.sessions()[0].exercises[0]  # week 1's numbers, as a line of the program
    line = f"Reverse Hyperextension, Leverage Machine / {first.sets}x{first.reps} / {first.load_kg:g}kg / {first.rest_seconds}s"
    assert (line + " / warmup: none\n").encode() in export(block)


def test_bodyweight_variant_is_reverse_hyperextension_bodyweight(blocks):
    data = export(blocks["generated_bodyweight"]).decode()
    assert "Reverse Hyperextension, Bodyweight / 2x12 / 0kg / 60s / warmup: none" in data
    assert "bodyweight, rest 60 s" in data


def test_tempo_range_and_cues_are_the_exercise_description(blocks):
    block = blocks["generated"]
    program = read(export(block))
    days = [d for w in program.weeks for d in w.days]
    for session, day in zip(block.sessions(), days):
        for e, x in zip(session.exercises, day.exercises):
            text = "\n".join(x.description)
            assert f"tempo {e.tempo}" in text and f"Range {e.rom_percent:g} % of the swing to neutral" in text
            assert f"{e.sets} x {e.reps}" in text and f"rest {e.rest_seconds} s" in text
            for cue in e.cues:  # escaped for Markdown: "5 out of 10" and "(fewer sets, ...)" come through
                assert f"- {cue}".replace("_", "\\_").replace("*", "\\*") in x.description
    week1 = program.weeks[0].description
    assert week1[0] == "**Week 1 of 12: Base**"
    assert f"After each session: {block.pain_rule.after}" in week1
    assert any(block.disclaimer.split(".")[0] in line for line in week1)
    assert any("lighter week" in w.description[0] for w in program.weeks) == any(w.deload for w in block.weeks)


def test_the_coach_header_is_hidden_and_names_the_block(blocks):
    block = blocks["generated"]
    hidden = read(export(block)).hidden
    assert hidden[0] == "Strength: 12 weeks x 3 sessions of Reverse hyperextension (machine) (from 2026-12-07)"
    assert hidden[1] == "Client: contract-loaded"
    assert block.ruleset.sha256 in hidden[2]
    assert "paste this whole text" in hidden[3]


HOSTILE_CUE = "Breathe out\n# Week 99\n## Day 9\nDeadlift / 5x5 / 200kg\r\nSquat / 1x1 \u2028 / ok // <img src=x onerror=alert(1)>"


def hostile(block):
    """The block with control characters, Liftoscript headings and exercise lines in every text it carries."""
    return with_exercises(attrs.evolve(
        block, person_id="x\n# Week 0\nBench Press / 9x9",
        pain_rule=attrs.evolve(block.pain_rule, after="ok\n## Day 7"),
        weeks=tuple(attrs.evolve(w, phase_name=f"{w.phase_name}\r\nGood Morning / 3x3") for w in block.weeks)),
        lambda e: attrs.evolve(e, cues=(*e.cues, HOSTILE_CUE), tempo="2-1-2-0\n/ 1x1"))


def test_hostile_text_from_profiles_and_rule_sets_stays_inside_comments(blocks):
    block = blocks["generated"]
    evil = hostile(block)
    data = export(evil)
    program = read(data)  # no control character anywhere, and the structure is the block's, nothing more
    plain = read(export(block))
    assert program.program_lines == plain.program_lines
    assert len(program.weeks) == 12 and sum(len(w.days) for w in program.weeks) == 36
    text = data.decode()
    assert "Breathe out\\\\n\\# Week 99\\\\n\\#\\# Day 9\\\\nDeadlift / 5x5 / 200kg\\\\r\\\\nSquat" in text
    assert "&lt;img src=x onerror=alert(1)&gt;" in text and "<img" not in text
    assert "/// Client: x\\\\n\\# Week 0\\\\nBench Press / 9x9" in text
    # every user line sits behind // on its own line: no line but ours is program text
    for line in text.splitlines():
        assert line == "" or line.startswith(("//", "# Week ", "## Day ", "Reverse Hyperextension, Leverage Machine / "))


@pytest.mark.parametrize("name,status", [("needs_clearance", "needs clearance"), ("refused", "refused")])
def test_a_block_without_a_programme_is_an_export_error_exit_5(tmp_path, name, status):
    profile = tmp_path / "p.json"
    profile.write_text(json.dumps(PROFILES[name]))
    out = tmp_path / "plan.txt"
    result = subprocess.run([sys.executable, "-m", "revhyper", "generate", str(profile), "-f", "liftoscript",
                             "-o", str(out)], capture_output=True, text=True)
    assert result.returncode == 5, result.stderr
    assert (f"the liftoscript exporter (from revhyper-liftosaur) has nothing to write for a {status} block"
            in result.stderr)
    assert not out.exists()


def test_installed_format_appears_and_writes_the_same_bytes_twice(tmp_path):
    assert {ep.name: ep.value for ep in importlib.metadata.entry_points(group="revhyper")}["liftoscript"] == \
        "revhyper_liftosaur"
    profile = tmp_path / "p.json"
    profile.write_text(json.dumps(PROFILES["generated"]))
    outputs = []
    for n in (1, 2):
        out = tmp_path / f"plan{n}.txt"
        result = subprocess.run([sys.executable, "-m", "revhyper", "generate", str(profile), "-f", "liftoscript",
                                 "-o", str(out)], capture_output=True, text=True,
                                env={**os.environ, "PYTHONHASHSEED": str(n)})
        assert result.returncode == 0, result.stderr
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1] == export(contract_blocks()["generated"])
    listing = subprocess.run([sys.executable, "-m", "revhyper", "formats"], capture_output=True, text=True)
    assert any(line.split()[:1] == ["liftoscript"] and "revhyper-liftosaur" in line
               for line in listing.stdout.splitlines())


def test_hip_extension_variants_are_custom_exercises_the_header_names():
    block = block_from(PROFILES["generated_bodyweight"], equipment=[])
    variant = block.plan.variant
    assert variant in ("prone_hip_extension", "quadruped_hip_extension")
    program = read(export(block))
    names = {x.name for w in program.weeks for d in w.days for x in d.exercises}
    assert names == {EXERCISES[variant]} and not any(x.known for w in program.weeks for d in w.days
                                                     for x in d.exercises)
    assert any(f"Liftosaur has no {EXERCISES[variant]} built in: when its editor says Unknown exercise, add it as a "
               "custom exercise" in line for line in program.hidden)


def test_an_unknown_variant_is_a_clear_export_error(blocks):
    block = blocks["generated"]
    odd = with_exercises(block, lambda e: attrs.evolve(e, variant="sled_drag"))
    from revhyper.errors import OutputError
    from revhyper.exporters import export_with

    with pytest.raises(OutputError, match="Liftosaur has no exercise for the variant 'sled_drag'"):
        export_with(LIFTOSCRIPT, odd)


@pytest.mark.parametrize("text,message", [
    ("# Week 1\n## Day 1\nReverse Hyperextension / 3x12 / 20 kilos\n", "not a set, weight or timer"),
    ("# Week 1\nReverse Hyperextension / 3x12\n", "define a week and a day"),
    ("## Day 1\n", "specify a week before a day"),
    ("# Week 1\n## Day 1\n// cue\rSquat / 1x1\n", "control character"),
    ("# Week 1\n## Day 1\nReverse Hyperextension 3x12\n/ 3x12\n", "must start with the exercise name"),
])
def test_the_checker_rejects_what_liftosaur_rejects(text, message):
    with pytest.raises(check.LiftoscriptError, match=message):
        check.parse(text)


def test_liftosaurs_own_grammar_accepts_it(blocks, tmp_path):
    """Liftosaur's lezer grammar, built with @lezer/generator from npm, parses every program without an error.

    Opt-in: set REVHYPER_LIFTOSAUR_GRAMMAR to a copy of src/pages/planner/plannerExercise.grammar from
    Liftosaur's repository (this repository does not ship it); needs node and npm with registry access.
    """
    grammar = os.environ.get("REVHYPER_LIFTOSAUR_GRAMMAR")
    if not grammar or not shutil.which("npm") or not shutil.which("node"):
        pytest.skip("set REVHYPER_LIFTOSAUR_GRAMMAR to Liftosaur's plannerExercise.grammar (and have node, npm)")
    subprocess.run(["npm", "init", "-y"], cwd=tmp_path, check=True, capture_output=True)
    subprocess.run(["npm", "install", "--no-audit", "--no-fund", "@lezer/generator@1", "@lezer/lr@1"],
                   cwd=tmp_path, check=True, capture_output=True, timeout=300)
    shutil.copy(grammar, tmp_path / "planner.grammar")
    subprocess.run(["npx", "lezer-generator", "planner.grammar", "-o", "parser.mjs"], cwd=tmp_path, check=True,
                   capture_output=True)
    (tmp_path / "check.mjs").write_text(
        'import {parser} from "./parser.mjs"; import fs from "fs";\n'
        "for (const file of process.argv.slice(2)) {\n"
        '  const text = fs.readFileSync(file, "utf8"); const errors = [];\n'
        "  parser.parse(text).iterate({enter: (n) => { if (n.type.isError) errors.push(n.from); }});\n"
        "  if (errors.length) { console.log(file, errors); process.exitCode = 1; }\n}\n")
    files = []
    for name in GENERATED:
        path = tmp_path / f"{name}.txt"
        path.write_bytes(export(blocks[name]))
        files.append(str(path))
    evil = tmp_path / "hostile.txt"
    evil.write_bytes(export(hostile(blocks["generated"])))
    files.append(str(evil))
    bad = tmp_path / "bad.txt"
    bad.write_text("# Week 1\n## Day 1\nReverse Hyperextension / 3x12 / 20 kilos\n")
    ok = subprocess.run(["node", "check.mjs", *files], cwd=tmp_path, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    rejected = subprocess.run(["node", "check.mjs", str(bad)], cwd=tmp_path, capture_output=True, text=True)
    assert rejected.returncode == 1  # the harness does report a syntax error
