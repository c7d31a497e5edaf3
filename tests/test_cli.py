"""The command line as a coach uses it: outputs, exit codes, error messages, nothing half-written."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from revhyper import cli

from helpers import HEALTHY, merge, cleared


def write_profile(tmp_path, **changes):
    path = tmp_path / "client.json"
    path.write_text(json.dumps(merge(HEALTHY, changes)))
    return path


def run(*args):
    return subprocess.run([sys.executable, "-m", "revhyper", *map(str, args)], capture_output=True, text=True, timeout=60)


def test_generate_prints_canonical_json_and_exits_0(tmp_path):
    result = run("generate", write_profile(tmp_path))
    assert result.returncode == 0, result.stderr
    block = json.loads(result.stdout)
    assert block["status"] == "generated"
    assert block["generator"] == {"name": "revhyper", "version": cli.__dict__.get("__version__") or block["generator"]["version"]}
    assert len(block["weeks"]) == 12 and all(len(w["sessions"]) == 3 for w in block["weeks"])


@pytest.mark.parametrize(
    ("changes", "code", "status"),
    [
        ({"red_flags": {"fever": True}}, 4, "refused"),
        ({"pain": {"current": 8}}, 3, "needs_clearance"),
        ({"pain": {"current": 8}, "clearance": cleared("high_pain", by="A. Physio")}, 0, "generated"),
    ],
)
def test_exit_codes_tell_refused_and_needs_clearance_apart(tmp_path, changes, code, status):
    result = run("generate", write_profile(tmp_path, **changes))
    assert result.returncode == code, result.stderr
    assert json.loads(result.stdout)["status"] == status


def test_text_format_is_a_readable_table_per_week(tmp_path):
    result = run("generate", write_profile(tmp_path), "--format", "text")
    assert result.returncode == 0
    assert "Week 1: Base" in result.stdout and "Week 12: Strength (lighter week)" in result.stdout
    assert "2026-12-07" in result.stdout and "Sets x reps" in result.stdout


def test_bad_profile_exits_2_naming_file_line_and_key(tmp_path):
    path = tmp_path / "client.toml"
    path.write_text('[person]\nage = 40\n[pain]\ncurrent = 3\nduration_weeks = 4\n[training]\nexperience = "novice"\n'
                    'goal = "general"\ndays_per_week = 3\nequipmnt = []\n')
    result = run("generate", path)
    assert result.returncode == 2
    assert result.stdout == ""
    assert f"{path}:10:1: error: training.equipmnt: unknown key 'equipmnt'" in result.stderr
    assert "(did you mean 'equipment'?)" in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_rule_set_exits_2_and_names_the_rule_set(tmp_path):
    rules = tmp_path / "rules.toml"
    rules.write_text("format = 1\nid = 'x'\n")
    result = run("generate", write_profile(tmp_path), "--rules", rules)
    assert result.returncode == 2
    assert f"{rules}: error: missing required key 'version'" in result.stderr


def test_unknown_format_suggests_the_near_miss(tmp_path):
    result = run("generate", write_profile(tmp_path), "--format", "jsn")
    assert result.returncode == 2
    assert "unknown format 'jsn'" in result.stderr and "did you mean 'json'?" in result.stderr


def test_missing_profile_file_exits_2(tmp_path):
    result = run("generate", tmp_path / "nope.toml")
    assert result.returncode == 2
    assert "nope.toml: error: cannot read the profile: No such file or directory" in result.stderr


def test_usage_errors_exit_2():
    assert run().returncode == 2
    assert run("generate").returncode == 2
    assert run("bogus-command").returncode == 2


def test_output_file_is_written_whole_and_same_bytes_each_time(tmp_path):
    out = tmp_path / "block.json"
    profile = write_profile(tmp_path)
    assert run("generate", profile, "-o", out).returncode == 0
    first = out.read_bytes()
    assert run("generate", profile, "-o", out).returncode == 0
    assert out.read_bytes() == first
    assert json.loads(first)["status"] == "generated"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["block.json", "client.json"]


def test_unwritable_output_exits_5_and_leaves_nothing(tmp_path):
    result = run("generate", write_profile(tmp_path), "-o", tmp_path / "missing-dir" / "block.json")
    assert result.returncode == 5
    assert "cannot write" in result.stderr and "nothing was written" in result.stderr
    assert not (tmp_path / "missing-dir").exists()


def test_a_failing_output_leaves_the_previous_file_intact(tmp_path, monkeypatch, capsys):
    out = tmp_path / "block.json"
    out.write_text("previous block\n")
    from revhyper import exporters
    from revhyper.errors import OutputError

    def broken(block, name):
        raise OutputError("the json output could not be produced (boom)")

    monkeypatch.setattr(exporters, "render", broken)
    code = cli.main(["generate", str(write_profile(tmp_path)), "-o", str(out)])
    assert code == 5
    assert out.read_text() == "previous block\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["block.json", "client.json"]


def test_an_unexpected_bug_is_reported_without_a_traceback(tmp_path, monkeypatch, capsys):
    import importlib

    generate_module = importlib.import_module("revhyper.engine")

    def broken(profile, ruleset=None):
        raise RuntimeError("boom")

    monkeypatch.setattr(generate_module, "generate", broken)
    assert cli.main(["generate", str(write_profile(tmp_path))]) == 1
    err = capsys.readouterr().err
    assert "internal error (RuntimeError: boom)" in err and "Traceback" not in err


def test_same_bytes_under_different_hash_seeds(tmp_path):
    profile = write_profile(tmp_path, history={"conditions": ["hernia", "osteoporosis"]})
    outputs = set()
    for seed in ("0", "1", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        result = subprocess.run([sys.executable, "-m", "revhyper", "generate", str(profile)], capture_output=True, env=env)
        outputs.add(result.stdout)
    assert len(outputs) == 1


def test_a_profile_can_come_from_standard_input_as_json_or_toml(tmp_path):
    from helpers import ROOT

    toml_text = (ROOT / "examples" / "profiles" / "chronic-rehab.toml").read_bytes()
    from_file = run("generate", str(ROOT / "examples" / "profiles" / "chronic-rehab.toml")).stdout
    piped = {command: subprocess.run([sys.executable, "-m", "revhyper", command, "-"], input=toml_text,
                                     capture_output=True, timeout=60) for command in ("generate", "explain")}
    assert all(p.returncode == 0 for p in piped.values()), [p.stderr for p in piped.values()]
    assert piped["generate"].stdout.decode() == from_file, "the same block as from the file"
    assert piped["explain"].stdout.startswith(b"Rule set revhyper-default")
    bad = subprocess.run([sys.executable, "-m", "revhyper", "generate", "-"], input=json.dumps(
        merge(HEALTHY, {"pain": {"current": 11}})).encode(), capture_output=True, timeout=60)
    assert bad.returncode == 2
    assert bad.stderr.decode().startswith("<stdin>:1:") and "pain.current: expected a number from 0 to 10, got 11" in bad.stderr.decode()
