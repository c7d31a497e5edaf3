"""Time: rules on weeks since a surgery or an injection are evaluated at each week of the block; caps may lift
during a block, and a rule that would start refusing (or need clearance) mid-block ends the block there."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import revhyper
from revhyper.engine import engine
from revhyper.export.exporters import render

from helpers import EXAMPLES, HEALTHY, merge

HEAD = 'extends = "default"\nid = "clinic"\nversion = "1"\ntitle = "Clinic"\n'


def block_of(rules=None, **changes):
    rules = rules or revhyper.default_ruleset()
    return revhyper.generate(revhyper.profile_from_data(merge(HEALTHY, changes), ruleset=rules), rules)


def late_rule(action: str, extra: str = "") -> revhyper.RuleSet:
    return revhyper.parse_ruleset(HEAD + f'''
[rules.late_review]
title = "Laminectomy 40 weeks ago or more"
when = "weeks_since_surgery(\\"laminectomy\\") >= 40"
action = "{action}"
reason = "Reviewed at 40 weeks."
source = "clinical-consensus"
{extra}
''', name="clinic.toml")


LAMINECTOMY_36 = {"history": {"surgeries": [{"procedure": "laminectomy", "weeks_ago": 36}]}}


def test_a_rule_that_starts_refusing_mid_block_ends_the_block_there_and_says_why():
    rules = late_rule("refuse", 'referral = { urgency = "routine", to = "The surgeon", message = "Review." }')
    block = block_of(rules, **LAMINECTOMY_36)
    assert block.status == "generated" and len(block.weeks) == 4 and block.plan.weeks == 4
    assert ("The block ends after week 4: from week 5 (2027-01-04), late_review refuses (Laminectomy 40 weeks ago or "
            "more: Reviewed at 40 weeks.). Screen the client again before planning on.") in block.adjustments
    assert block_of(rules, history={"surgeries": [{"procedure": "laminectomy", "weeks_ago": 40}]}).status == "refused"


def test_a_clearance_rule_that_starts_mid_block_uncleared_ends_the_block_there():
    block = block_of(late_rule("require_clearance"), **LAMINECTOMY_36)
    assert block.status == "generated" and len(block.weeks) == 4
    assert any(a.startswith("The block ends after week 4: from week 5 (2027-01-04), late_review needs a clinician's "
                            "clearance") for a in block.adjustments)


def test_a_rule_that_starts_capping_mid_block_tightens_the_caps_from_that_week():
    block = block_of(late_rule("modify", "caps = { max_load_percent = 20 }"), **LAMINECTOMY_36)
    assert len(block.weeks) == 12
    assert [("late_review" in w.rules) for w in block.weeks] == [False] * 4 + [True] * 8
    assert all(w.sessions[0].exercises[0].load_percent in (None,) or w.sessions[0].exercises[0].load_percent <= 20
               for w in block.weeks[4:])
    data = revhyper.block_to_dict(block)
    assert data["weeks"][3]["caps"] is None and data["weeks"][4]["caps"] == {"max_load_percent": 20}


def test_without_a_start_date_weeks_ago_counts_from_week_one():
    changes = {"history": {"surgeries": [{"procedure": "laminectomy", "weeks_ago": 24}]}}
    dated = block_of(**changes)
    data = merge(HEALTHY, changes)
    del data["training"]["start_date"]
    undated = revhyper.generate(revhyper.profile_from_data(data))
    assert [w.rules for w in undated.weeks] == [w.rules for w in dated.weeks]
    assert [w.rules for w in undated.weeks][:3] == [("other_surgery_graded",)] * 2 + [()]
    assert any(a.startswith("From week 3:") for a in undated.adjustments)


def test_the_profile_is_screened_again_only_when_a_time_dependent_rule_changes(monkeypatch):
    calls = []
    real = engine.screen

    def counting(profile, rules, week=1):
        calls.append(week)
        return real(profile, rules, week)

    monkeypatch.setattr(engine, "screen", counting)
    block_of(history={"surgeries": [{"procedure": "lumbar_disc_replacement", "weeks_ago": 20}]}, training={"weeks": 40})
    assert calls == [1, 7, 33]  # 26 weeks: the graded stage ends; 52 weeks: extension is free
    calls.clear()
    block_of(training={"weeks": 40})
    assert calls == [1]


def test_disc_replacement_keeps_extension_restricted_longer_than_a_laminectomy():
    def rom_caps(procedure):
        block = block_of(history={"surgeries": [{"procedure": procedure, "weeks_ago": 12}]}, training={"weeks": 52})
        return [w.caps.max_rom_percent for w in block.weeks]

    laminectomy, replacement = rom_caps("laminectomy"), rom_caps("lumbar_disc_replacement")
    assert laminectomy == [100] * 14 + [None] * 38
    assert replacement == [100] * 40 + [None] * 12


def test_a_recent_spinal_injection_needs_clearance_for_two_weeks():
    block = block_of(history={"injections": [{"date": "2026-11-30"}]})
    assert block.status == "needs_clearance" and block.screening.clearance_required_by == ("recent_spinal_injection",)
    (fired,) = block.screening.fired
    assert fired.values == (("weeks_since_injection()", 1), ("params.spinal_injection_weeks", 2))
    later = block_of(history={"injections": [{"date": "2026-11-30"}, {"weeks_ago": 2}]})
    assert later.status == "needs_clearance", "the most recent injection counts"
    assert block_of(history={"injections": [{"weeks_ago": 2}]}).status == "generated"


def test_weeks_since_injection_takes_no_argument():
    with pytest.raises(Exception) as info:
        revhyper.parse_ruleset(HEAD + '''
[rules.x]
title = "X"
when = "weeks_since_injection(\\"epidural\\") < 2"
action = "warn"
reason = "X."
source = "clinical-consensus"
''', name="clinic.toml")
    assert "weeks_since_injection takes nothing between its brackets: weeks_since_injection()" in str(info.value)


def test_explain_shows_week_by_week_the_rules_that_applied_and_the_caps_lifting():
    path = EXAMPLES / "profiles" / "post-microdiscectomy-graded.toml"
    result = subprocess.run([sys.executable, "-m", "revhyper", "explain", str(path)], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert ("Week 1: activation, training week 1 of the phase\n  rules: microdiscectomy_graded\n"
            "  caps: max_load_percent = 60, max_rom_percent = 100, program = rehabilitation\n") in text
    assert ("Week 4: activation, training week 3 of the phase (deload)\n  rules: none (microdiscectomy_graded stops "
            "applying; cap max_load_percent lifted; cap max_rom_percent lifted; cap program lifted; the programme is "
            "kept for the whole block)\n  caps: none\n") in text
    assert "Programme: Rehabilitation (rehabilitation), not the goal strength: the cap program from microdiscectomy_graded" in text
    assert "Week 2: activation, training week 2 of the phase\n  sets:" in text, "unchanged weeks do not repeat the rules"
    trace = json.loads(subprocess.run([sys.executable, "-m", "revhyper", "explain", str(path), "--format", "json"],
                                      capture_output=True, text=True, timeout=60).stdout)
    block = revhyper.generate(revhyper.load_profile(path))
    assert [w["rules"] for w in trace["week_by_week"]] == [list(w.rules) for w in block.weeks]


@pytest.mark.parametrize("fmt", ["text", "markdown", "html"])
def test_readable_formats_say_the_caps_change_and_from_which_week(fmt):
    path = EXAMPLES / "profiles" / "post-microdiscectomy-graded.toml"
    out = render(revhyper.generate(revhyper.load_profile(path)), fmt).decode()
    assert "they change during the block" in out
    assert out.count("from this week: none (rules: none)") == 1
    week4 = out.index("Week 4: Activation and control")  # the rehabilitation programme the graded stage asks for
    assert out.index("from this week", week4) < out.index("Week 5: Back-extensor endurance"), \
        "shown under the week the caps lift"
    steady = render(revhyper.generate(revhyper.load_profile(EXAMPLES / "profiles" / "chronic-rehab.toml")), fmt)
    assert b"from this week" not in steady and b"change during the block" not in steady


def test_batch_writes_the_weeks_rules_and_caps_as_the_canonical_json_does():
    from revhyper.batch.batch import block_record

    for name in ("post-microdiscectomy-graded.toml", "post-microdiscectomy.toml", "chronic-rehab.toml"):
        block = revhyper.generate(revhyper.load_profile(EXAMPLES / "profiles" / name))
        expected = revhyper.block_to_dict(block)
        canonical = json.loads(block_record(1, block, "json"))["block"]
        compact = json.loads(block_record(1, block, "compact"))["block"]
        assert canonical == expected, name
        assert revhyper.expand_compact(compact) == expected, name
        if name != "chronic-rehab.toml":  # the caps and rules change mid-block: the weeks say so in both forms
            assert any(week["caps"] is not None for week in compact["weeks"]) and any(week["rules"] for week in compact["weeks"])


def test_a_clearance_for_a_rule_that_starts_mid_block_counts_then_and_is_not_called_unused():
    rules = late_rule("require_clearance", 'clearance = { roles = ["surgeon"] }')
    surgeon = [{"rules": ["late_review"], "role": "surgeon", "date": "2026-12-01"}]
    block = block_of(rules, **LAMINECTOMY_36, clearance=surgeon)
    assert block.status == "generated" and len(block.weeks) == 12
    assert [("late_review" in w.rules) for w in block.weeks] == [False] * 4 + [True] * 8
    assert not any("late_review" in w for w in block.warnings), "the clearance clears late_review from week 5"
    assert "From week 5 (2027-01-04): late_review applies; caps from then: none." in block.adjustments


def test_a_block_ended_mid_block_for_clearance_says_why_the_clearance_given_does_not_count():
    rules = late_rule("require_clearance", 'clearance = { roles = ["surgeon"] }')
    physio = [{"rules": ["late_review"], "role": "physiotherapist", "by": "J. Okafor", "date": "2026-12-01"}]
    block = block_of(rules, **LAMINECTOMY_36, clearance=physio)
    assert block.status == "generated" and len(block.weeks) == 4
    assert ("The block ends after week 4: from week 5 (2027-01-04), late_review needs a clinician's clearance the "
            "profile does not give (clearance 1 (physiotherapist J. Okafor, 2026-12-01): a physiotherapist may not "
            "clear this rule; it needs a surgeon). Screen the client again before planning on.") in block.adjustments
    assert not any("late_review" in w for w in block.warnings), "late_review does apply to this client"


def test_a_rule_that_asks_for_a_more_conservative_programme_mid_block_ends_the_block_there():
    """The programme is chosen once, at the start: a stricter one asked for later is not silently ignored."""
    block = block_of(late_rule("modify", 'caps = { program = "rehabilitation" }'), **LAMINECTOMY_36,
                     training={"goal": "strength", "working_load_kg": 40})
    assert block.status == "generated" and block.plan.goal == "strength" and len(block.weeks) == 4
    assert ("The block ends after week 4: from week 5 (2027-01-04), late_review asks for the rehabilitation programme, "
            "more conservative than this block's strength. Screen the client again before planning on."
            ) in block.adjustments
