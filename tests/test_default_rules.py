"""Every rule of the default rule set: it fires on the profile it is about, not just outside it, and does
what a coach would see (refuse and refer, ask for clearance, cap, or warn)."""

from __future__ import annotations

import pytest

import revhyper
from revhyper.rules.lint import never_fires
from revhyper.profile.profile import condition_fields
from revhyper.rules.ruleset_loader import parse_ruleset_reporting

from helpers import ROOT, cleared

FIRES = {
    "cauda_equina": [{"red_flags": {"saddle_anesthesia": True}}, {"red_flags": {"bladder_or_bowel_dysfunction": True}},
                     {"red_flags": {"progressive_leg_weakness": True}}, {"red_flags": {"bilateral_leg_symptoms": True}},
                     {"red_flags": {"sexual_dysfunction": True}}, {"red_flags": {"gait_disturbance": True}}],
    "suspected_fracture_trauma": [{"red_flags": {"recent_significant_trauma": True}}],
    "suspected_fracture_fragility": [
        {"red_flags": {"recent_minor_trauma": True}, "history": {"conditions": ["osteoporosis"]}},
        {"red_flags": {"recent_minor_trauma": True}, "history": {"conditions": ["long_term_steroids"]}},
        {"red_flags": {"recent_minor_trauma": True}, "history": {"conditions": ["previous_vertebral_fracture"]}},
        {"red_flags": {"recent_minor_trauma": True}, "history": {"conditions": ["osteopenia"]}},
        {"red_flags": {"recent_minor_trauma": True}, "person": {"age": 65}},
    ],
    "suspected_malignancy": [{"red_flags": {"unexplained_weight_loss": True}},
                             {"red_flags": {"night_pain_unrelieved_by_rest": True}}, {"red_flags": {"history_of_cancer": True}}],
    "suspected_infection": [{"red_flags": {"fever": True}}, {"red_flags": {"recent_bacterial_infection": True}},
                            {"red_flags": {"penetrating_wound": True}}],
    "infection_risk": [{"history": {"conditions": ["immunosuppression"]}}, {"history": {"conditions": ["iv_drug_use"]}}],
    "older_new_pain": [{"person": {"age": 51}, "pain": {"duration_weeks": 5.9}}],
    "acute_episode": [{"pain": {"duration_weeks": 5.9}}, {"pain": {"duration_weeks": 0}},
                      {"pain": {"duration_weeks": 2, "current": 0, "worst_last_week": 4}}],
    "acute_irritable_pain": [{"pain": {"duration_weeks": 3, "current": 5}},
                             {"pain": {"duration_weeks": 3, "current": 2, "worst_last_week": 7}}],
    "young_new_or_extension_pain": [{"person": {"age": 19}, "pain": {"duration_weeks": 2}},
                                    {"person": {"age": 16}, "pain": {"extension_aggravates": True}}],
    "older_adult": [{"person": {"age": 70}}, {"person": {"age": 110}}],
    "not_improving_with_care": [{"red_flags": {"not_improving_after_4_weeks_of_care": True}}],
    "inflammatory_back_pain": [{"history": {"conditions": ["ankylosing_spondylitis"]}}],
    "anticoagulants": [{"history": {"conditions": ["anticoagulants"]}}],
    "hip_replacement": [{"history": {"conditions": ["hip_replacement"]}}],
    "radiating_pain": [{"pain": {"radiating_below_knee": True}}],
    "high_pain": [{"pain": {"current": 7}}],
    "moderate_pain": [{"pain": {"current": 5}}],
    "microdiscectomy_early": [{"history": {"surgeries": [{"procedure": "microdiscectomy", "weeks_ago": 5.9}]}}],
    "microdiscectomy_recovery": [{"history": {"surgeries": [{"procedure": "microdiscectomy", "weeks_ago": 6}]}},
                                 {"history": {"surgeries": [{"procedure": "microdiscectomy", "weeks_ago": 11.9}]}}],
    "lumbar_fusion_early": [{"history": {"surgeries": [{"procedure": "lumbar_fusion", "weeks_ago": 11.9}]}}],
    "lumbar_fusion_recovery": [{"history": {"surgeries": [{"procedure": "lumbar_fusion", "weeks_ago": 12}]}},
                               {"history": {"surgeries": [{"procedure": "lumbar_fusion", "weeks_ago": 51.9}]}}],
    "microdiscectomy_graded": [{"history": {"surgeries": [{"procedure": "microdiscectomy", "weeks_ago": 12}]}}, {"history": {"surgeries": [{"procedure": "microdiscectomy", "weeks_ago": 25.9}]}}],
    "other_surgery_early": [{"history": {"surgeries": [{"procedure": "laminectomy", "weeks_ago": 2}]}}, {"history": {"surgeries": [{"procedure": "laminectomy", "weeks_ago": 5.9}]}}],
    "other_surgery_recovery": [{"history": {"surgeries": [{"procedure": "laminectomy", "weeks_ago": 6}]}}, {"history": {"surgeries": [{"procedure": "laminectomy", "weeks_ago": 11.9}]}}],
    "other_surgery_graded": [{"history": {"surgeries": [{"procedure": "laminectomy", "weeks_ago": 12}]}}, {"history": {"surgeries": [{"procedure": "laminectomy", "weeks_ago": 25.9}]}}],
    "lumbar_disc_replacement_early": [{"history": {"surgeries": [{"procedure": "lumbar_disc_replacement", "weeks_ago": 5.9}]}}],
    "lumbar_disc_replacement_recovery": [{"history": {"surgeries": [{"procedure": "lumbar_disc_replacement", "weeks_ago": 6}]}}, {"history": {"surgeries": [{"procedure": "lumbar_disc_replacement", "weeks_ago": 11.9}]}}],
    "lumbar_disc_replacement_graded": [{"history": {"surgeries": [{"procedure": "lumbar_disc_replacement", "weeks_ago": 12}]}}, {"history": {"surgeries": [{"procedure": "lumbar_disc_replacement", "weeks_ago": 25.9}]}}],
    "lumbar_disc_replacement_extension": [{"history": {"surgeries": [{"procedure": "lumbar_disc_replacement", "weeks_ago": 26}]}}, {"history": {"surgeries": [{"procedure": "lumbar_disc_replacement", "weeks_ago": 51.9}]}}],
    "recent_spinal_injection": [{"history": {"injections": [{"weeks_ago": 0}]}},
                                {"history": {"injections": [{"date": "2026-11-24"}]}, "training": {"start_date": "2026-12-07"}}],
    "extension_sensitive_diagnosis": [{"history": {"conditions": ["spondylolisthesis"]}},
                                      {"history": {"conditions": ["spondylolysis"]}},
                                      {"history": {"conditions": ["spinal_stenosis"]}}],
    "extension_aggravates": [{"pain": {"extension_aggravates": True}}],
    "vertebral_fracture_history": [{"history": {"conditions": ["previous_vertebral_fracture"]}}],
    "osteoporosis": [{"history": {"conditions": ["osteoporosis"]}}, {"history": {"conditions": ["long_term_steroids"]}}],
    "osteopenia": [{"history": {"conditions": ["osteopenia"]}}],
    "pregnancy": [{"person": {"pregnant": True}}],
    "uncontrolled_hypertension": [{"history": {"conditions": ["uncontrolled_hypertension"]}}],
    "hypertension": [{"history": {"conditions": ["hypertension"]}}],
    "hernia": [{"history": {"conditions": ["hernia"]}}],
    "disc_herniation": [{"history": {"conditions": ["disc_herniation"]}}],
}

