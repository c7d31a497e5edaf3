"""revhyper progress: the block adapted to the training log (src/revhyper/engine/adapt.py, docs/logs.md)."""

from __future__ import annotations

import datetime as dt

import attrs
import pytest

import revhyper
from revhyper.engine.adapt import progress_trace
from revhyper.export.canonical import block_to_json
from revhyper.errors import BlockError, RulesetError
from revhyper.engine.periodization import SESSION_DAYS

HEADER = "date,variant,set,reps,load_kg,rpe,pain_during,pain_next_morning,note\n"
START = dt.date(2026, 12, 7)


@pytest.fixture(scope="module")
def rules():
    return revhyper.default_ruleset()


@pytest.fixture(scope="module")
def tom(rules):
    return revhyper.load_profile("examples/profiles/healthy-strength.toml", rules)


@pytest.fixture(scope="module")
def block(tom, rules):
    return revhyper.generate(tom, rules)


def session_rows(day: dt.date, ex, *, reps=None, rpe=7, during=2, morning=0, sets=None, load=None) -> list[str]:
    load_kg = ex.load_kg if load is None else load
    rows = []
    for n in range(1, (sets or ex.sets) + 1):
        first = n == 1
        rows.append(f"{day.isoformat()},machine_reverse_hyper,{n},{reps if reps is not None else ex.reps},"
                    f"{'' if load_kg is None else load_kg},{rpe},{during if first else ''},{morning if first else ''},")
    return rows


def week_rows(block, week: int, sessions=None, **kw) -> list[str]:
    days = SESSION_DAYS[block.plan.days_per_week]
    ex = block.weeks[week - 1].sessions[0].exercises[0]
    first = START + dt.timedelta(days=7 * (week - 1))
    out = []
    for n, offset in enumerate(days[: sessions if sessions is not None else len(days)]):
        per = {k: (v[n] if isinstance(v, list) else v) for k, v in kw.items()}
        out += session_rows(first + dt.timedelta(days=offset), ex, **per)
    return out


def log_of(rows: list[str], rules):
    return revhyper.parse_log((HEADER + "\n".join(rows) + ("\n" if rows else "")).encode(), name="done.csv", ruleset=rules)


def ex(block, week):
    return block.weeks[week - 1].sessions[0].exercises[0]


def test_an_empty_log_changes_nothing_in_the_weeks(tom, block, rules):
    out = revhyper.progress(tom, block, log_of([], rules), rules)
    assert out.weeks == block.weeks
    assert out.adaptations == () and out.progress.done_weeks == 0 and out.status == "generated"


def test_progress_is_deterministic(tom, block, rules):
    log = log_of(week_rows(block, 1) + week_rows(block, 2, during=6), rules)
    assert block_to_json(revhyper.progress(tom, block, log, rules)) == block_to_json(revhyper.progress(tom, block, log, rules))


def test_pain_during_above_5_steps_back_to_the_previous_week(tom, block, rules):
    log = log_of(week_rows(block, 1) + week_rows(block, 2, during=[2, 6, 3, 2]), rules)
    out = revhyper.progress(tom, block, log, rules)
    assert ex(out, 3) == ex(block, 1)  # week 3 repeats week 1's step: the range back to 90 %
    assert ex(block, 3).rom_percent > ex(out, 3).rom_percent
    (adaptation,) = out.adaptations
    assert adaptation.week == 2 and adaptation.action == "step_back" and adaptation.from_week == 3
    assert [r.id for r in adaptation.rules] == ["pain_step_back"]
    assert dict(adaptation.rules[0].values)["log.pain_during_max"] == 6
    assert [where for _, where in adaptation.entries] == ["done.csv:14", "done.csv:17", "done.csv:20", "done.csv:23"]
    assert out.weeks[0].logged[0].sets[0].reps == 12 and out.weeks[2].logged is None


def test_next_morning_pain_above_the_usual_level_steps_back(tom, block, rules):
    log = log_of(week_rows(block, 1, morning=0) + week_rows(block, 2, morning=[0, 0, 0, 1]), rules)
    out = revhyper.progress(tom, block, log, rules)
    assert out.adaptations[-1].action == "step_back"
    assert dict(out.adaptations[-1].rules[0].values)["log.pain_next_morning_rise"] == 1


