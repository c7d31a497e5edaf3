"""`revhyper batch`: many profiles in, one JSON line per profile out, in order, whatever goes wrong on a line."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest

import revhyper
from revhyper import cli
from revhyper.batch.batch import CHUNK_LINES

from helpers import EXAMPLES, HEALTHY, merge


def run(*args, stdin=None, env=None):
    return subprocess.run([sys.executable, "-m", "revhyper", "batch", *map(str, args)], capture_output=True,
                          input=stdin, timeout=300, env=env)


def profile_line(**changes) -> str:
    return json.dumps(merge(HEALTHY, changes))


def varied(count: int) -> list[str]:
    """Profiles that differ in every way the output can show: id, pain, goal, days, weeks, load, red flags."""
    goals = ["strength", "rehabilitation", "endurance", "general"]
    lines = []
    for i in range(count):
        changes = {"person": {"id": f"client-{i:05d}", "age": 20 + i % 60},
                   "pain": {"current": i % 9, "extension_aggravates": i % 7 == 0},
                   "training": {"goal": goals[i % 4], "days_per_week": 2 + i % 3, "weeks": 6 + i % 9,
                                "working_load_kg": 20 + i % 30}}
        if i % 23 == 0:
            changes["red_flags"] = {"fever": True}
        lines.append(profile_line(**changes))
    return lines


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def records(path: Path) -> list[dict]:
    """The output's lines, each block in canonical form (a compact block, as batch writes by default, expanded)."""
    return [_canonical(json.loads(line)) for line in path.read_text(encoding="utf-8").splitlines()]


def _canonical(record: dict) -> dict:
    if "block" in record and record["block"]["format"] == "revhyper.block.compact/1":
        record["block"] = revhyper.expand_compact(record["block"])
    return record


def single_generate(line: str) -> dict:
    rules = revhyper.default_ruleset()
    return revhyper.block_to_dict(revhyper.generate(revhyper.parse_profile(line, name="x.json", kind="json"), rules))


# -- order and sameness ------------------------------------------------------------------------------

def test_jobs_2_keeps_the_input_order_over_many_chunks(tmp_path):
    lines = varied(CHUNK_LINES * 5 + 7)
    out = tmp_path / "blocks.jsonl"
    result = run(write_lines(tmp_path / "profiles.jsonl", lines), "-o", out, "--jobs", "2")
    assert result.returncode == 0, result.stderr
    got = records(out)
    assert [r["line"] for r in got] == list(range(1, len(lines) + 1))
    assert [r["block"]["person_id"] for r in got] == [json.loads(line)["person"]["id"] for line in lines]
    statuses = {r["status"] for r in got}
    assert statuses == {"generated", "needs_clearance", "refused"}


def test_jobs_1_and_jobs_2_write_the_same_bytes(tmp_path):
    """Same bytes whatever the number of jobs and whatever PYTHONHASHSEED (set and dict orders never leak out)."""
    profiles = write_lines(tmp_path / "profiles.jsonl", varied(CHUNK_LINES * 3 + 1) + ["{not json", ""])
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    assert run(profiles, "-o", one, "--jobs", "1", env={**os.environ, "PYTHONHASHSEED": "1"}).returncode == 6  # two bad
    assert run(profiles, "-o", two, "--jobs", "2", env={**os.environ, "PYTHONHASHSEED": "2024"}).returncode == 6  # lines
    assert one.read_bytes() == two.read_bytes()
    assert len(one.read_bytes().splitlines()) == CHUNK_LINES * 3 + 3


@pytest.mark.parametrize("form", ["compact", "json"])
def test_each_block_equals_single_generate_of_every_example_profile(tmp_path, form):
    """The compact form (the default) and the canonical one (--format json) carry the same block."""
    examples = sorted((EXAMPLES / "profiles").glob("*.toml")) + sorted((EXAMPLES / "profiles").glob("*.json"))
    assert len(examples) >= 6
    lines = []
    for path in examples:
        data = tomllib.loads(path.read_text()) if path.suffix == ".toml" else json.loads(path.read_text())
        lines.append(json.dumps(data, default=str))  # TOML dates become the text a JSON profile holds
    out = tmp_path / "blocks.jsonl"
    result = run(write_lines(tmp_path / "profiles.jsonl", lines * 30), "-o", out, "--jobs", "2", "--format", form)  # enough for the pool
    assert result.returncode == 0, result.stderr
    rules = revhyper.default_ruleset()
    blocks = [revhyper.generate(revhyper.load_profile(p, rules), rules) for p in examples]
    expected = [revhyper.block_to_compact(b) if form == "compact" else revhyper.block_to_dict(b) for b in blocks]
    got = out.read_text(encoding="utf-8").splitlines()
    assert len(got) == len(lines) * 30
    for number, text in enumerate(got, start=1):
        block = expected[(number - 1) % len(examples)]
        record = {"line": number, "status": block["status"], "block": block}
        # the same dict, and the same bytes as plain compact JSON of that dict
        assert text == json.dumps(record, separators=(",", ":"), ensure_ascii=False), examples[(number - 1) % len(examples)]
        if form == "compact":
            assert revhyper.expand_compact(block) == revhyper.block_to_dict(blocks[(number - 1) % len(examples)])