DOES_NOT_FIRE = {
    "cauda_equina": [{"pain": {"radiating_below_knee": True}}],
    "suspected_fracture_trauma": [{"red_flags": {"recent_minor_trauma": True}}],
    "suspected_fracture_fragility": [{"red_flags": {"recent_minor_trauma": True}, "person": {"age": 64}},
                                     {"history": {"conditions": ["osteoporosis"]}}],
    "suspected_malignancy": [{"person": {"age": 80}, "red_flags": {"fever": True, "recent_minor_trauma": True}}],
    "suspected_infection": [{"history": {"conditions": ["immunosuppression"]}}],
    "infection_risk": [{"history": {"conditions": ["hypertension"]}}],
    "older_new_pain": [{"person": {"age": 50}, "pain": {"duration_weeks": 1}}, {"person": {"age": 51}, "pain": {"duration_weeks": 6}}],
    "acute_episode": [{"pain": {"duration_weeks": 6}}, {"pain": {"duration_weeks": 1, "current": 0, "worst_last_week": 0}}],
    "acute_irritable_pain": [{"pain": {"duration_weeks": 6, "current": 6, "worst_last_week": 9}},
                             {"pain": {"duration_weeks": 3, "current": 4.9, "worst_last_week": 6.9}}],
    "young_new_or_extension_pain": [{"person": {"age": 20}, "pain": {"duration_weeks": 2, "extension_aggravates": True}},
                                    {"person": {"age": 19}, "pain": {"duration_weeks": 6}},
                                    {"person": {"age": 18}, "pain": {"duration_weeks": 0, "current": 0, "worst_last_week": 0}}],
    "older_adult": [{"person": {"age": 69}}],
    "not_improving_with_care": [{"red_flags": {"night_pain_unrelieved_by_rest": False}}],
    "inflammatory_back_pain": [{"history": {"conditions": ["spondylolysis"]}}],
    "anticoagulants": [{"history": {"conditions": ["hypertension"]}}],
    "hip_replacement": [{"history": {"conditions": ["osteopenia"]}}],
    "radiating_pain": [{"pain": {"current": 6}}],
    "high_pain": [{"pain": {"current": 6.9}}],
    "moderate_pain": [{"pain": {"current": 4.9, "worst_last_week": 9}}],
    "microdiscectomy_early": [{"history": {"surgeries": [{"procedure": "microdiscectomy", "weeks_ago": 6}]}},
                              {"history": {"surgeries": [{"procedure": "lumbar_fusion", "weeks_ago": 20}]}}],
    "microdiscectomy_recovery": [{"history": {"surgeries": [{"procedure": "microdiscectomy", "weeks_ago": 5.9}]}},
                                 {"history": {"surgeries": [{"procedure": "microdiscectomy", "weeks_ago": 12}]}}],
    "lumbar_fusion_early": [{"history": {"surgeries": [{"procedure": "lumbar_fusion", "weeks_ago": 12}]}}],
    "lumbar_fusion_recovery": [{"history": {"surgeries": [{"procedure": "lumbar_fusion", "weeks_ago": 11.9}]}},
                               {"history": {"surgeries": [{"procedure": "lumbar_fusion", "weeks_ago": 52}]}}],
    "microdiscectomy_graded": [{"history": {"surgeries": [{"procedure": "microdiscectomy", "weeks_ago": 26}]}}, {"history": {"surgeries": [{"procedure": "laminectomy", "weeks_ago": 12}]}}],
    "other_surgery_early": [{"history": {"surgeries": [{"procedure": "laminectomy", "weeks_ago": 6}]}}, {"history": {"surgeries": [{"procedure": "lumbar_disc_replacement", "weeks_ago": 2}]}}],
    "other_surgery_recovery": [{"history": {"surgeries": [{"procedure": "laminectomy", "weeks_ago": 12}]}}, {"history": {"surgeries": [{"procedure": "lumbar_disc_replacement", "weeks_ago": 8}]}}],
    "other_surgery_graded": [{"history": {"surgeries": [{"procedure": "laminectomy", "weeks_ago": 26}]}}, {"history": {"surgeries": [{"procedure": "microdiscectomy", "weeks_ago": 20}]}}],
    "lumbar_disc_replacement_early": [{"history": {"surgeries": [{"procedure": "lumbar_disc_replacement", "weeks_ago": 6}]}}, {"history": {"surgeries": [{"procedure": "laminectomy", "weeks_ago": 2}]}}],
    "lumbar_disc_replacement_recovery": [{"history": {"surgeries": [{"procedure": "lumbar_disc_replacement", "weeks_ago": 12}]}}, {"history": {"surgeries": [{"procedure": "lumbar_disc_replacement", "weeks_ago": 5}]}}],
    "lumbar_disc_replacement_graded": [{"history": {"surgeries": [{"procedure": "lumbar_disc_replacement", "weeks_ago": 26}]}}],
    "lumbar_disc_replacement_extension": [{"history": {"surgeries": [{"procedure": "lumbar_disc_replacement", "weeks_ago": 52}]}}, {"history": {"surgeries": [{"procedure": "laminectomy", "weeks_ago": 30}]}}],
    "recent_spinal_injection": [{"history": {"injections": [{"weeks_ago": 2}]}},
                                {"history": {"injections": [{"date": "2026-11-23"}]}, "training": {"start_date": "2026-12-07"}}],
    "extension_sensitive_diagnosis": [{"history": {"conditions": ["disc_herniation"]}}],
    "extension_aggravates": [{"history": {"conditions": ["spinal_stenosis"]}}],
    "vertebral_fracture_history": [{"history": {"conditions": ["osteoporosis"]}}],
    "osteoporosis": [{"history": {"conditions": ["osteopenia"]}}],
    "osteopenia": [{"history": {"conditions": ["osteoporosis"]}}],
    "pregnancy": [{"person": {"sex": "female"}}],
    "uncontrolled_hypertension": [{"history": {"conditions": ["hypertension"]}}],
    "hypertension": [{"history": {"conditions": ["uncontrolled_hypertension"]}}],
    "hernia": [{"history": {"conditions": ["disc_herniation"]}}],
    "disc_herniation": [{"history": {"conditions": ["hernia"]}}],
}