def test_pain_during_8_needs_clearance_again_and_the_block_stops(tom, block, rules):
    log = log_of(week_rows(block, 1) + week_rows(block, 2, during=[2, 8, 2, 2]), rules)
    out = revhyper.progress(tom, block, log, rules)
    assert out.status == "needs_clearance" and len(out.weeks) == 2
    assert out.adaptations[-1].action == "require_clearance" and out.adaptations[-1].from_week is None
    assert [r.id for r in out.adaptations[-1].rules] == ["pain_needs_clearance", "pain_step_back"]


def test_next_morning_pain_rising_two_sessions_in_a_row_needs_clearance(tom, block, rules):
    log = log_of(week_rows(block, 1, morning=[0, 1, 2, 2]), rules)
    out = revhyper.progress(tom, block, log, rules)
    assert out.status == "needs_clearance"
    assert dict(out.adaptations[0].rules[0].values)["log.pain_rising_sessions"] == 2


def test_fewer_than_90_percent_of_the_reps_repeats_the_week(tom, block, rules):
    log = log_of(week_rows(block, 1) + week_rows(block, 2, reps=10), rules)  # 10 of 12: 83 %
    out = revhyper.progress(tom, block, log, rules)
    assert ex(out, 3) == ex(block, 2)
    assert out.adaptations[-1].action == "repeat_week" and out.adaptations[-1].rules[0].id == "reps_short"


def test_fewer_than_half_the_sessions_repeats_the_week(tom, block, rules):
    log = log_of(week_rows(block, 1) + week_rows(block, 2, sessions=1), rules)
    out = revhyper.progress(tom, block, log, rules)
    assert ex(out, 3) == ex(block, 2)
    assert [r.id for r in out.adaptations[-1].rules] == ["missed_sessions"]


def test_a_gap_of_3_weeks_restarts_from_the_lighter_week(tom, block, rules):
    log = log_of(week_rows(block, 1) + week_rows(block, 2) + week_rows(block, 6, sessions=2), rules)
    out = revhyper.progress(tom, block, log, rules)
    last = out.adaptations[-1]
    assert last.week == 6 and last.action == "restart"
    # the lighter of the last week done in full (week 2) and the first strength week (week 1): week 1
    assert ex(out, 7) == ex(block, 1)


def test_two_good_sessions_progress_one_step_further_within_the_phase(tom, block, rules):
    log = log_of(week_rows(block, 1, rpe=7), rules)
    out = revhyper.progress(tom, block, log, rules)
    assert out.adaptations[0].action == "progress_further"
    assert ex(out, 2) == ex(block, 3)  # range 90 -> 110: the load stays (never load and range in one step)


def test_rpe_above_8_progresses_only_as_planned(tom, block, rules):
    log = log_of(week_rows(block, 1, rpe=9), rules)
    out = revhyper.progress(tom, block, log, rules)
    assert out.adaptations == () and out.weeks[1:] == block.weeks[1:]


def test_a_changed_status_wins_over_the_log(tom, block, rules):
    worse = attrs.evolve(tom, red_flags=attrs.evolve(tom.red_flags, saddle_anesthesia=True))
    out = revhyper.progress(worse, block, log_of(week_rows(block, 1), rules), rules)
    assert out.status == "refused" and out.weeks == () and "the log was not applied" in out.progress.notes[-1]


def test_a_block_of_another_rule_set_is_refused(tom, block, rules):
    other = attrs.evolve(block, ruleset=attrs.evolve(block.ruleset, id="clinic-north"))
    with pytest.raises(BlockError, match="clinic-north"):
        revhyper.progress(tom, other, log_of([], rules), rules)


def test_the_trace_has_a_decision_for_every_week(tom, block, rules):
    _, decisions = progress_trace(tom, block, log_of(week_rows(block, 1), rules), rules)
    assert [d.week for d in decisions] == list(range(1, 13))
    assert decisions[0].facts["log.sessions_logged"] == 4 and decisions[0].applied


def test_the_progressed_block_s_json_has_logged_weeks_and_adaptations(tom, block, rules):
    import json

    out = revhyper.progress(tom, block, log_of(week_rows(block, 1, rpe=7), rules), rules)
    data = json.loads(block_to_json(out))
    assert data["progress"]["done_weeks"] == 1 and data["adaptations"][0]["rules"][0]["id"] == "ready_to_progress"
    assert data["weeks"][0]["logged"][0]["sets"][0] == {"variant": "machine_reverse_hyper", "set": 1, "reps": 12,
                                                        "load_kg": ex(block, 1).load_kg, "rpe": 7, "note": ""}
    assert data["weeks"][1]["logged"] is None
    assert "progress" not in json.loads(block_to_json(block))  # a generated block is as before


# -- the rule set's [adaptations] -------------------------------------------------------------------

