"""Issue 9, section 3: acuity and irritability, age, bone, the red flags a profile could not record, new
vocabulary, hernia and pregnancy variants, body mass, and the `program` cap. Each test asserts what a coach
would see in the block (status, referral, programme, caps in every exercise, cues, adjustments, warnings)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

import revhyper
from revhyper.errors import ProfileError, RulesetError
from revhyper.engine.explain import explain, explain_to_text
from revhyper.profile.profile import GOALS
from revhyper.rules.ruleset import PROGRAM_ORDER, Caps
from revhyper.rules.ruleset_loader import parse_ruleset_reporting
from revhyper.engine.screening import merge_caps

from helpers import EXAMPLES, HEALTHY, ROOT, cleared, merge

CHILD_HEAD = 'extends = "default"\nid = "clinic"\nversion = "1"\ntitle = "Clinic"\n'


def exercises(block):
    return [e for session in block.sessions() for e in session.exercises]


def fired(block):
    return {f.id for f in block.screening.fired}


# -- acuity and irritability ---------------------------------------------------------------------

def test_a_new_episode_keeps_the_range_at_neutral_but_leaves_the_programme_alone(make_block):
    block = make_block(pain={"duration_weeks": 3, "current": 2, "worst_last_week": 4})
    assert fired(block) == {"acute_episode"}
    assert block.plan.goal == "strength" and not any(a.startswith("Programme") for a in block.adjustments)
    assert max(e.rom_percent for e in exercises(block)) == 100
    assert max(e.rom_percent for e in exercises(make_block())) == 110, "without it the strength block goes past neutral"


@pytest.mark.parametrize("pain", [{"current": 5, "worst_last_week": 5}, {"current": 3, "worst_last_week": 7}])
@pytest.mark.parametrize("goal", ["strength", "general", "endurance"])
def test_a_new_irritable_episode_gets_the_rehabilitation_programme_whatever_the_goal(make_block, default_rules, pain, goal):
    block = make_block(pain={"duration_weeks": 2, **pain}, training={"goal": goal})
    assert "acute_irritable_pain" in fired(block) and block.status == "generated"
    assert block.plan.goal == "rehabilitation" and block.plan.program_name == default_rules.programs["rehabilitation"].name
    assert (f"Programme: Rehabilitation, not {default_rules.programs[goal].name}, because of acute_irritable_pain."
            in block.adjustments)
    assert block.weeks[0].phase == default_rules.programs["rehabilitation"].phases[0].id
    assert all(e.rom_percent <= 100 and (e.load_percent is None or e.load_percent <= 50) for e in exercises(block))
    data = revhyper.block_to_dict(block)
    assert data["plan"]["goal"] == "rehabilitation" and data["caps"]["program"]["value"] == "rehabilitation"
    assert data["caps"]["program"]["set_by"] == ["acute_irritable_pain"]


def test_a_new_episode_for_a_client_who_asked_for_rehabilitation_needs_no_programme_adjustment(make_block):
    block = make_block(pain={"duration_weeks": 2, "current": 6}, training={"goal": "rehabilitation"})
    assert "acute_irritable_pain" in fired(block)
    assert not any(a.startswith("Programme") for a in block.adjustments)


def test_the_same_pain_in_an_old_episode_keeps_the_clients_programme(make_block):
    block = make_block(pain={"duration_weeks": 6, "current": 5, "worst_last_week": 9})
    assert "acute_irritable_pain" not in fired(block) and block.plan.goal == "strength"


def test_moderate_pain_also_keeps_the_range_at_neutral(make_block):
    block = make_block(pain={"current": 5})
    assert max(e.rom_percent for e in exercises(block)) == 100
    assert {c.name: c.set_by for c in block.screening.caps}["max_rom_percent"] == ("moderate_pain",)


def test_the_acute_irritable_example_explains_week_by_week_from_the_rehabilitation_programme():
    profile = revhyper.load_profile(EXAMPLES / "profiles" / "acute-irritable.toml")
    rules = revhyper.default_ruleset()
    block = revhyper.generate(profile, rules)
    trace = explain(profile, rules)
    assert trace["program"] == {"goal": "rehabilitation", "name": "Rehabilitation", "requested": "strength",
                                "forced_by": ["acute_irritable_pain"]}
    assert [w["phase"] for w in trace["week_by_week"]] == [w.phase for w in block.weeks]
    assert [w["rom_percent"] for w in trace["week_by_week"]] == [w.sessions[0].exercises[0].rom_percent for w in block.weeks]
    text = explain_to_text(trace)
    assert ("Programme: Rehabilitation (rehabilitation), not the goal strength: the cap program from acute_irritable_pain"
            in text)


# -- the program cap --------------------------------------------------------------------------------

def test_programs_rank_from_rehabilitation_to_strength_and_cover_every_goal():
    assert PROGRAM_ORDER[0] == "rehabilitation" and set(PROGRAM_ORDER) == set(GOALS)


def test_the_most_conservative_programme_wins_and_the_others_are_reported():
    applied, merged = merge_caps([("a", Caps(program="strength")), ("b", Caps(program="endurance")),
                                  ("c", Caps(program="general"))])
    assert merged.program == "endurance"
    (cap,) = applied
    assert cap.set_by == ("b",) and set(cap.also_asked) == {("a", "strength"), ("c", "general")}


def test_a_clinic_rule_can_force_a_programme_and_the_strictest_wins_with_the_default(tmp_path, make_block):
    path = tmp_path / "c.toml"
    path.write_text(CHILD_HEAD + textwrap.dedent('''
        [rules.older_lifters_endurance]
        title = "Older lifters start with endurance"
        when = "person.age >= 60"
        action = "modify"
        reason = "Clinic policy."
        source = "acsm-2009"
        caps = { program = "endurance" }
        '''))
    rules = revhyper.load_ruleset(path)
    older = make_block(rules=rules, person={"age": 62})
    assert older.plan.goal == "endurance"
    assert "Programme: Endurance, not Strength, because of older_lifters_endurance." in older.adjustments
    both = make_block(rules=rules, person={"age": 62}, pain={"duration_weeks": 1, "current": 6},
                      clearance=cleared(by="Dr. Test"))  # new pain after 50 needs clearance
    assert both.plan.goal == "rehabilitation"
    (cap,) = [c for c in both.screening.caps if c.name == "program"]
    assert cap.set_by == ("acute_irritable_pain",) and cap.also_asked == (("older_lifters_endurance", "endurance"),)


def test_a_programme_cap_never_makes_the_block_more_demanding(tmp_path, make_block):
    """A rule asking for the general programme holds a strength client back, and leaves a client in rehabilitation
    on the rehabilitation programme (found by the property 'more pain never gives more' with a drawn rule set)."""
    path = tmp_path / "c.toml"
    path.write_text(CHILD_HEAD + textwrap.dedent('''
        [rules.moderate_pain_general]
        title = "Moderate pain: the general programme"
        when = "pain.current >= 2"
        action = "modify"
        reason = "Clinic policy."
        source = "acsm-2009"
        caps = { program = "general" }
        '''))
    rules = revhyper.load_ruleset(path)
    strength = make_block(rules=rules, pain={"current": 3})
    assert strength.plan.goal == "general", strength.adjustments
    assert any(a.startswith("Programme: ") and "because of moderate_pain_general" in a for a in strength.adjustments)
    rehab = make_block(rules=rules, pain={"current": 3}, training={"goal": "rehabilitation"})
    assert rehab.plan.goal == "rehabilitation" and not any(a.startswith("Programme:") for a in rehab.adjustments)
    calm = make_block(rules=rules, pain={"current": 1}, training={"goal": "rehabilitation"})
    assert [w.sessions[0].exercises[0] for w in rehab.weeks] == [w.sessions[0].exercises[0] for w in calm.weeks]


def test_a_misspelt_programme_is_an_error_with_a_suggestion(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text(CHILD_HEAD + '[rules.hernia]\ncaps = { max_load_percent = 50, program = "rehabilitaton" }\n')
    with pytest.raises(RulesetError) as caught:
        revhyper.load_ruleset(path)
    (problem,) = caught.value.problems
    assert problem.path == "rules.hernia.caps.program" and problem.line == 6
    assert "'rehabilitaton' is not a program of this rule set" in problem.message
    assert problem.suggestion == "rehabilitation"


def test_an_override_that_loosens_the_programme_is_warned_about(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text(CHILD_HEAD + '[rules.acute_irritable_pain]\ncaps = { program = "general", max_load_percent = 50, '
                                 'max_rom_percent = 100 }\n')
    _, reporter = parse_ruleset_reporting(path.read_text(), name=str(path))
    assert any("loosens the base's cap program from 'rehabilitation' to 'general'" in p.message
               for p in reporter.warnings)


def test_a_restriction_may_force_the_rehabilitation_programme(tmp_path, make_block):
    path = tmp_path / "c.toml"
    path.write_text(CHILD_HEAD + '[restrictions.rehab_programme]\ndescription = "Rehabilitation programme only."\n'
                                 'caps = { program = "rehabilitation" }\n')
    rules = revhyper.load_ruleset(path)
    block = make_block(rules=rules, clearance=cleared(by="A. Physio", restrictions=["rehab_programme"]))
    assert block.plan.goal == "rehabilitation"
    assert "because of restriction:rehab_programme" in " ".join(block.adjustments)


# -- age -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("pain", [{"duration_weeks": 2}, {"extension_aggravates": True}])
def test_a_teenager_with_new_or_extension_pain_needs_clearance(make_block, pain):
    block = make_block(person={"age": 17}, pain=pain)
    assert block.status == "needs_clearance" and "young_new_or_extension_pain" in block.screening.clearance_required_by
    reason = block.screening.fired[0].reason
    assert "spondylolysis" in reason and "Weak evidence" in reason


def test_a_teenager_with_long_standing_pain_that_extension_does_not_worsen_trains(make_block):
    assert make_block(person={"age": 17}).status == "generated"


def test_the_teen_example_needs_clearance_and_exits_3():
    result = subprocess.run([sys.executable, "-m", "revhyper", "generate", str(EXAMPLES / "profiles" / "teen-new-pain.toml")],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 3
    assert json.loads(result.stdout)["screening"]["clearance"]["required_by"] == ["young_new_or_extension_pain"]


def test_under_16_is_an_error_that_says_the_programme_is_for_adults_and_whom_to_ask(profile_data):
    with pytest.raises(ProfileError) as caught:
        revhyper.parse_profile(json.dumps(profile_data(person={"age": 14})), name="kid.json", kind="json")
    (problem,) = caught.value.problems
    assert problem.path == "person.age"
    assert "for adults (16 and over)" in problem.message and "paediatric physiotherapist" in problem.message


@pytest.mark.parametrize("changes", [{"person": {"age": 70}}, {"history": {"conditions": ["osteopenia"]}}])
def test_age_70_and_osteopenia_cap_range_load_and_unstable_set_ups(make_block, changes):
    block = make_block(training={"experience": "advanced", "equipment": ["stability_ball", "bench"]}, **changes)
    assert block.status == "generated"
    assert block.plan.variant == "bench_reverse_hyper"
    on_ball = make_block(training={"experience": "advanced", "equipment": ["stability_ball"]}, **changes)
    assert on_ball.plan.variant == "prone_hip_extension", "the ball is unstable"
    machine = make_block(training={"experience": "advanced"}, **changes)
    assert all(e.rom_percent <= 100 and e.load_percent is not None and e.load_percent <= 60 for e in exercises(machine)
               if e.load_kg is not None)
    assert max(e.load_percent or 0 for e in exercises(machine)) == 60
    assert max(e.rom_percent for e in exercises(machine)) == 100


# -- bone ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("changes", [
    {"history": {"conditions": ["osteopenia"]}}, {"history": {"conditions": ["osteoporosis"]}},
    {"history": {"conditions": ["long_term_steroids"]}}, {"history": {"conditions": ["previous_vertebral_fracture"]}},
    {"person": {"age": 65}},
])
def test_minor_trauma_with_a_fragility_risk_refuses_and_refers_urgently(make_block, changes):
    block = make_block(red_flags={"recent_minor_trauma": True}, **changes)
    assert block.status == "refused" and block.referral.urgency == "urgent"
    assert "suspected_fracture_fragility" in fired(block)


def test_fracture_risk_age_is_65(default_rules):
    assert default_rules.parameters["fracture_risk_age"] == 65


# -- red flags -------------------------------------------------------------------------------------

@pytest.mark.parametrize("flag", ["bilateral_leg_symptoms", "sexual_dysfunction", "gait_disturbance"])
def test_the_cauda_equina_signs_refuse_with_an_emergency_referral(make_block, flag):
    block = make_block(red_flags={flag: True})
    assert block.status == "refused" and fired(block) == {"cauda_equina"}
    assert block.referral.urgency == "emergency" and block.referral.to.startswith("Emergency department")


@pytest.mark.parametrize("flag", ["recent_bacterial_infection", "penetrating_wound"])
def test_the_infection_signs_refuse_with_an_urgent_referral(make_block, flag):
    block = make_block(red_flags={flag: True})
    assert block.status == "refused" and fired(block) == {"suspected_infection"}
    assert block.referral.urgency == "urgent"


def test_no_improvement_after_4_weeks_of_care_needs_clearance(make_block):
    block = make_block(red_flags={"not_improving_after_4_weeks_of_care": True})
    assert block.status == "needs_clearance" and block.screening.clearance_required_by == ("not_improving_with_care",)


def test_red_flag_rules_cite_finucane_or_the_cauda_equina_pathway_not_nice_ng59(default_rules):
    red_flag_rules = [r for r in default_rules.rules if any(n.startswith("red_flags.") for n in r.when.reads)]
    assert {r.source for r in red_flag_rules} == {"finucane-2020", "girft-ces-2023"}
    assert default_rules.rule("cauda_equina").source == "girft-ces-2023"
    assert "cauda equina" in default_rules.references["girft-ces-2023"].citation


# -- vocabulary ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("word", "rule"), [("ankylosing_spondylitis", "inflammatory_back_pain"),
                                            ("anticoagulants", "anticoagulants")])
def test_new_conditions_that_need_clearance(make_block, word, rule):
    block = make_block(history={"conditions": [word]})
    assert block.status == "needs_clearance" and block.screening.clearance_required_by == (rule,)


def test_a_hip_replacement_keeps_the_hip_out_of_end_range_extension(make_block):
    block = make_block(history={"conditions": ["hip_replacement"]})
    assert fired(block) == {"hip_replacement"} and max(e.rom_percent for e in exercises(block)) == 100


def test_a_near_miss_of_a_new_word_is_an_error_with_a_suggestion(profile_data):
    with pytest.raises(ProfileError) as caught:
        revhyper.parse_profile(json.dumps(profile_data(history={"conditions": ["ankylosing_spondilitis"]})),
                               name="p.json", kind="json")
    (problem,) = caught.value.problems
    assert problem.path == "history.conditions[0]" and problem.suggestion == "ankylosing_spondylitis"


# -- hernia and pregnancy --------------------------------------------------------------------------

def test_a_hernia_moves_the_client_off_every_variant_that_presses_the_abdomen(make_block, default_rules):
    block = make_block(history={"conditions": ["hernia"]},
                       training={"equipment": ["reverse_hyper_machine", "glute_ham_developer", "bench", "stability_ball"]})
    assert block.plan.variant == "quadruped_hip_extension"
    assert "Variant: Quadruped hip extension (caps exclude presses_abdomen exercises)." in block.adjustments
    pressing = {v.id for v in default_rules.variants.values() if "presses_abdomen" in v.tags}
    assert pressing == set(default_rules.variant_preference) - {"quadruped_hip_extension"}
    assert "presses on the lower abdomen" in default_rules.rule("hernia").reason


ACOG_SIGNS = ("vaginal bleeding", "regular painful contractions", "fluid leaking", "shortness of breath before exercise",
              "dizziness", "headache", "chest pain", "muscle weakness affecting balance", "calf pain or swelling")


def test_pregnancy_keeps_every_variant_at_neutral_and_lists_acogs_stop_signs(make_block):
    block = make_block(person={"pregnant": True, "gestation_weeks": 24}, training={"goal": "endurance"},
                       clearance=cleared("pregnancy", role="obstetric_provider", by="R. Silva, midwife"))
    assert block.status == "generated" and block.plan.variant == "quadruped_hip_extension"
    assert max(e.rom_percent for e in exercises(block)) == 100, "the endurance programme alone goes to 110 %"
    for e in exercises(block):
        stop = next(c for c in e.cues if c.startswith("Stop exercising and contact your obstetric care provider"))
        assert all(sign in stop for sign in ACOG_SIGNS)
    facts = dict(next(f for f in block.screening.fired if f.id == "pregnancy").values)
    assert facts == {"person.pregnant": True}


def test_gestation_weeks_without_pregnancy_is_an_error_in_revhyper_and_the_schema(profile_data):
    from jsonschema import Draft202012Validator

    from revhyper.commands.schema import schema_bytes

    data = profile_data(person={"gestation_weeks": 12})
    with pytest.raises(ProfileError) as caught:
        revhyper.parse_profile(json.dumps(data), name="p.json", kind="json")
    (problem,) = caught.value.problems
    assert problem.path == "person.gestation_weeks" and "set pregnant = true" in problem.message
    validator = Draft202012Validator(json.loads(schema_bytes("profile")))
    assert list(validator.iter_errors(data))
    assert not list(validator.iter_errors(profile_data(person={"gestation_weeks": 12, "pregnant": True})))


def test_revhyper_schema_profile_lists_the_new_fields(capsys):
    from revhyper.cli import main

    assert main(["schema", "profile"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert "gestation_weeks" in schema["properties"]["person"]["properties"]
    flags = schema["properties"]["red_flags"]["properties"]
    assert {"bilateral_leg_symptoms", "sexual_dysfunction", "gait_disturbance", "recent_bacterial_infection",
            "penetrating_wound", "not_improving_after_4_weeks_of_care"} <= set(flags)


# -- body mass -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("mass", "variant"), [(110, "ball_reverse_hyper"), (110.5, "prone_hip_extension"),
                                               (None, "ball_reverse_hyper")])
def test_a_client_over_the_balls_rating_gets_the_next_variant_and_a_warning_naming_the_body_mass(make_block, mass, variant):
    person = {} if mass is None else {"body_mass_kg": mass}
    block = make_block(person=person, training={"equipment": ["stability_ball"]})
    assert block.plan.variant == variant
    warned = [w for w in block.warnings if w.startswith("Body mass")]
    if variant == "prone_hip_extension":
        assert warned == ["Body mass 110.5 kg is over the 110 kg the reverse hyperextension over a stability ball is "
                          "rated for in this rule set; the prone hip extension (floor) is used instead."]
        assert "Variant: Prone hip extension (floor) (no reverse hyper machine listed in training.equipment)." in block.adjustments
        assert warned[0] in revhyper.block_to_dict(block)["warnings"]
    else:
        assert warned == []


def test_body_mass_skips_the_bench_and_the_ball_in_turn(make_block):
    block = make_block(person={"body_mass_kg": 140}, training={"equipment": ["bench", "stability_ball"]})
    assert block.plan.variant == "prone_hip_extension"
    assert block.warnings == (
        "Body mass 140 kg is over the 130 kg the reverse hyperextension off a bench is rated for in this rule set; "
        "the prone hip extension (floor) is used instead.",
        "Body mass 140 kg is over the 110 kg the reverse hyperextension over a stability ball is rated for in this rule "
        "set; the prone hip extension (floor) is used instead.")


def test_the_preferred_variant_excluded_by_body_mass_is_explained(tmp_path, make_block):
    path = tmp_path / "c.toml"
    original = (ROOT / "rulesets" / "default.toml").read_text()
    machine = original.index("[variants.machine_reverse_hyper]")
    path.write_text(CHILD_HEAD + original[machine:original.index("[variants.ghd_reverse_hyper]")].replace(
        'tags = ["prone", "presses_abdomen"]', 'tags = ["prone", "presses_abdomen"]\nmax_user_mass_kg = 150'))
    rules = revhyper.load_ruleset(path)
    block = make_block(rules=rules, person={"body_mass_kg": 151}, training={"equipment": ["reverse_hyper_machine", "bench"]})
    assert block.plan.variant == "prone_hip_extension"  # over the bench's 130 kg too
    assert ("Variant: Prone hip extension (floor) (body mass 151 kg is over the 150 kg the reverse hyperextension "
            "(machine) is rated for)." in block.adjustments)
    assert [w.split(" is rated")[0] for w in block.warnings] == [
        "Body mass 151 kg is over the 150 kg the reverse hyperextension (machine)",
        "Body mass 151 kg is over the 130 kg the reverse hyperextension off a bench"]
    trace = explain(revhyper.parse_profile(json.dumps(merge(HEALTHY, {
        "person": {"body_mass_kg": 151}, "training": {"equipment": ["reverse_hyper_machine", "bench"]}})),
        kind="json", ruleset=rules), rules)
    verdicts = {v["variant"]: v["verdict"] for v in trace["variant"]["considered"]}
    assert verdicts["machine_reverse_hyper"].startswith("excluded: body mass 151 kg is over the 150 kg")


def test_max_user_mass_kg_is_checked_when_the_rule_set_loads(tmp_path):
    path = tmp_path / "c.toml"
    original = (ROOT / "rulesets" / "default.toml").read_text()
    ball = original.index("[variants.ball_reverse_hyper]")
    path.write_text(CHILD_HEAD + original[ball:original.index("[variants.prone_hip_extension]")].replace(
        "max_user_mass_kg = 110", "max_user_mass_kg = 1100"))
    with pytest.raises(RulesetError) as caught:
        revhyper.load_ruleset(path)
    (problem,) = caught.value.problems
    assert problem.path == "variants.ball_reverse_hyper.max_user_mass_kg"
    assert "expected a number from 20 to 400, got 1100" in problem.message


# -- notes -----------------------------------------------------------------------------------------

def test_the_notes_say_the_pain_model_is_extrapolated_from_tendinopathy(default_rules):
    assert any("Achilles tendinopathy" in note and "extrapolated" in note for note in default_rules.notes)