ACTIONS = {"refuse", "require_clearance", "modify", "warn"}
CLEARED = {"clearance": cleared(by="Dr. Test")}


def cases(table):
    return [pytest.param(rule, changes, id=f"{rule}-{i}") for rule, all_changes in table.items()
            for i, changes in enumerate(all_changes)]


def rules_with(action):
    from revhyper import default_ruleset

    return [rule.id for rule in default_ruleset().rules if rule.action == action]


def test_every_default_rule_has_tests_for_firing_and_not_firing(default_rules):
    ids = {rule.id for rule in default_rules.rules}
    assert len(ids) == 41
    assert set(FIRES) == ids, "a rule without a firing test, or a test for a rule that is gone"
    assert set(DOES_NOT_FIRE) == ids, "a rule without a not-firing test"
    assert {rule.action for rule in default_rules.rules} == ACTIONS


def test_the_healthy_profile_fires_nothing(make_block):
    block = make_block()
    assert block.status == "generated" and block.screening.fired == ()
    assert block.screening.caps == () and block.warnings == () and block.referral is None


@pytest.mark.parametrize(("rule_id", "changes"), cases(FIRES))
def test_rule_fires_and_has_its_effect(rule_id, changes, make_block, default_rules):
    block = make_block(**changes)
    fired = {f.id: f for f in block.screening.fired}
    assert rule_id in fired
    rule = default_rules.rule(rule_id)
    reported = fired[rule_id]
    assert (reported.action, reported.title, reported.reason) == (rule.action, rule.title, rule.reason)
    assert reported.citation == default_rules.references[rule.source].citation
    assert reported.condition == rule.when.text and reported.values, "the values the condition read are reported"
    if rule.action == "refuse":
        assert block.status == "refused" and block.weeks == () and block.plan is None
        if [f.id for f in block.screening.fired if f.action == "refuse"] == [rule_id]:
            assert block.referral == rule.referral
        assert block.referral.urgency in ("emergency", "urgent", "routine") and block.referral.to
        data = revhyper.block_to_dict(block)
        assert data["referral"]["urgency"] == block.referral.urgency and data["weeks"] == []
    elif rule.action == "require_clearance":
        assert block.status == "needs_clearance" and block.weeks == () and block.plan is None
        assert rule_id in block.screening.clearance_required_by and not block.screening.clearance_given
        assert block.referral is None
    elif rule.action == "modify":
        assert block.status == "generated" and block.weeks
        assert_caps_visible(block, rule.caps, default_rules, rule_id)
        assert_cues_visible(block, rule.cues)
        assert exercises(block) != exercises(make_block()), "the caps change what the coach sees"
    elif rule.action == "warn":
        assert block.status == "generated" and block.weeks
        assert f"{rule.title}: {rule.reason}" in block.warnings
        assert f"{rule.title}: {rule.reason}" in revhyper.block_to_dict(block)["warnings"]
        assert_cues_visible(block, rule.cues)
    if rule.caps is not None:  # reported with the screening, also before clearance: the coach sees what will apply
        reported_caps = {cap.name: cap for cap in block.screening.caps}
        for name, _value in rule.caps.items():
            cap = reported_caps[name]
            assert rule_id in cap.set_by or rule_id in {who for who, _ in cap.also_asked}