BASE = 'extends = "default"\nid = "clinic"\nversion = "1"\ntitle = "Clinic"\n'


def problems_of(text: str) -> list[str]:
    with pytest.raises(RulesetError) as info:
        revhyper.parse_ruleset(text, name="clinic.toml")
    return [str(p) for p in info.value.problems]


def test_a_misspelt_log_fact_is_a_load_error_with_did_you_mean():
    (problem,) = problems_of(BASE + '[adaptations.flare]\ntitle = "t"\nwhen = "log.pain_durng_max > 4"\n'
                                    'action = "step_back"\nreason = "r"\nsource = "acsm-2009"\n')
    assert "unknown field 'log.pain_durng_max'" in problem and "log.pain_during_max" in problem
    assert problem.startswith("clinic.toml:7:9:")


def test_an_unknown_adaptation_action_is_an_error():
    (problem,) = problems_of(BASE + '[adaptations.flare]\ntitle = "t"\nwhen = "log.pain_during_max > 4"\n'
                                    'action = "step_bak"\nreason = "r"\nsource = "acsm-2009"\n')
    assert "step_back" in problem


def test_an_adaptation_that_can_never_fire_is_an_error():
    (problem,) = problems_of(BASE + '[adaptations.flare]\ntitle = "t"\nwhen = "log.pain_during_max > 10"\n'
                                    'action = "step_back"\nreason = "r"\nsource = "acsm-2009"\n')
    assert "can never fire" in problem


def test_a_child_overrides_an_adaptation_s_parameter_and_action():
    rules = revhyper.parse_ruleset(BASE + "[parameters]\npain_during_limit = 4\n\n[adaptations.ready_to_progress]\n"
                                          'action = "progress"\n', name="clinic.toml")
    assert rules.parameters["pain_during_limit"] == 4
    assert {a.id: a.action for a in rules.adaptations}["ready_to_progress"] == "progress"


def test_a_parameter_only_an_adaptation_reads_is_used():
    revhyper.parse_ruleset(BASE + "[parameters]\nmin_reps_done_ratio = 0.8\n", name="clinic.toml")


def test_a_child_may_disable_an_adaptation():
    rules = revhyper.parse_ruleset(BASE + '[disable.ready_to_progress]\nreason = "we progress by hand"\n',
                                   name="clinic.toml")
    assert "ready_to_progress" not in {a.id for a in rules.adaptations}


def test_diff_and_check_show_the_adaptations(tmp_path, capsys):
    from revhyper.cli import main

    (tmp_path / "c.toml").write_text(BASE + '[adaptations.ready_to_progress]\naction = "progress"\n')
    assert main(["diff", "default", str(tmp_path / "c.toml")]) == 0
    assert "  ~ ready_to_progress action: progress_further -> progress" in capsys.readouterr().out
    assert main(["check", "default"]) == 0
    assert ", 6 adaptations," in capsys.readouterr().out


def test_explain_traces_the_progression_from_progress_s_own_decisions(tom, block, rules):
    from revhyper.engine.explain import explain, explain_to_text

    log = log_of(week_rows(block, 1) + week_rows(block, 2, during=[2, 6, 2, 2]), rules)
    trace = explain(tom, rules, block=block, log=log)
    week2 = trace["progress"]["weeks"][1]
    assert week2["log"]["log.pain_during_max"] == 6 and week2["fired"][0]["id"] == "pain_step_back"
    assert week2["action"] == "step_back" and week2["next_step"] == 1 and week2["applied"]
    _, decisions = progress_trace(tom, block, log, rules)
    assert [w["prescribed"]["rom_percent"] for w in trace["progress"]["weeks"]] == [d.exercise.rom_percent for d in decisions]
    text = explain_to_text(trace)
    assert "FIRED pain_step_back [step_back]" in text and "-> step back: next step 1" in text


def test_explain_derives_double_progression_reps_as_the_engine_does(tom, block, rules):
    from revhyper.engine.explain import explain

    trace = explain(tom, rules)
    assert [w["reps"] for w in trace["week_by_week"]] == [ex(block, n).reps for n in range(1, 13)]
    assert "double progression in 10-12 (10, 12) at RPE 8" in trace["week_by_week"][4]["derivation"]["reps"][0]


def test_double_progression_adds_reps_then_load(block):
    weeks = [ex(block, n) for n in (5, 6, 7)]  # build: 10-12 repetitions at RPE 8
    assert [(e.reps, e.load_percent) for e in weeks] == [(10, 70), (12, 70), (10, 75)]
    assert weeks[0].reps_range == (10, 12) and weeks[0].target_rpe == 8


