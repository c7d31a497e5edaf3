"""`revhyper progress` on the command line: exit codes as generate's, output through the exporters.

The block file is read by ``revhyper.load_block``; until the read-back of today's block fields lands (branch
i10-readback), these tests hand the command the in-process block through that one function."""

from __future__ import annotations

import json

import attrs
import pytest

import revhyper
from revhyper.export import block_loader
from revhyper.cli import main

from test_progress import log_of, week_rows


@pytest.fixture
def setup(tmp_path, monkeypatch):
    rules = revhyper.default_ruleset()
    tom = revhyper.load_profile("examples/profiles/healthy-strength.toml", rules)
    block = revhyper.generate(tom, rules)
    monkeypatch.setattr(block_loader, "load_block", lambda path: block)
    (tmp_path / "block.json").write_bytes(revhyper.block_to_json(block))

    def write_log(rows):
        path = tmp_path / "done.csv"
        path.write_text("date,variant,set,reps,load_kg,rpe,pain_during,pain_next_morning,note\n" + "\n".join(rows) + "\n")
        return str(path)
    return tmp_path, block, write_log


def test_progress_writes_the_adapted_block_and_exits_0(setup, capsys):
    tmp, block, write_log = setup
    log = write_log(week_rows(block, 1) + week_rows(block, 2, during=[2, 6, 2, 2]))
    code = main(["progress", "examples/profiles/healthy-strength.toml", str(tmp / "block.json"), log,
                 "-o", str(tmp / "next.json")])
    assert code == 0
    data = json.loads((tmp / "next.json").read_text())
    assert data["adaptations"][0]["action"] == "step_back"
    assert data["adaptations"][0]["entries"][1]["where"].endswith("done.csv:17")


def test_progress_needing_clearance_exits_3(setup, capsys):
    tmp, block, write_log = setup
    log = write_log(week_rows(block, 1, during=[2, 9, 2, 2]))
    assert main(["progress", "examples/profiles/healthy-strength.toml", str(tmp / "block.json"), log]) == 3
    assert json.loads(capsys.readouterr().out)["status"] == "needs_clearance"


def test_a_profile_that_now_refuses_exits_4(setup, capsys):
    tmp, block, write_log = setup
    text = open("examples/profiles/healthy-strength.toml").read() + "\n[red_flags]\nsaddle_anesthesia = true\n"
    (tmp / "now.toml").write_text(text)
    log = write_log(week_rows(block, 1))
    assert main(["progress", str(tmp / "now.toml"), str(tmp / "block.json"), log, "--format", "text"]) == 4


def test_a_bad_log_exits_2_naming_the_line(setup, capsys):
    tmp, block, write_log = setup
    log = write_log(["2026-12-07,machine_reverse_hyperextension,1,12,25,7,2,0,"])
    assert main(["progress", "examples/profiles/healthy-strength.toml", str(tmp / "block.json"), log]) == 2
    assert "done.csv:2:12: error: variant" in capsys.readouterr().err


def test_progress_reads_a_block_file_revhyper_generate_wrote(tmp_path):
    rules = revhyper.default_ruleset()
    block = revhyper.generate(revhyper.load_profile("examples/profiles/healthy-strength.toml", rules), rules)
    (tmp_path / "block.json").write_bytes(revhyper.block_to_json(block))
    assert revhyper.load_block(tmp_path / "block.json") == block
    assert main(["progress", "examples/profiles/healthy-strength.toml", str(tmp_path / "block.json"),
                 "examples/logs/four-weeks.csv", "-o", str(tmp_path / "next.json")]) == 0


def test_explain_with_block_and_log_prints_the_progression(setup, capsys):
    tmp, block, write_log = setup
    log = write_log(week_rows(block, 1) + week_rows(block, 2, during=[2, 6, 2, 2]))
    assert main(["explain", "examples/profiles/healthy-strength.toml", "--block", str(tmp / "block.json"),
                 "--log", log, "--format", "json"]) == 0
    trace = json.loads(capsys.readouterr().out)
    assert trace["progress"]["weeks"][1]["action"] == "step_back"


def test_explain_needs_both_block_and_log(setup, capsys):
    tmp, block, write_log = setup
    assert main(["explain", "examples/profiles/healthy-strength.toml", "--block", str(tmp / "block.json")]) == 2
    assert "--block and --log go together" in capsys.readouterr().err


def test_a_block_of_another_person_exits_2_naming_the_block_file(setup, capsys, monkeypatch):
    tmp, block, write_log = setup
    monkeypatch.setattr(block_loader, "load_block", lambda path: attrs.evolve(block, person_id="someone-else"))
    assert main(["progress", "examples/profiles/healthy-strength.toml", str(tmp / "block.json"), write_log([])]) == 2
    err = capsys.readouterr().err
    assert f"{tmp / 'block.json'}: error: person_id: the block is for 'someone-else', the profile for 'tom-32'" in err
