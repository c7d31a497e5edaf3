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
    from revhyper.export import exporters
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

    generate_module = importlib.import_module("revhyper.engine.engine")

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


# -- -o onto links and special files ------------------------------------------------------------------

def test_o_onto_a_symlink_writes_the_file_it_points_to_and_keeps_the_link(tmp_path):
    real = tmp_path / "blocks" / "client.json"
    real.parent.mkdir()
    real.write_text("last week's block\n")
    link = tmp_path / "latest.json"
    link.symlink_to(real)
    result = run("generate", write_profile(tmp_path), "-o", link)
    assert result.returncode == 0, result.stderr
    assert link.is_symlink() and json.loads(real.read_text())["status"] == "generated"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["blocks", "client.json", "latest.json"]
    assert os.listdir(real.parent) == ["client.json"]


@pytest.mark.parametrize("kind", ["fifo", "device", "folder", "link to a device"])
def test_o_onto_a_special_file_exits_5_naming_it_and_writes_nothing(tmp_path, kind):
    import stat

    profile = write_profile(tmp_path)
    target = tmp_path / "out"
    if kind == "fifo":
        os.mkfifo(target)
    elif kind == "folder":
        target.mkdir()
    else:
        device = tmp_path / "null" if kind == "link to a device" else target
        try:
            os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 3))  # what /dev/null is
        except PermissionError:
            pytest.skip("making a device node needs root")
        if device != target:
            target.symlink_to(device)
    before = sorted((p.name, os.lstat(p).st_mode) for p in tmp_path.iterdir())
    result = run("generate", profile, "-o", target)
    assert result.returncode == 5
    what = {"fifo": "a named pipe (FIFO)", "device": "a character device", "folder": "a folder",
            "link to a device": f"a character device (the symbolic link points to {tmp_path / 'null'})"}[kind]
    hint = "name a file in it" if kind == "folder" else "to write to a device or a pipe, use standard output"
    assert result.stderr == (f"revhyper: error: cannot write {target}: it is {what}, not a regular file; revhyper only "
                             f"replaces regular files ({hint}); nothing was written\n")
    assert sorted((p.name, os.lstat(p).st_mode) for p in tmp_path.iterdir()) == before


@pytest.mark.parametrize("output", ["/dev/stdout", "/dev/fd/1", "link to /dev/stdout"])
def test_o_onto_standard_output_s_name_is_refused_and_the_file_behind_it_stays(tmp_path, output):
    """/dev/stdout is a link to whatever standard output is: followed, it led to replacing a log file another
    process writes to (and as root the old code replaced the /dev/stdout link itself)."""
    profile = write_profile(tmp_path)
    if output.startswith("link"):
        output = str(tmp_path / "out.json")
        os.symlink("/dev/stdout", output)
    log = tmp_path / "log.txt"
    log.write_text("earlier lines\n")
    inode = log.stat().st_ino
    with open(log, "ab") as stdout:
        result = subprocess.run([sys.executable, "-m", "revhyper", "generate", str(profile), "-o", output], stdout=stdout,
                                stderr=subprocess.PIPE, text=True, timeout=60)
    assert result.returncode == 5
    assert result.stderr == (f"revhyper: error: cannot write {output}: it names a file a process has open (standard "
                             "output, error or a file descriptor), not a file revhyper may replace; to write to standard "
                             "output, leave out -o; nothing was written\n")
    assert log.read_text() == "earlier lines\n" and log.stat().st_ino == inode


# -- standard output: a full device, a closed pipe ------------------------------------------------------

def _stdout_commands(tmp_path) -> dict[str, list[str]]:
    from helpers import ROOT

    profile = str(write_profile(tmp_path))
    lines = tmp_path / "profiles.jsonl"
    lines.write_text((json.dumps(merge(HEALTHY, {})) + "\n") * 130)  # three chunks: --jobs 2 starts workers
    return {
        "generate": ["generate", profile],
        "explain": ["explain", profile],
        "check": ["check", "default"],
        "check json": ["check", "default", "--format", "json"],
        "formats": ["formats"],
        "formats json": ["formats", "--format", "json"],
        "schema": ["schema", "block"],
        "diff": ["diff", "default", str(ROOT / "examples" / "rulesets" / "clinic-north.toml")],
        "batch": ["batch", str(lines), "--jobs", "1"],
        "batch, 2 workers": ["batch", str(lines), "--jobs", "2"],
        "new-ruleset": ["new-ruleset", "-o", str(tmp_path / "clinic.toml"), "--force"],  # says "wrote ..." on stdout
        "--version": ["--version"],
        "--help": ["generate", "--help"],
    }