@pytest.mark.parametrize(("phase", "message"), [
    ('reps_range = [8, 12]\n', "needs a target effort"),
    ('reps_range = [8, 12]\ntarget_rpe = 8\ntarget_rir = 2\n', "not both"),
    ('reps_range = [12, 8]\ntarget_rpe = 8\n', "low < high"),
    ('reps_range = [8, 12]\nreps = 10\ntarget_rpe = 8\n', "reps (a fixed number) or reps_range"),
    ('reps = 10\ntarget_rpe = 8\n', "goes with reps_range"),
])
def test_double_progression_phases_are_checked(phase, message):
    text = (BASE + '[programs.strength]\nreplace_phases = true\n[[programs.strength.phases]]\nid = "p"\nname = "P"\n'
            'weeks = 4\nsets = 3\nload = "bodyweight"\nrom_percent = 100\ntempo = "2-1-2-0"\nrest_seconds = 90\n' + phase)
    problems = problems_of(text)
    assert any(message in p for p in problems), problems


def test_a_progressed_block_reads_back_and_progresses_again(tom, block, rules, tmp_path):
    log = log_of(week_rows(block, 1) + week_rows(block, 2, during=[2, 6, 2, 2]), rules)
    once = revhyper.progress(tom, block, log, rules)
    (tmp_path / "next.json").write_bytes(block_to_json(once))
    back = revhyper.load_block(tmp_path / "next.json")
    assert back == once
    assert block_to_json(revhyper.progress(tom, back, log, rules)) == block_to_json(once)


def test_the_loader_reads_a_progressed_block_s_own_keys(tom, block, rules):
    from revhyper.export.block_loader import _progressed

    log = log_of(week_rows(block, 1) + week_rows(block, 2, during=[2, 6, 2, 2]), rules)
    data = revhyper.block_to_dict(revhyper.progress(tom, block, log, rules))
    shaped = _progressed(data)
    assert shaped["progress"]["done_weeks"] == 2 and shaped["adaptations"][0]["rules"][0]["id"] == "pain_step_back"


def test_the_readme_workflow_s_four_week_log_steps_back_after_week_4(tom, block, rules):
    log = revhyper.load_log("examples/logs/four-weeks.csv", rules)
    out = revhyper.progress(tom, block, log, rules)
    assert out.status == "generated" and out.progress.done_weeks == 4
    assert out.weeks[:4] == tuple(attrs.evolve(w, logged=out.weeks[n].logged) for n, w in enumerate(block.weeks[:4]))
    (adaptation,) = out.adaptations
    assert adaptation.week == 4 and adaptation.action == "step_back" and adaptation.from_week == 5
    assert adaptation.entries[1] == (dt.date(2026, 12, 29), "examples/logs/four-weeks.csv:39")
    assert ex(out, 5) == ex(block, 3)  # the training week before the lighter week 4, again
    assert out.weeks[3].logged[1].sets[-1].note == "stiff this morning after yard work" and len(out.weeks[3].logged) == 3


def test_the_text_view_says_what_the_log_changed_and_why(tom, block, rules):
    log = log_of(week_rows(block, 1) + week_rows(block, 2, during=[2, 6, 2, 2]), rules)
    text = revhyper.block_to_text(revhyper.progress(tom, block, log, rules))
    assert "Adapted to the training log done.csv (8 sessions, 24 sets): weeks 1-2 done" in text
    assert "  Week 2: From week 3 the block steps back to Base, training week 1 of the phase" in text
    assert "because: Pain during above 5, or next-morning pain above the usual level (pain_step_back)" in text
    assert "  Logged: 2026-12-14 3 sets (12/12/12), pain 2/0; 2026-12-15 3 sets (12/12/12), pain 6/0;" in text
    stopped = revhyper.block_to_text(revhyper.progress(tom, block, log_of(week_rows(block, 1, during=[2, 9, 2, 2]),
                                                                            rules), rules))
    assert "The training log asks for a clinician before training goes on:" in stopped
    assert "because of: ." not in stopped


def test_the_text_view_prints_a_double_progression_s_range_and_effort(block):
    assert "3 x 10 (10-12 at RPE 8)" in revhyper.block_to_text(block)


def test_a_misspelt_adaptation_parameter_is_an_error_with_did_you_mean():
    (problem,) = problems_of(BASE + "[parameters]\npain_during_limt = 4\n")
    assert "no rule reads the parameter 'pain_during_limt'" in problem and "pain_during_limit" in problem