def test_blocks_equal_single_generate_for_varied_profiles(tmp_path):
    lines = varied(150)
    out = tmp_path / "blocks.jsonl"
    assert run(write_lines(tmp_path / "profiles.jsonl", lines), "-o", out, "--jobs", "2").returncode == 0
    for line, record in zip(lines, records(out), strict=True):
        assert record["block"] == single_generate(line)
        assert record["status"] == record["block"]["status"]


# -- bad lines ---------------------------------------------------------------------------------------

def test_bad_lines_get_an_error_entry_and_the_rest_still_generate(tmp_path):
    good = profile_line()
    misspelt = json.dumps(merge(HEALTHY, {"training": {"goall": "strength"}}))
    wrong_word = profile_line(training={"goal": "strenght"})
    lines = [good, "{not json at all", misspelt, "", wrong_word, good]
    profiles = write_lines(tmp_path / "profiles.jsonl", lines)
    out = tmp_path / "blocks.jsonl"
    result = run(profiles, "-o", out, "--jobs", "2")
    assert result.returncode == 6, result.stderr  # bad lines are reported, not fatal: "partial"
    got = records(out)
    assert [r["line"] for r in got] == [1, 2, 3, 4, 5, 6]
    assert got[0]["status"] == got[5]["status"] == "generated" and got[0]["block"] == got[5]["block"]

    assert "block" not in got[1] and got[1]["error"][0]["message"].startswith("not valid JSON")
    [problem] = got[2]["error"]
    assert problem["path"] == "training.goall" and problem["message"].startswith("unknown key 'goall'")
    assert problem["column"] == misspelt.index('"goall"') + 1 and problem["suggestion"] == "goal"
    assert got[3]["error"][0]["message"] == "the line is empty; expected one JSON profile on each line"
    assert got[4]["error"][0]["path"] == "training.goal" and got[4]["error"][0]["suggestion"] == "strength"

    stderr = result.stderr.decode()
    column = misspelt.index('"goall"') + 1
    assert f"{profiles}:2:" in stderr
    assert f"{profiles}:3:{column}: error: training.goall: unknown key 'goall'" in stderr and "(did you mean 'goal'?)" in stderr
    assert f"{profiles}:5:" in stderr and "(did you mean 'strength'?)" in stderr
    assert "6 lines" in stderr and "2 generated" in stderr and "4 not valid profiles" in stderr
    assert "Traceback" not in stderr


def test_lines_that_are_not_utf8_or_too_long_are_reported_and_skipped(tmp_path):
    from revhyper.profile.profile_loader import MAX_BYTES

    good = profile_line().encode()
    huge = b'{"person": "' + b"x" * (MAX_BYTES + 10) + b'"}'
    profiles = tmp_path / "profiles.jsonl"
    profiles.write_bytes(b"\n".join([good, b'{"person": "\xff\xfe"}', huge, good]))  # no final newline
    out = tmp_path / "blocks.jsonl"
    result = run(profiles, "-o", out)
    assert result.returncode == 6, result.stderr
    got = records(out)
    assert [r["line"] for r in got] == [1, 2, 3, 4]
    assert "not UTF-8" in got[1]["error"][0]["message"]
    assert f"{len(huge):,} bytes long" in got[2]["error"][0]["message"]
    assert got[0]["status"] == got[3]["status"] == "generated"


def test_a_bug_on_one_line_is_reported_on_that_line_and_exits_1(tmp_path, monkeypatch, capsys):
    import revhyper.batch.batch as batch

    real = batch.generate

    def sometimes_broken(profile, ruleset=None):
        if profile.person.id == "client-00002":
            raise RuntimeError("boom")
        return real(profile, ruleset)

    monkeypatch.setattr(batch, "generate", sometimes_broken)
    out = tmp_path / "blocks.jsonl"
    code = cli.main(["batch", str(write_lines(tmp_path / "profiles.jsonl", varied(4))), "-o", str(out), "--jobs", "1"])
    assert code == 1
    got = records(out)
    assert "block" in got[0] and "block" in got[1] and "block" in got[3]
    assert got[2]["error"][0]["message"] == "internal error (RuntimeError: boom); this is a bug, please report it"
    assert "1 internal errors" in capsys.readouterr().err