@pytest.mark.parametrize(("rule_id", "changes"), cases(DOES_NOT_FIRE))
def test_rule_does_not_fire_just_outside_its_condition(rule_id, changes, make_block):
    assert rule_id not in {f.id for f in make_block(**changes).screening.fired}


@pytest.mark.parametrize("rule_id", rules_with("require_clearance"))
def test_clearance_lets_the_block_go_ahead_within_the_rules_caps(rule_id, make_block, default_rules):
    rule = default_rules.rule(rule_id)
    # four days a week, so that a cap on sessions a week has something to cut
    block = make_block(training={"days_per_week": 4}, **CLEARED, **FIRES[rule_id][0])
    assert block.status == "generated", [f.id for f in block.screening.fired]
    assert block.weeks and block.screening.clearance_given
    assert rule_id in block.screening.clearance_required_by and rule_id in {f.id for f in block.screening.fired}
    if rule.caps is not None:
        assert_caps_visible(block, rule.caps, default_rules, rule_id)
        assert exercises(block) != exercises(make_block(training={"days_per_week": 4})), "the caps change the block"
    assert_cues_visible(block, rule.cues)


@pytest.mark.parametrize("rule_id", rules_with("refuse"))
def test_clearance_never_overrides_a_refusal(rule_id, make_block):
    block = make_block(**CLEARED, **FIRES[rule_id][0])
    assert block.status == "refused" and block.weeks == () and block.referral is not None