COMMANDS_WRITING_STDOUT = ["generate", "explain", "check", "check json", "formats", "formats json", "schema", "diff",
                           "batch", "batch, 2 workers", "new-ruleset", "--version", "--help"]


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("command", COMMANDS_WRITING_STDOUT)
def test_standard_output_on_a_full_device_exits_5_with_a_clear_message(tmp_path, command):
    """`revhyper ... > /dev/full` used to end in a traceback and exit 1 (or exit 0 with the output lost)."""
    with open("/dev/full", "wb") as full:
        result = subprocess.run([sys.executable, "-m", "revhyper", *_stdout_commands(tmp_path)[command]], stdout=full,
                                stderr=subprocess.PIPE, text=True, timeout=60, env={**os.environ, "TMPDIR": str(tmp_path)})
    assert result.returncode == 5, result.stderr
    assert result.stderr.splitlines()[-1] == "revhyper: error: cannot write standard output: No space left on device"
    assert "Traceback" not in result.stderr and "Exception ignored" not in result.stderr
    assert not [p.name for p in tmp_path.iterdir() if ".revhyper-" in p.name]


@pytest.mark.parametrize("command", COMMANDS_WRITING_STDOUT)
def test_a_closed_pipe_on_standard_output_exits_141_quietly(tmp_path, command):
    """A reader that has gone (`| head`): no traceback, no message, 128 + SIGPIPE as `cat` or `grep` would."""
    reader, writer = os.pipe()
    os.close(reader)
    try:
        result = subprocess.run([sys.executable, "-m", "revhyper", *_stdout_commands(tmp_path)[command]], stdout=writer,
                                stderr=subprocess.PIPE, text=True, timeout=60, env={**os.environ, "TMPDIR": str(tmp_path)})
    finally:
        os.close(writer)
    assert (result.returncode, result.stderr) == (141, "")
    assert not [p.name for p in tmp_path.iterdir() if ".revhyper-" in p.name]


def _subcommand(parser, name):
    commands = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    return commands.choices[name]


@pytest.mark.parametrize("name", list(cli.COMMANDS))
def test_each_commands_help_lists_all_its_options(name, capsys, monkeypatch):
    """A run builds only its own command's options (the others by name): its --help reads as the whole parser's."""
    monkeypatch.setenv("COLUMNS", "100")
    full = _subcommand(cli.build_parser(), name)
    options = [option for action in full._actions for option in action.option_strings]
    assert "--help" in options and len(options) > 1 or name in ("formats", "log-formats")
    with pytest.raises(SystemExit) as stopped:
        cli.main([name, "--help"])
    assert stopped.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: revhyper {name} ")
    for option in options:
        assert option in out, f"revhyper {name} --help does not list {option}"
    for action in full._actions:
        if not action.option_strings and action.help:
            assert (action.metavar or action.dest) in out
    assert out == full.format_help()


def test_top_level_help_lists_every_command_with_its_line(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")
    with pytest.raises(SystemExit) as stopped:
        cli.main(["--help"])
    assert stopped.value.code == 0
    out = capsys.readouterr().out
    assert out == cli.build_parser().format_help()
    for name, summary in cli.COMMANDS.items():
        assert name in out and summary.split()[0] in out


def test_a_run_imports_only_its_own_command():
    code = ("import sys; from revhyper import cli; cli.build_parser('generate'); "
            "print(sorted(m for m in sys.modules if m.startswith('revhyper.commands.')))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "['revhyper.commands.generate']", result.stderr


def test_a_misspelt_command_lists_every_command(capsys):
    with pytest.raises(SystemExit) as stopped:
        cli.main(["gnerate", "x.toml"])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert "invalid choice: 'gnerate'" in err and all(repr(name) in err for name in cli.COMMANDS)


@pytest.mark.parametrize("columns", [None, "", "37", "200", "junk", "-5"])
def test_help_is_as_wide_as_argparse_would_make_it(columns, monkeypatch):
    """The parser works out the terminal's width itself (argparse would import shutil for it): the same width."""
    import argparse

    if columns is None:
        monkeypatch.delenv("COLUMNS", raising=False)
    else:
        monkeypatch.setenv("COLUMNS", columns)
    assert cli._Formatter("revhyper")._width == argparse.HelpFormatter("revhyper")._width