# -- arguments, rule sets and failures: nothing half-written -------------------------------------------------

def test_a_bad_rule_set_exits_2_and_writes_nothing(tmp_path):
    rules = tmp_path / "rules.toml"
    rules.write_text("format = 1\nid = 'x'\n")
    out = tmp_path / "blocks.jsonl"
    out.write_text("yesterday's blocks\n")
    result = run(write_lines(tmp_path / "profiles.jsonl", varied(3)), "-o", out, "--rules", rules)
    assert result.returncode == 2
    assert f"{rules}: error: missing required key 'version'" in result.stderr.decode()
    assert out.read_text() == "yesterday's blocks\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["blocks.jsonl", "profiles.jsonl", "rules.toml"]


def test_an_output_folder_that_cannot_be_written_exits_5_and_leaves_nothing(tmp_path):
    result = run(write_lines(tmp_path / "profiles.jsonl", varied(3)), "-o", tmp_path / "missing" / "blocks.jsonl")
    assert result.returncode == 5
    assert "cannot write" in result.stderr.decode() and "nothing was written" in result.stderr.decode()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["profiles.jsonl"]


def test_o_onto_a_named_pipe_exits_5_and_o_onto_a_symlink_writes_its_target(tmp_path):
    profiles = write_lines(tmp_path / "profiles.jsonl", varied(3))
    os.mkfifo(tmp_path / "pipe")
    result = run(profiles, "-o", tmp_path / "pipe")
    assert result.returncode == 5
    assert f"cannot write {tmp_path / 'pipe'}: it is a named pipe (FIFO), not a regular file" in result.stderr.decode()
    (tmp_path / "store").mkdir()
    (tmp_path / "latest.jsonl").symlink_to(tmp_path / "store" / "blocks.jsonl")
    assert run(profiles, "-o", tmp_path / "latest.jsonl").returncode == 0
    assert (tmp_path / "latest.jsonl").is_symlink() and len(records(tmp_path / "store" / "blocks.jsonl")) == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["latest.jsonl", "pipe", "profiles.jsonl", "store"]
    assert os.listdir(tmp_path / "store") == ["blocks.jsonl"]


def test_a_failure_while_writing_leaves_the_previous_file_and_no_temporary_file(tmp_path, monkeypatch, capsys):
    import revhyper.batch.batch as batch

    out = tmp_path / "blocks.jsonl"
    out.write_text("yesterday's blocks\n")
    calls = []

    def disk_full(self, data):
        calls.append(len(data))
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        self.file.write(data)

    monkeypatch.setattr(batch.Output, "write", disk_full)
    profiles = write_lines(tmp_path / "profiles.jsonl", varied(CHUNK_LINES * 3))
    assert cli.main(["batch", str(profiles), "-o", str(out), "--jobs", "1"]) == 5
    assert "No space left on device" in capsys.readouterr().err
    assert out.read_text() == "yesterday's blocks\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["blocks.jsonl", "profiles.jsonl"]


def test_a_worker_that_cannot_append_to_the_output_exits_5_and_leaves_the_previous_file(tmp_path, monkeypatch,
                                                                                          capsys):
    """With --jobs 2 and -o FILE the workers append their chunks to the output themselves (batch._Writer)."""
    import revhyper.batch.batch as batch

    out = tmp_path / "blocks.jsonl"
    out.write_text("yesterday's blocks\n")
    written = []

    def disk_full(fd, data):  # runs in the (forked) workers
        if data.count(b"\n") != CHUNK_LINES:
            raise OSError(28, "No space left on device")
        written.append(os.write(fd, data))

    monkeypatch.setattr(batch, "write_all", disk_full)
    profiles = write_lines(tmp_path / "profiles.jsonl", varied(CHUNK_LINES * 4 + 10))  # the last chunk fails
    assert cli.main(["batch", str(profiles), "-o", str(out), "--jobs", "2"]) == 5
    err = capsys.readouterr().err
    assert f"cannot write {out}: No space left on device; nothing was written" in err and "Traceback" not in err
    assert out.read_text() == "yesterday's blocks\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["blocks.jsonl", "profiles.jsonl"]