def exercises(block):
    return [(len(week.sessions), week.sessions[0].exercises) for week in block.weeks]


def assert_caps_visible(block, caps, rules, rule_id=None):
    """The caps show in every exercise of every week the rule applied (the strictest may be stricter still); a rule
    on weeks since a surgery may stop applying during the block, and its caps lift then."""
    assert block.weeks
    assert rule_id is None or rule_id in block.weeks[0].rules
    for week in block.weeks:
        if rule_id is not None and rule_id not in week.rules:
            continue
        assert caps.max_sessions_per_week is None or len(week.sessions) <= caps.max_sessions_per_week
        for session in week.sessions:
            for e in session.exercises:
                if caps.bodyweight_only:
                    assert e.load_kg is None and e.load_percent is None
                assert caps.max_load_percent is None or e.load_percent is None or e.load_percent <= caps.max_load_percent
                assert caps.max_load_kg is None or e.load_kg is None or e.load_kg <= caps.max_load_kg
                assert caps.max_rom_percent is None or e.rom_percent <= caps.max_rom_percent
                assert caps.max_sets is None or e.sets <= caps.max_sets
                assert caps.max_reps is None or e.reps <= caps.max_reps
                assert caps.min_rest_seconds is None or e.rest_seconds >= caps.min_rest_seconds
                assert not (rules.variants[e.variant].tags & caps.avoid_tags)


def assert_cues_visible(block, cues):
    for session in block.sessions():
        for e in session.exercises:
            assert set(cues) <= set(e.cues)


def test_refusal_beats_clearance_and_all_rules_are_reported(make_block):
    block = make_block(red_flags={"fever": True}, pain={"current": 8}, person={"pregnant": True})
    assert block.status == "refused"
    assert [f.action for f in block.screening.fired] == ["refuse", "require_clearance", "require_clearance", "modify"]
    assert {f.id for f in block.screening.fired} == {"suspected_infection", "high_pain", "pregnancy", "moderate_pain"}


def test_clearance_needed_beats_a_cap_and_a_warning_and_all_are_reported(make_block):
    block = make_block(pain={"current": 7}, history={"conditions": ["hernia", "hypertension"]})
    assert block.status == "needs_clearance" and block.weeks == ()
    assert [(f.id, f.action) for f in block.screening.fired] == [
        ("high_pain", "require_clearance"), ("moderate_pain", "modify"), ("hernia", "modify"), ("hypertension", "warn")]
    assert block.screening.clearance_required_by == ("high_pain",)


def test_the_most_urgent_referral_wins(make_block):
    block = make_block(red_flags={"saddle_anesthesia": True, "fever": True, "history_of_cancer": True})
    assert block.referral.urgency == "emergency"
    assert block.referral.to.startswith("Emergency department")


def test_the_strictest_cap_of_each_kind_wins_and_the_others_are_still_reported(make_block):
    block = make_block(pain={"current": 7, "extension_aggravates": True}, history={"conditions": ["hernia"]},
                       clearance=cleared(by="Dr. Test"))
    caps = {cap.name: cap for cap in block.screening.caps}
    assert caps["max_rom_percent"].value == 80 and caps["max_rom_percent"].set_by == ("high_pain",)
    assert ("extension_aggravates", 100) in caps["max_rom_percent"].also_asked
    assert caps["max_sets"].value == 2 and set(caps["max_sets"].set_by) == {"high_pain", "moderate_pain"}
    assert caps["bodyweight_only"].value is True
    assert all(e.load_kg is None and e.rom_percent <= 80 and e.sets <= 2
               for s in block.sessions() for e in s.exercises)