def test_with_jobs_2_the_workers_append_to_the_output_and_standard_output_gets_the_same_bytes(tmp_path, capfdbinary):
    profiles = write_lines(tmp_path / "profiles.jsonl", varied(CHUNK_LINES * 5 + 3))
    assert cli.main(["batch", str(profiles), "-o", str(tmp_path / "file.jsonl"), "--jobs", "2"]) == 0
    capfdbinary.readouterr()
    assert cli.main(["batch", str(profiles), "--jobs", "2"]) == 0  # standard output: through the working files
    assert capfdbinary.readouterr().out == (tmp_path / "file.jsonl").read_bytes()
    assert [r["line"] for r in records(tmp_path / "file.jsonl")] == list(range(1, CHUNK_LINES * 5 + 4))


def test_ctrl_c_stops_the_workers_and_leaves_no_partial_file(tmp_path):
    profiles = write_lines(tmp_path / "profiles.jsonl", varied(200) * 150)  # 30,000 lines: a few seconds of work
    out = tmp_path / "blocks.jsonl"
    process = subprocess.Popen([sys.executable, "-m", "revhyper", "batch", str(profiles), "-o", str(out), "--jobs", "2"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not any(p.name.startswith(".blocks.jsonl.") for p in tmp_path.iterdir()):  # wait until it is writing
        assert process.poll() is None and time.monotonic() < deadline
        time.sleep(0.01)
    time.sleep(0.3)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert b"interrupted; nothing was written" in stderr and b"Traceback" not in stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["profiles.jsonl"]  # no output, temp file or working folder


@pytest.mark.parametrize(("args", "message"), [
    (["--jobs", "0"], "expected at least 1 process"),
    (["--jobs", "-3"], "expected at least 1 process, got -3"),
    (["--jobs", "1000"], "at most "),
    (["--jobs", "many"], "expected a whole number of processes"),
    (["--format", "csv"], "invalid choice: 'csv'"),
])
def test_bad_arguments_exit_2(tmp_path, args, message):
    result = run(write_lines(tmp_path / "profiles.jsonl", varied(2)), "-o", tmp_path / "out.jsonl", *args)
    assert result.returncode == 2
    assert message in result.stderr.decode()
    assert not (tmp_path / "out.jsonl").exists()


def test_jobs_is_at_most_4_a_cpu_and_says_so():
    """--jobs 1000 used to start 1,001 processes (19 GB); the limit is 4 for each CPU revhyper may use."""
    from revhyper.batch.batch import available_cores
    from revhyper.commands.batch import _jobs

    cores = available_cores()
    assert _jobs(str(4 * cores)) == 4 * cores
    with pytest.raises(Exception, match=rf"^at most {4 * cores} processes here \(4 for each of the {cores} CPUs? "
                                        rf"revhyper may use\), got 1,000$"):
        _jobs("1000")


def test_a_missing_input_file_exits_2(tmp_path):
    result = run(tmp_path / "nope.jsonl", "-o", tmp_path / "out.jsonl")
    assert result.returncode == 2
    assert "nope.jsonl: error: cannot read the profiles: No such file or directory" in result.stderr.decode()
    assert not (tmp_path / "out.jsonl").exists()


def test_standard_input_to_standard_output_and_an_empty_input(tmp_path):
    lines = varied(3)
    result = run("-", stdin="".join(line + "\n" for line in lines).encode())
    assert result.returncode == 0
    got = [_canonical(json.loads(line)) for line in result.stdout.decode().splitlines()]
    assert [r["block"] for r in got] == [single_generate(line) for line in lines]
    empty = run("-", "-o", tmp_path / "out.jsonl", stdin=b"")
    assert empty.returncode == 0 and (tmp_path / "out.jsonl").read_bytes() == b""


def test_progress_bar_only_on_a_terminal(tmp_path):
    profiles = write_lines(tmp_path / "profiles.jsonl", varied(100) * 30)
    plain = run(profiles, "-o", tmp_path / "a.jsonl", "--jobs", "1")
    assert b"\r" not in plain.stderr  # a log file gets the summary line only

    import pty

    leader, follower = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "revhyper", "batch", str(profiles), "-o", str(tmp_path / "b.jsonl"),
                                "--jobs", "1"], stdout=subprocess.DEVNULL, stderr=follower)
    os.close(follower)
    shown = b""
    while True:
        try:
            data = os.read(leader, 4096)
        except OSError:  # the terminal closed: the process has ended
            break
        if not data:
            break
        shown += data
    os.close(leader)
    assert process.wait(timeout=60) == 0
    assert b"\r[" in shown and b"% " in shown and b"lines" in shown
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()