def test_restrictions_a_clinician_writes_apply_their_caps(make_block):
    block = make_block(clearance=cleared(by="A. Physio", restrictions=["no_prone", "two_sessions_a_week"]))
    assert block.plan.variant == "quadruped_hip_extension"
    assert all(len(week.sessions) == 2 for week in block.weeks)
    assert {cap.name: cap.set_by for cap in block.screening.caps} == {
        "max_sessions_per_week": ("restriction:two_sessions_a_week",), "avoid_tags": ("restriction:no_prone",)}


@pytest.mark.parametrize("restriction", ["no_hyperextension", "bodyweight_only", "light_load", "no_prone",
                                         "two_sessions_a_week"])
def test_each_restriction_a_clinician_can_write_caps_every_exercise(restriction, make_block, default_rules):
    assert set(default_rules.restrictions) == {"no_hyperextension", "bodyweight_only", "light_load", "no_prone",
                                               "two_sessions_a_week"}, "a new restriction needs a case here"
    block = make_block(training={"days_per_week": 4},
                       clearance=cleared(by="A. Physio", restrictions=[restriction]))
    caps = default_rules.restrictions[restriction].caps
    assert block.status == "generated" and block.screening.restrictions == (restriction,)
    assert {cap.name for cap in block.screening.caps} == {name for name, _ in caps.items()}
    assert all(cap.set_by == (f"restriction:{restriction}",) for cap in block.screening.caps)
    assert_caps_visible(block, caps, default_rules)
    assert exercises(block) != exercises(make_block(training={"days_per_week": 4})), "the restriction changes the block"


def test_a_restriction_and_a_rule_asking_the_same_cap_are_both_named(make_block):
    block = make_block(history={"conditions": ["hernia"]},
                       clearance=cleared(by="A. Physio", restrictions=["light_load"]))
    (cap,) = [cap for cap in block.screening.caps if cap.name == "max_load_percent"]
    assert cap.value == 50
    assert set(cap.set_by) == {"hernia", "restriction:light_load"}


def test_every_rule_cites_a_reference_and_refusals_say_where_to_go(default_rules):
    for rule in default_rules.rules:
        assert rule.source in default_rules.references
        assert rule.reason.strip()
        if rule.action == "refuse":
            assert rule.referral is not None and rule.referral.to and rule.referral.message


def test_decompression_is_presented_as_a_weak_claim(default_rules):
    assert any("decompress" in note and "weakly evidenced" in note for note in default_rules.notes)


def test_every_default_rule_can_fire(default_rules):
    """The embedded default is loaded without the can-it-fire proof (to keep start-up fast): prove it here."""
    assert not [rule.id for rule in default_rules.rules
                if never_fires(rule.when, condition_fields(), default_rules.parameters)]
    rules, _ = parse_ruleset_reporting((ROOT / "rulesets" / "default.toml").read_text(),
                                       name="default.toml")  # the full load, proof included
    assert rules.sha256 == default_rules.sha256


def test_the_parsed_copy_of_the_embedded_rule_set_is_up_to_date():
    """revhyper reads rulesets/default.parsed.json at start-up instead of parsing the TOML: it must be the same data,
    in the same order. After changing the default rule set, run scripts/parse_default_ruleset.py."""
    import json
    import tomllib

    from revhyper.rules.ruleset_loader import PARSED_DEFAULT, _parsed_default, default_ruleset_text

    text = default_ruleset_text()
    data = _parsed_default(text)
    assert data is not None, f"{PARSED_DEFAULT} is missing or stale: run scripts/parse_default_ruleset.py"
    assert json.dumps(data) == json.dumps(tomllib.loads(text))


def test_a_stale_parsed_copy_is_not_used():
    from revhyper.rules.ruleset_loader import _parsed_default, default_ruleset_text

    changed = default_ruleset_text().replace("high_pain = 7 ", "high_pain = 8 ")
    assert _parsed_default(changed) is None
    rules, _ = parse_ruleset_reporting(changed, name="<default>", prove=False, parsed=_parsed_default)
    assert rules.sha256 != revhyper.default_ruleset().sha256
    assert rules.parameters["high_pain"] == 8