def test_a_compact_line_is_a_third_of_the_canonical_one_and_carries_the_same_block(tmp_path):
    """Issue 13: a 12-week block of 3 sessions a week on one line in under 6 kB, nothing lost."""
    rehab = EXAMPLES / "profiles" / "chronic-rehab.toml"
    data = tomllib.loads(rehab.read_text())
    assert data["training"]["days_per_week"] == 3 and "weeks" not in data["training"]  # the default: 12 weeks
    profiles = write_lines(tmp_path / "in.jsonl", [json.dumps(data, default=str)])
    assert run(profiles, "-o", tmp_path / "compact.jsonl").returncode == 0
    assert run(profiles, "-o", tmp_path / "canonical.jsonl", "--format", "json").returncode == 0
    compact, canonical = (tmp_path / "compact.jsonl").read_bytes(), (tmp_path / "canonical.jsonl").read_bytes()
    block = json.loads(compact)["block"]
    assert len(block["weeks"]) == 12 and all(len(week["sessions"]) == 3 for week in block["weeks"])
    assert len(compact) < 6_000 < 20_000 < len(canonical)
    assert revhyper.expand_compact(block) == json.loads(canonical)["block"]
    assert len(block["cues"]) == len(set(block["cues"]))  # each cue stated once
    assert compact.count(b"Lift with the glutes") == 1 and canonical.count(b"Lift with the glutes") == 36


def test_a_repeated_key_or_a_lone_surrogate_on_a_line_is_that_lines_error_and_the_run_goes_on(tmp_path):
    """Issue 8: the first used to keep the last key silently, the second aborted the whole run with no output."""
    good = profile_line()
    repeated = good[:-1] + ',"red_flags":{"fever":true},"red_flags":{}}'
    surrogate = profile_line(person={"id": "x"}).replace('"x"', '"ab\\ud800"')
    escape = profile_line(person={"id": "\x1b[2J"})
    path = write_lines(tmp_path / "in.jsonl", [good, repeated, surrogate, escape, good])
    result = run(path, "-o", tmp_path / "out.jsonl", "--jobs", "1")
    assert result.returncode == cli.EXIT_PARTIAL, result.stderr
    out = records(tmp_path / "out.jsonl")
    assert [r["line"] for r in out] == [1, 2, 3, 4, 5]
    assert [r.get("status", "error") for r in out] == ["generated", "error", "error", "generated", "generated"]
    [dup] = out[1]["error"]
    assert dup["path"] == "red_flags" and dup["column"] == repeated.rindex('"red_flags"') + 1
    assert "written twice" in dup["message"]
    [bad] = out[2]["error"]
    assert bad["path"] == "person.id" and "'ab\\ud800' is not valid Unicode text" in bad["message"]
    assert out[3]["block"]["person_id"] == "\x1b[2J"  # the JSON output escapes it as JSON does
    stderr = result.stderr.decode()
    assert f"{tmp_path / 'in.jsonl'}:2:{dup['column']}: error: red_flags: the key 'red_flags' is written twice" in stderr
    assert f"{tmp_path / 'in.jsonl'}:3:" in stderr and "\x1b" not in stderr


def test_text_that_cannot_be_written_loses_its_line_not_the_run(monkeypatch):
    """The readers refuse lone surrogates; should one still reach an output line, that line is reported as an
    internal error and the chunk's other lines are written."""
    from revhyper.batch import batch

    real = batch.block_to_compact

    def leaky(block):
        data = real(block)
        if data["person_id"] == "second":
            data["person_id"] = "test-\ud800client"
        return data

    monkeypatch.setattr(batch, "block_to_compact", leaky)
    lines = [profile_line(person={"id": name}).encode() for name in ("first", "second", "third")]
    done = batch.process_chunk(batch.Chunk(1, tuple(lines), 0), revhyper.default_ruleset(), "in.jsonl")
    got = [json.loads(x) for x in done.output.decode("utf-8").splitlines()]
    assert [x.get("status", "error") for x in got] == ["generated", "error", "generated"]
    assert "UnicodeEncodeError" in got[1]["error"][0]["message"] and "\\ud800" in got[1]["error"][0]["message"]
    assert dict(zip(batch.COUNTED, done.counts)) == {"generated": 2, "needs_clearance": 0, "refused": 0, "error": 0,
                                                      "internal": 1}
    assert done.problems[0].startswith("in.jsonl:2: error: internal error (UnicodeEncodeError")


def test_the_format_option_offers_exactly_the_forms_batch_writes():
    from revhyper.batch.batch import BLOCK_FORMS

    option = next(a for a in cli.build_parser()._subparsers._group_actions[0].choices["batch"]._actions
                  if "--format" in a.option_strings)
    assert tuple(option.choices) == BLOCK_FORMS and option.default == BLOCK_FORMS[0]
